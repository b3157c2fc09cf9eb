package dev.palisade.supervisor.cluster;

import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.ConfigPosition;
import dev.palisade.fence.config.Section;
import dev.palisade.supervisor.cluster.galera.GaleraSettings;
import dev.palisade.supervisor.config.Durations;
import dev.palisade.supervisor.config.FencingConfig;
import dev.palisade.supervisor.config.VrrpConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster node's configuration (docs/cluster.md lists every key): the {@code cluster} block selects the mode of
 * three or more nodes on Corosync and Galera, beside the same {@code fencing} and {@code vrrp} blocks as the pair.
 * <pre>
 * cluster {
 *   engine = "corosync";
 *   node = "n1";
 *   member { name = "n1"; nodeid = "1"; }
 *   member { name = "n2"; nodeid = "2"; }
 *   member { name = "n3"; nodeid = "3"; }
 *   resource = "galera::/var/lib/mysql::cluster_address=gcomm://10.0.0.1,10.0.0.2,10.0.0.3";
 *   resource = "vip::vi_db";
 * }
 * </pre>
 */
public record ClusterConfig(Path file, String node, List<Election.Member> members, String groupName,
                            Path controlSocket, Duration monitorInterval, Duration callTimeout,
                            Duration nonPrimaryTimeout, Duration pcRecoveryTimeout, Duration startRetry,
                            String newClusterFrom, String galeraLine, GaleraSettings galera, List<String> vips,
                            FencingConfig fencing, VrrpConfig vrrp, ConfigPosition position) {
    private static final Set<String> TOP = Set.of("cluster", "fencing", "vrrp");
    private static final Set<String> KEYS = Set.of("engine", "node", "group_name", "control_socket",
            "monitor_interval", "call_timeout", "non_primary_timeout", "pc_recovery_timeout", "start_retry",
            "new_cluster_from", "resource");

    /** Whether a parsed file is a cluster node's (it has a {@code cluster} block). */
    public static boolean isCluster(ConfigBlock root) {
        return root.block("cluster").isPresent();
    }

    public static ClusterConfig load(Path file) throws ConfigException, IOException {
        return from(file, ConfigParser.parse(file));
    }

    public static ClusterConfig from(Path file, ConfigBlock root) throws ConfigException {
        Section top = new Section(root, "").allow(Set.of(), TOP);
        Section c = top.child("cluster").orElseThrow(() -> new ConfigException(root.position(), "no 'cluster' block",
                "add cluster { engine = \"corosync\"; node = \"n1\"; member { ... } }"))
                .allow(KEYS, Set.of("member"));
        String engine = c.choice("engine", null, "corosync");
        if (engine == null) {
            throw new ConfigException(c.block().position(), "'cluster' has no 'engine'",
                    "add engine = \"corosync\"; (the only engine: membership, quorum and ordered messages)");
        }
        String node = required(c, "node", "name this node as its member block does: node = \"n1\";");
        List<Election.Member> members = new ArrayList<>();
        for (Section m : c.children("member")) {
            m.allow(Set.of("name", "nodeid"), Set.of());
            String name = required(m, "name", "name = \"n2\"; (as in corosync.conf's nodelist)");
            int id = m.integer("nodeid", -1, 1, Integer.MAX_VALUE);
            if (id < 0) {
                throw new ConfigException(m.block().position(), "member '" + name + "' has no nodeid",
                        "add nodeid = \"2\"; (corosync.conf's nodeid of that node)");
            }
            for (Election.Member o : members) {
                if (o.name().equalsIgnoreCase(name) || o.nodeId() == id) {
                    throw new ConfigException(m.block().position(), "member '" + name + "' (nodeid " + id
                            + ") repeats the name or nodeid of '" + o.name() + "'", "give each member its own name and nodeid");
                }
            }
            members.add(new Election.Member(name, id));
        }
        if (members.stream().noneMatch(m -> m.name().equalsIgnoreCase(node))) {
            throw new ConfigException(c.positionOf("node"), "node '" + node + "' is not one of the members "
                    + members.stream().map(Election.Member::name).toList(), "add member { name = \"" + node
                    + "\"; nodeid = \"...\"; } or fix the name");
        }
        String from = c.string("new_cluster_from", null);
        if (from != null && members.stream().noneMatch(m -> m.name().equalsIgnoreCase(from))) {
            throw new ConfigException(c.positionOf("new_cluster_from"), "new_cluster_from '" + from
                    + "' is not a member", "name the member whose data starts a new cluster");
        }
        String galeraLine = null;
        GaleraSettings galera = null;
        List<String> vips = new ArrayList<>();
        VrrpConfig vrrp = VrrpConfig.from(root);
        for (ConfigEntry e : c.block().all("resource")) {
            List<String> parts = Arrays.asList(e.value().split("::", -1));
            switch (parts.get(0)) {
                case "galera" -> {
                    if (galera != null) {
                        throw new ConfigException(e.valuePosition(), "a second galera resource",
                                "a node runs one Galera server: keep one galera:: line");
                    }
                    try {
                        galera = GaleraSettings.parse(parts.subList(1, parts.size()));
                    } catch (IllegalArgumentException bad) {
                        throw new ConfigException(e.valuePosition(), bad.getMessage(), "see docs/cluster.md");
                    }
                    galeraLine = e.value();
                }
                case "vip" -> {
                    String name = parts.size() == 2 ? parts.get(1) : "";
                    if (vrrp.instances().stream().noneMatch(i -> i.name().equals(name))) {
                        throw new ConfigException(e.valuePosition(), "'" + e.value() + "' names no VRRP instance",
                                "add vrrp { instance { name = \"" + name + "\"; ... } } or use one of "
                                        + vrrp.instances().stream().map(VrrpConfig.Instance::name).toList());
                    }
                    vips.add(name);
                }
                default -> throw new ConfigException(e.valuePosition(), "resource '" + e.value()
                        + "' is neither galera:: nor vip::", "a cluster node runs resource = \"galera::...\"; and "
                        + "resource = \"vip::NAME\"; lines");
            }
        }
        if (galera == null) {
            throw new ConfigException(c.block().position(), "no galera resource", "add resource = \"galera::"
                    + "/var/lib/mysql::cluster_address=gcomm://ADDR1,ADDR2,ADDR3\";");
        }
        FencingConfig fencing = FencingConfig.from(root);
        if (!vips.isEmpty()) {
            for (Election.Member m : members) {
                if (!m.name().equalsIgnoreCase(node)
                        && fencing.nodes().stream().noneMatch(f -> f.name().equalsIgnoreCase(m.name()))) {
                    throw new ConfigException(c.block().position(), "member '" + m.name() + "' has no fencing",
                            "the VIP is taken over from a member lost while holding it only once that member is "
                                    + "fenced: add fencing { node { name = \"" + m.name() + "\"; level { ... } } }");
                }
            }
        }
        Duration monitor = duration(c, "monitor_interval", Duration.ofSeconds(1));
        Duration call = duration(c, "call_timeout", Duration.ofSeconds(5));
        if (monitor.toMillis() < 100 || call.toMillis() < 100) {
            throw new ConfigException(c.positionOf(monitor.toMillis() < 100 ? "monitor_interval" : "call_timeout"),
                    "an interval below 100ms", "use 100ms or more");
        }
        String group = c.string("group_name", "palisade");
        if (group.isEmpty() || group.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 128) {
            throw new ConfigException(c.positionOf("group_name"), "group_name must be 1 to 128 bytes",
                    "use a short name such as \"palisade\"");
        }
        return new ClusterConfig(file, node, List.copyOf(members), group,
                Path.of(c.string("control_socket", "/run/palisade/control.sock")), monitor, call,
                duration(c, "non_primary_timeout", Duration.ofSeconds(30)),
                duration(c, "pc_recovery_timeout", Duration.ofSeconds(60)), duration(c, "start_retry", Duration.ofSeconds(5)),
                from, galeraLine, galera, List.copyOf(vips), fencing, vrrp, c.block().position());
    }

    private static String required(Section s, String key, String fix) throws ConfigException {
        Optional<ConfigEntry> e = s.entry(key);
        if (e.isEmpty() || e.get().value().isBlank()) {
            throw new ConfigException(s.block().position(), "'" + s.path() + "' has no '" + key + "'", fix);
        }
        return e.get().value();
    }

    private static Duration duration(Section s, String key, Duration def) throws ConfigException {
        Optional<ConfigEntry> e = s.entry(key);
        return e.isPresent() ? Durations.parse(e.get()) : def;
    }

    /** This node's member entry. */
    public Election.Member self() {
        return members.stream().filter(m -> m.name().equalsIgnoreCase(node)).findFirst().orElseThrow();
    }

    public Election.Member member(String name) {
        return name == null ? null : members.stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst()
                .orElse(null);
    }

    /** The effective configuration, defaults filled in, in the same grammar. */
    public String dump() {
        StringBuilder sb = new StringBuilder("cluster {\n\tengine = \"corosync\";\n");
        sb.append("\tnode = \"").append(node).append("\";\n");
        sb.append("\tgroup_name = \"").append(groupName).append("\";\n");
        sb.append("\tcontrol_socket = \"").append(controlSocket).append("\";\n");
        for (String[] kv : new String[][] {{"monitor_interval", Durations.format(monitorInterval)},
                {"call_timeout", Durations.format(callTimeout)}, {"non_primary_timeout", Durations.format(nonPrimaryTimeout)},
                {"pc_recovery_timeout", Durations.format(pcRecoveryTimeout)}, {"start_retry", Durations.format(startRetry)}}) {
            sb.append('\t').append(kv[0]).append(" = \"").append(kv[1]).append("\";\n");
        }
        if (newClusterFrom != null) {
            sb.append("\tnew_cluster_from = \"").append(newClusterFrom).append("\";\n");
        }
        for (Election.Member m : members) {
            sb.append("\tmember { name = \"").append(m.name()).append("\"; nodeid = \"").append(m.nodeId())
                    .append("\"; }\n");
        }
        sb.append("\tresource = \"").append(galeraLine).append("\";\n");
        for (String v : vips) {
            sb.append("\tresource = \"vip::").append(v).append("\";\n");
        }
        sb.append("}\n");
        sb.append(fencing.dump());
        sb.append(vrrp.dump());
        return sb.toString();
    }
}
