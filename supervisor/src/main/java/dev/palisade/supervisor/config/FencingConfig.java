package dev.palisade.supervisor.config;

import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigPosition;
import dev.palisade.fence.config.Section;
import dev.palisade.fence.wire.HashType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code fencing} block (docs/fencing.md): for each node that may have to be fenced, its race delay and
 * its levels of devices. Checked on its own terms; secrets are read when the devices are built.
 *
 * <pre>
 * fencing {
 *   verify_timeout = "20s"; poll_interval = "250ms";
 *   priority_fencing_delay = "1s";   # waited only by a node that does not hold the group
 *   monitor_interval = "60s";        # every device read (target seen, power status) this often; "0s": never
 *   node {
 *     name = "pf2"; delay = "0s";      # waited by whoever fences pf2, on top (a tie-break when nobody holds)
 *     level { device { type = "ipmi"; host = "10.0.0.12"; user = "fence"; password_file = "/etc/palisade/pf2.ipmi"; } }
 *     level { device { type = "agent"; agent = "fence_apc"; ip = "10.0.0.40"; plug = "3"; ... } }
 *   }
 * }
 * </pre>
 */
public record FencingConfig(Duration verifyTimeout, Duration pollInterval, Duration priorityDelay,
                            Duration monitorInterval, List<NodeFencing> nodes) {
    /** The race delay of a node that does not hold the group (Pacemaker's priority-fencing-delay). */
    public static final Duration DEFAULT_PRIORITY_DELAY = Duration.ofSeconds(1);
    /** How often every fence device is read (Pacemaker's stonith monitor interval). */
    public static final Duration DEFAULT_MONITOR_INTERVAL = Duration.ofSeconds(60);
    public static final FencingConfig NONE = new FencingConfig(Duration.ofSeconds(20), Duration.ofMillis(250),
            DEFAULT_PRIORITY_DELAY, DEFAULT_MONITOR_INTERVAL, List.of());

    /** How one node is fenced. */
    public record NodeFencing(String name, Duration delay, List<List<DeviceSpec>> levels, ConfigPosition position) {
    }

    /** One device, typed by its {@code type}. */
    public sealed interface DeviceSpec permits Ipmi, FenceVirt, Agent {
        ConfigPosition position();
    }

    /** {@code type = "ipmi"}: the node's BMC, natively. Exactly one of password / password_file. */
    public record Ipmi(String host, int port, String user, String password, String passwordFile, String kgFile,
                       int cipherSuite, boolean allowWeakSuite, String privilege, Duration timeout, int retries,
                       ConfigPosition position)
            implements DeviceSpec {
    }

    /** {@code type = "fence_virt"}: a VM through a fence_virt gateway; hash null means the hardened scheme. */
    public record FenceVirt(String mode, String address, int port, String keyFile, HashType hash, HashType auth,
                            String domain, Duration timeout, ConfigPosition position) implements DeviceSpec {
    }

    /** {@code type = "agent"}: a fence-agents program; every other key is passed on its stdin. */
    public record Agent(String agent, Map<String, String> parameters, Duration timeout, ConfigPosition position)
            implements DeviceSpec {
    }

    private static final Set<String> IPMI_KEYS = Set.of("type", "host", "port", "user", "password", "password_file",
            "kg_file", "cipher_suite", "allow_weak_cipher_suite", "privilege", "timeout", "retries");
    private static final Set<String> VIRT_KEYS = Set.of("type", "mode", "address", "port", "key_file", "hash", "auth",
            "domain", "timeout");

    public static FencingConfig from(ConfigBlock root) throws ConfigException {
        Optional<ConfigBlock> b = root.block("fencing");
        if (b.isEmpty()) {
            return NONE;
        }
        Section f = new Section(b.get(), "fencing").allow(Set.of("verify_timeout", "poll_interval",
                "priority_fencing_delay", "monitor_interval"), Set.of("node"));
        Duration priority = SupervisorConfig.duration(f, "priority_fencing_delay", DEFAULT_PRIORITY_DELAY);
        Duration monitor = SupervisorConfig.duration(f, "monitor_interval", DEFAULT_MONITOR_INTERVAL);
        if (!monitor.isZero() && monitor.compareTo(Duration.ofSeconds(5)) < 0) {
            throw new ConfigException(f.positionOf("monitor_interval"), "monitor_interval "
                    + Durations.format(monitor) + " would keep the fence devices busy (every read is a session with"
                    + " the BMC or gateway)", "read them every minute or so, e.g. monitor_interval = \"60s\"; (\"0s\""
                    + " turns the reads off)");
        }
        Duration verify = SupervisorConfig.duration(f, "verify_timeout", NONE.verifyTimeout());
        Duration poll = SupervisorConfig.duration(f, "poll_interval", NONE.pollInterval());
        if (poll.isZero() || poll.compareTo(verify) > 0) {
            throw new ConfigException(f.positionOf("poll_interval"), "poll_interval " + Durations.format(poll)
                    + " is zero or longer than verify_timeout " + Durations.format(verify),
                    "poll a few times within verify_timeout, e.g. poll_interval = \"250ms\";");
        }
        List<NodeFencing> nodes = new ArrayList<>();
        for (Section n : f.children("node")) {
            n.allow(Set.of("name", "delay"), Set.of("level"));
            String name = SupervisorConfig.requireKey(n, "name", "name the node this block fences: name = \"pf2\";");
            for (NodeFencing other : nodes) {
                if (other.name().equalsIgnoreCase(name)) {
                    throw new ConfigException(n.positionOf("name"), "node '" + name + "' has two fencing blocks"
                            + " (the other at " + other.position() + ")", "merge them: one node block, several levels");
                }
            }
            List<List<DeviceSpec>> levels = new ArrayList<>();
            for (Section l : n.children("level")) {
                l.allow(Set.of(), Set.of("device"));
                List<DeviceSpec> devices = new ArrayList<>();
                for (Section d : l.children("device")) {
                    devices.add(device(d));
                }
                if (devices.isEmpty()) {
                    throw new ConfigException(l.block().position(), "a fencing level without devices",
                            "add device { type = \"ipmi\"; ... } or remove the level");
                }
                levels.add(List.copyOf(devices));
            }
            if (levels.isEmpty()) {
                throw new ConfigException(n.block().position(), "node '" + name + "' has no fencing level",
                        "add level { device { type = \"ipmi\"; host = \"...\"; user = \"...\"; password_file = \"...\"; } }");
            }
            nodes.add(new NodeFencing(name, SupervisorConfig.duration(n, "delay", Duration.ZERO), List.copyOf(levels),
                    n.block().position()));
        }
        return new FencingConfig(verify, poll, priority, monitor, List.copyOf(nodes));
    }

    /** The block with every default filled in; passwords given inline are shown as "(hidden)". */
    public String dump() {
        if (nodes.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("fencing {\n");
        kv(sb, 1, "verify_timeout", Durations.format(verifyTimeout));
        kv(sb, 1, "poll_interval", Durations.format(pollInterval));
        kv(sb, 1, "priority_fencing_delay", Durations.format(priorityDelay));
        kv(sb, 1, "monitor_interval", Durations.format(monitorInterval));
        for (NodeFencing n : nodes) {
            sb.append("\tnode {\n");
            kv(sb, 2, "name", n.name());
            kv(sb, 2, "delay", Durations.format(n.delay()));
            for (List<DeviceSpec> level : n.levels()) {
                sb.append("\t\tlevel {\n");
                for (DeviceSpec d : level) {
                    sb.append("\t\t\tdevice {\n");
                    if (d instanceof Ipmi i) {
                        kv(sb, 4, "type", "ipmi");
                        kv(sb, 4, "host", i.host());
                        kv(sb, 4, "port", String.valueOf(i.port()));
                        kv(sb, 4, "user", i.user());
                        kv(sb, 4, i.password() != null ? "password" : "password_file",
                                i.password() != null ? "(hidden)" : i.passwordFile());
                        if (i.kgFile() != null) {
                            kv(sb, 4, "kg_file", i.kgFile());
                        }
                        kv(sb, 4, "cipher_suite", String.valueOf(i.cipherSuite()));
                        if (i.allowWeakSuite()) {
                            kv(sb, 4, "allow_weak_cipher_suite", "yes");
                        }
                        kv(sb, 4, "privilege", i.privilege());
                        kv(sb, 4, "timeout", Durations.format(i.timeout()));
                        kv(sb, 4, "retries", String.valueOf(i.retries()));
                    } else if (d instanceof FenceVirt v) {
                        kv(sb, 4, "type", "fence_virt");
                        kv(sb, 4, "mode", v.mode());
                        kv(sb, 4, "address", v.address());
                        kv(sb, 4, "port", String.valueOf(v.port()));
                        kv(sb, 4, "key_file", v.keyFile());
                        if (v.hash() == null) {
                            kv(sb, 4, "auth", "hardened");
                        } else {
                            kv(sb, 4, "auth", v.auth().configName());
                            kv(sb, 4, "hash", v.hash().configName());
                        }
                        kv(sb, 4, "domain", v.domain());
                        kv(sb, 4, "timeout", Durations.format(v.timeout()));
                    } else if (d instanceof Agent a) {
                        kv(sb, 4, "type", "agent");
                        kv(sb, 4, "agent", a.agent());
                        kv(sb, 4, "timeout", Durations.format(a.timeout()));
                        for (Map.Entry<String, String> e : new java.util.TreeMap<>(a.parameters()).entrySet()) {
                            kv(sb, 4, e.getKey(), e.getKey().startsWith("passw") ? "(hidden)" : e.getValue());
                        }
                    }
                    sb.append("\t\t\t}\n");
                }
                sb.append("\t\t}\n");
            }
            sb.append("\t}\n");
        }
        return sb.append("}\n").toString();
    }

    private static void kv(StringBuilder sb, int indent, String key, String value) {
        sb.append("\t".repeat(indent)).append(key).append(" = \"").append(value).append("\";\n");
    }

    public Optional<NodeFencing> node(String name) {
        return nodes.stream().filter(n -> n.name().equalsIgnoreCase(name)).findFirst();
    }

    private static DeviceSpec device(Section d) throws ConfigException {
        SupervisorConfig.requireKey(d, "type", "say what the device is: type = \"ipmi\"; (or fence_virt, agent)");
        ConfigPosition at = d.block().position();
        switch (d.choice("type", null, "ipmi", "fence_virt", "agent")) {
            case "ipmi" -> {
                d.allow(IPMI_KEYS, Set.of());
                boolean pw = d.entry("password").isPresent();
                if (pw == d.entry("password_file").isPresent()) {
                    throw new ConfigException(at, "an ipmi device needs exactly one of password, password_file",
                            "prefer password_file = \"/etc/palisade/pf2.ipmi\"; (mode 0600, the password on its first line)");
                }
                String suite = d.choice("cipher_suite", "3", "0", "1", "2", "3", "17");
                boolean weak = d.choice("allow_weak_cipher_suite", "no", "yes", "no").equals("yes");
                String weakness = CipherSuite.of(Integer.parseInt(suite)).weakness();
                if (weakness != null && !weak) {
                    throw new ConfigException(d.positionOf("cipher_suite"), "cipher suite " + suite + " is refused: "
                            + weakness,
                            "use cipher_suite = \"3\"; (HMAC-SHA1, AES) or \"17\"; (HMAC-SHA256, AES); only if the"
                                    + " BMC offers nothing better, add allow_weak_cipher_suite = \"yes\";");
                }
                return new FencingConfig.Ipmi(SupervisorConfig.requireKey(d, "host", "add host = \"10.0.0.12\";"),
                        d.integer("port", 623, 1, 65535),
                        SupervisorConfig.requireKey(d, "user", "add user = \"fence\";"),
                        d.string("password", null), d.string("password_file", null), d.string("kg_file", null),
                        Integer.parseInt(suite), weak, d.choice("privilege", "administrator", "operator", "administrator"),
                        SupervisorConfig.duration(d, "timeout", Duration.ofSeconds(1)), d.integer("retries", 4, 1, 20), at);
            }
            case "fence_virt" -> {
                d.allow(VIRT_KEYS, Set.of());
                String mode = d.choice("mode", "tcp", "tcp", "multicast");
                String auth = d.choice("auth", "hardened", "hardened", "none", "sha1", "sha256", "sha512");
                HashType hash = HashType.fromName(d.choice("hash", "sha256", "none", "sha1", "sha256", "sha512"));
                if (auth.equals("hardened") && d.entry("hash").isPresent()) {
                    throw new ConfigException(d.positionOf("hash"), "'hash' is a legacy setting and auth is hardened",
                            "remove hash, or set auth = \"sha256\"; (legacy) to match a stock fence_virtd");
                }
                return new FenceVirt(mode, SupervisorConfig.requireKey(d, "address",
                        mode.equals("tcp") ? "add address = \"192.168.122.1\"; (the gateway)"
                                : "add address = \"225.0.0.12\"; (the multicast group)"),
                        d.integer("port", 1229, 1, 65535),
                        SupervisorConfig.requireKey(d, "key_file", "add key_file = \"/etc/cluster/fence_xvm.key\";"),
                        auth.equals("hardened") ? null : hash, auth.equals("hardened") ? null : HashType.fromName(auth),
                        SupervisorConfig.requireKey(d, "domain", "name the VM: domain = \"pf2\";"),
                        SupervisorConfig.duration(d, "timeout", Duration.ofSeconds(30)), at);
            }
            default -> {
                Map<String, String> params = new LinkedHashMap<>();
                for (ConfigEntry e : d.block().entries()) {
                    if (!Set.of("type", "agent", "timeout", "action").contains(e.key())) {
                        params.put(e.key(), e.value());
                    } else if (e.key().equals("action")) {
                        throw new ConfigException(e.keyPosition(), "'action' is chosen by the coordinator",
                                "remove action; off, on and status are sent as needed");
                    }
                }
                if (!d.block().blocks().isEmpty()) {
                    throw new ConfigException(d.block().blocks().get(0).position(), "an agent device has no blocks",
                            "write the agent's parameters as key = \"value\"; lines");
                }
                return new Agent(SupervisorConfig.requireKey(d, "agent", "name the program: agent = \"fence_ipmilan\";"),
                        Map.copyOf(params), SupervisorConfig.duration(d, "timeout", Duration.ofSeconds(60)), at);
            }
        }
    }
}
