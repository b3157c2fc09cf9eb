package dev.palisade.supervisor.cluster.galera;

import dev.palisade.supervisor.resources.MariaDbResource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code galera::DATADIR[::key=value]...}: the Galera keys, the rest handed to the MariaDB resource's own reader
 * (socket, port, bind, user, defaults, start_timeout, stop_timeout, option).
 * <ul>
 * <li>{@code cluster_address} (required): {@code gcomm://10.0.0.1,10.0.0.2,10.0.0.3}, every member;</li>
 * <li>{@code node_address}: this node's replication address (default: Galera picks one);</li>
 * <li>{@code node_name}, {@code cluster_name} (default "palisade");</li>
 * <li>{@code provider} (default /usr/lib/galera/libgalera_smm.so);</li>
 * <li>{@code sst} (default rsync), {@code provider_options} (wsrep_provider_options, e.g.
 *     {@code gcache.size=256M;evs.suspect_timeout=PT2S});</li>
 * <li>{@code sync_timeout} (default 3600 s): how long a start may take to reach Synced once the server
 *     answers (an SST of a large database takes long).</li>
 * </ul>
 */
public record GaleraSettings(MariaDbResource.Settings server, String clusterAddress, String nodeAddress,
                             String nodeName, String clusterName, String provider, String sst, String providerOptions,
                             Duration syncTimeout) {
    public static final String DEFAULT_PROVIDER = "/usr/lib/galera/libgalera_smm.so";

    /** Reads the arguments after {@code galera::}; IllegalArgumentException says what is wrong. */
    public static GaleraSettings parse(List<String> args) {
        if (args.isEmpty() || args.get(0).isEmpty() || args.get(0).contains("=")) {
            throw new IllegalArgumentException("galera needs its data directory first: galera::/var/lib/mysql::"
                    + "cluster_address=gcomm://10.0.0.1,10.0.0.2,10.0.0.3");
        }
        List<String> rest = new ArrayList<>(List.of(args.get(0)));
        String address = null;
        String nodeAddress = null;
        String nodeName = null;
        String clusterName = "palisade";
        String provider = DEFAULT_PROVIDER;
        String sst = "rsync";
        String providerOptions = null;
        Duration sync = Duration.ofHours(1);
        for (String a : args.subList(1, args.size())) {
            int eq = a.indexOf('=');
            String k = eq > 0 ? a.substring(0, eq) : a;
            String v = eq > 0 ? a.substring(eq + 1) : "";
            switch (k) {
                case "cluster_address" -> address = v;
                case "node_address" -> nodeAddress = v;
                case "node_name" -> nodeName = v;
                case "cluster_name" -> clusterName = v;
                case "provider" -> provider = v;
                case "sst" -> sst = v;
                case "provider_options" -> providerOptions = v;
                case "sync_timeout" -> sync = seconds(v);
                default -> rest.add(a);
            }
        }
        if (address == null || !address.startsWith("gcomm://") || address.length() == "gcomm://".length()) {
            throw new IllegalArgumentException("galera needs cluster_address=gcomm://ADDRESS,ADDRESS,... naming every "
                    + "member (an empty gcomm:// would bootstrap on every start: never written here)");
        }
        for (String[] kv : new String[][] {{"cluster_name", clusterName}, {"sst", sst}, {"node_name", nodeName},
                {"node_address", nodeAddress}}) {
            if (kv[1] != null && (kv[1].isEmpty() || !kv[1].matches("[A-Za-z0-9_.:\\-\\[\\]]+"))) {
                throw new IllegalArgumentException("galera " + kv[0] + " '" + kv[1] + "' is empty or has characters "
                        + "other than letters, digits and _.:-[]");
            }
        }
        if (!Path.of(provider).isAbsolute()) {
            throw new IllegalArgumentException("galera provider '" + provider + "' is not an absolute path");
        }
        MariaDbResource.Settings server = MariaDbResource.Settings.parse(rest);
        return new GaleraSettings(server, address, nodeAddress, nodeName, clusterName, provider, sst, providerOptions,
                sync);
    }

    private static Duration seconds(String s) {
        try {
            return Duration.ofSeconds(Long.parseLong(s.endsWith("s") ? s.substring(0, s.length() - 1) : s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("galera sync_timeout '" + s + "' is not seconds (3600 or 600s)");
        }
    }

    /** The server's options that make it a Galera node (none of them bootstraps: that is a start's own flag). */
    public List<String> wsrepOptions() {
        List<String> o = new ArrayList<>(List.of("--wsrep_on=ON", "--wsrep_provider=" + provider,
                "--wsrep_cluster_address=" + clusterAddress, "--wsrep_cluster_name=" + clusterName,
                "--wsrep_sst_method=" + sst, "--binlog_format=ROW", "--default_storage_engine=InnoDB",
                "--innodb_autoinc_lock_mode=2"));
        if (nodeAddress != null) {
            o.add("--wsrep_node_address=" + nodeAddress);
        }
        if (nodeName != null) {
            o.add("--wsrep_node_name=" + nodeName);
        }
        if (providerOptions != null) {
            o.add("--wsrep_provider_options=" + providerOptions);
        }
        return o;
    }

    /** The MariaDB resource's settings with the Galera options and {@code extra} added. */
    MariaDbResource.Settings serverWith(List<String> extra) {
        List<String> options = new ArrayList<>(wsrepOptions());
        options.addAll(server.options());
        options.addAll(extra);
        return new MariaDbResource.Settings(server.datadir(), server.socket(), server.port(), server.bind(),
                server.user(), server.defaultsFile(), server.startTimeout(), server.stopTimeout(), List.copyOf(options));
    }
}
