package dev.palisade.supervisor.config;

import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.ConfigPosition;
import dev.palisade.fence.config.Section;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The supervisor's configuration, in the fence_virt.conf grammar (docs/supervisor-config.md lists every
 * key). Checked on its own terms only: whether devices exist or this host is one of the nodes is the
 * doctor's business, so a file can be checked on any machine.
 */
public record SupervisorConfig(
        Path file,
        String node,
        String peer,
        Duration keepalive,
        Duration warntime,
        Duration deadtime,
        Duration initdead,
        boolean autoFailback,
        Path controlSocket,
        Path stateDir,
        Path hardwareWatchdog,
        Duration hardwareWatchdogTimeout,
        Duration monitorInterval,
        int migrationThreshold,
        Duration failureTimeout,
        Path keyFile,
        List<SerialLink> serialLinks,
        List<UdpLink> udpLinks,
        List<ResourceGroup> groups,
        FencingConfig fencing,
        VrrpConfig vrrp,
        Http http,
        String controlGroup,
        Duration consoleIdleTimeout) {

    /** {@code http { listen = "ADDRESS:PORT"; }}: where /metrics, /status and the status page are served (off by default). */
    public record Http(dev.palisade.drivers.http.ListenAddress listen, ConfigPosition position) {
    }

    public static final int DEFAULT_UDP_PORT = 694;
    public static final String DEFAULT_CONTROL_SOCKET = "/run/palisade/control.sock";
    public static final String DEFAULT_STATE_DIR = "/var/lib/palisade";

    /** {@code links/serial}: a null-modem cable. */
    public record SerialLink(String device, int baud, ConfigPosition position) {
        public String name() {
            return "serial " + device;
        }
    }

    /**
     * {@code resources/group}: a resource group and its preferred (home) node, in haresources' notation
     * ({@code IPaddr::10.0.0.7/24/eth0}, {@code drbddisk::r0}, {@code mysql}). Read and checked here; run by
     * the failover machine.
     */
    public record ResourceGroup(String home, List<String> resources, ConfigPosition position) {
        /** The VRRP instance a {@code vip::NAME} resource line names, or null for any other line. */
        public static String vipInstance(String resource) {
            return resource.startsWith("vip::") ? resource.substring(5) : null;
        }

        /** The VRRP instances the group moves (its vip::NAME lines). */
        public List<String> vipInstances() {
            return resources.stream().map(ResourceGroup::vipInstance).filter(java.util.Objects::nonNull).toList();
        }
    }

    /** How a UDP link reaches the peer. */
    public enum UdpMode { UNICAST, MULTICAST, BROADCAST }

    /** {@code links/udp}: a dedicated NIC. */
    public record UdpLink(String iface, UdpMode mode, InetAddress destination, int port, InetAddress bind,
                          ConfigPosition position) {
        public String name() {
            return "udp " + (iface == null ? "" : iface + " ") + destination.getHostAddress() + ":" + port;
        }
    }

    private static final Set<String> TOP = Set.of("supervisor", "auth", "links", "resources", "fencing", "vrrp", "http",
            "console");
    private static final Set<String> SUPERVISOR_KEYS = Set.of("node", "peer", "keepalive", "warntime", "deadtime",
            "initdead", "auto_failback", "control_socket", "control_group", "state_dir", "monitor_interval",
            "migration_threshold", "failure_timeout", "hardware_watchdog", "hardware_watchdog_timeout");
    private static final Set<String> SERIAL_KEYS = Set.of("device", "baud");
    private static final Set<String> UDP_KEYS = Set.of("interface", "peer", "group", "broadcast", "port", "bind");

    public static SupervisorConfig load(Path file) throws ConfigException, IOException {
        return from(file, ConfigParser.parse(file));
    }

    /** Reads one block of the grammar on its own ({@link FencingConfig#from}, {@link VrrpConfig#from}). */
    public interface PartReader<T> {
        T read(ConfigBlock root) throws ConfigException;
    }

    /**
     * One part ({@code block}) of a file that is either a whole supervisor configuration (checked whole, then
     * the part taken from it) or holds only that block, for the commands that need only the part.
     */
    public static <T> T loadPart(Path file, String block, java.util.function.Function<SupervisorConfig, T> ofWhole,
                                 PartReader<T> alone) throws ConfigException, IOException {
        ConfigBlock root = ConfigParser.parse(file);
        if (root.block("supervisor").isPresent()) {
            return ofWhole.apply(from(file, root));
        }
        new Section(root, "").allow(Set.of(), Set.of(block));
        return alone.read(root);
    }

    public static SupervisorConfig from(Path file, ConfigBlock root) throws ConfigException {
        Section top = new Section(root, "").allow(Set.of(), TOP);
        Section sup = require(top, "supervisor", root.position(),
                "add supervisor { node = \"pf1\"; peer = \"pf2\"; }").allow(SUPERVISOR_KEYS, Set.of());
        String node = requireKey(sup, "node", "name this appliance: node = \"pf1\";");
        String peer = requireKey(sup, "peer", "name the other appliance: peer = \"pf2\";");
        if (node.equalsIgnoreCase(peer)) {
            throw new ConfigException(sup.positionOf("peer"), "node and peer are both '" + node + "'",
                    "give the two appliances different names");
        }
        Duration keepalive = duration(sup, "keepalive", Duration.ofSeconds(1));
        Duration deadtime = duration(sup, "deadtime", keepalive.multipliedBy(5));
        Duration warntime = duration(sup, "warntime", deadtime.multipliedBy(3).dividedBy(5));
        Duration initdead = duration(sup, "initdead", deadtime.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0
                ? deadtime.multipliedBy(2) : Duration.ofSeconds(10));
        if (keepalive.toMillis() < 10) {
            throw new ConfigException(sup.positionOf("keepalive"), "keepalive " + Durations.format(keepalive)
                    + " is below 10ms", "use 10ms or more");
        }
        if (deadtime.compareTo(keepalive.multipliedBy(2)) < 0) {
            throw new ConfigException(sup.positionOf("deadtime"), "deadtime " + Durations.format(deadtime)
                    + " is less than two keepalives (" + Durations.format(keepalive) + ")",
                    "one lost frame would declare the peer dead; make deadtime at least 2 x keepalive (5 x is usual)");
        }
        if (warntime.compareTo(keepalive) < 0 || warntime.compareTo(deadtime) > 0) {
            throw new ConfigException(sup.positionOf("warntime"), "warntime " + Durations.format(warntime)
                    + " is not between keepalive (" + Durations.format(keepalive) + ") and deadtime ("
                    + Durations.format(deadtime) + ")", "pick a value in that range");
        }
        if (initdead.compareTo(deadtime) < 0) {
            throw new ConfigException(sup.positionOf("initdead"), "initdead " + Durations.format(initdead)
                    + " is shorter than deadtime", "initdead covers boot; make it at least deadtime (2 x is usual)");
        }
        Path control = Path.of(sup.string("control_socket", DEFAULT_CONTROL_SOCKET));
        Path stateDir = Path.of(sup.string("state_dir", DEFAULT_STATE_DIR));
        String watchdog = sup.string("hardware_watchdog", null);
        Duration watchdogTimeout = duration(sup, "hardware_watchdog_timeout", Duration.ofSeconds(10));
        if (watchdogTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException(sup.positionOf("hardware_watchdog_timeout"), "hardware_watchdog_timeout "
                    + Durations.format(watchdogTimeout) + " is under a second", "use whole seconds, e.g. \"10s\"");
        }
        Duration monitorInterval = duration(sup, "monitor_interval", Duration.ofSeconds(2));
        int migrationThreshold = sup.integer("migration_threshold", 2, 1, 1000);
        Duration failureTimeout = duration(sup, "failure_timeout", Duration.ofMinutes(10));
        if (failureTimeout.isZero() || failureTimeout.isNegative()) {
            throw new ConfigException(sup.positionOf("failure_timeout"), "failure_timeout must be positive",
                    "how long a monitor failure counts against migration_threshold, e.g. failure_timeout = \"10min\";");
        }
        boolean autoFailback = sup.choice("auto_failback", "off", "on", "off", "yes", "no", "true", "false")
                .matches("on|yes|true");

        Section auth = require(top, "auth", root.position(),
                "add auth { key_file = \"/etc/palisade/cluster.key\"; } (palisade fence-keygen makes keys)")
                .allow(Set.of("key_file"), Set.of());
        Path key = Path.of(requireKey(auth, "key_file", "name the cluster key: key_file = \"/etc/palisade/cluster.key\";"));

        Section links = require(top, "links", root.position(),
                "add links { udp { interface = \"eth1\"; peer = \"10.10.100.2\"; } }")
                .allow(Set.of(), Set.of("serial", "udp"));
        List<SerialLink> serial = new ArrayList<>();
        for (Section s : links.children("serial")) {
            s.allow(SERIAL_KEYS, Set.of());
            String dev = requireKey(s, "device", "name the serial port: device = \"/dev/ttyS1\";");
            serial.add(new SerialLink(dev, s.integer("baud", 19200, 300, 4_000_000), s.block().position()));
        }
        List<UdpLink> udp = new ArrayList<>();
        for (Section s : links.children("udp")) {
            s.allow(UDP_KEYS, Set.of());
            udp.add(udp(s));
        }
        for (int i = 0; i < udp.size(); i++) {
            for (int j = i + 1; j < udp.size(); j++) {
                if (udp.get(i).port() == udp.get(j).port()) {
                    throw new ConfigException(udp.get(j).position(), "two udp links on port " + udp.get(j).port()
                            + " (the other at " + udp.get(i).position() + ")", "give each udp link its own port");
                }
            }
        }
        if (serial.isEmpty() && udp.isEmpty()) {
            throw new ConfigException(links.block().position(), "no heartbeat link configured",
                    "add at least one serial { } or udp { } link (two independent links are recommended)");
        }
        FencingConfig fencing = FencingConfig.from(root);
        VrrpConfig vrrp = VrrpConfig.from(root);
        List<ResourceGroup> groups = new ArrayList<>();
        Optional<Section> res = top.child("resources");
        if (res.isPresent()) {
            res.get().allow(Set.of(), Set.of("group"));
            for (Section g : res.get().children("group")) {
                g.allow(Set.of("home", "resource"), Set.of());
                String home = requireKey(g, "home", "name the group's preferred node: home = \"" + node + "\";");
                if (!home.equalsIgnoreCase(node) && !home.equalsIgnoreCase(peer)) {
                    throw new ConfigException(g.positionOf("home"), "home '" + home + "' is neither node '" + node
                            + "' nor peer '" + peer + "'", "use one of the two node names");
                }
                List<String> resources = g.strings("resource");
                if (resources.isEmpty()) {
                    throw new ConfigException(g.block().position(), "a resource group without resources",
                            "add resource = \"IPaddr::10.0.0.7/24/eth0\"; lines in start order");
                }
                for (ConfigEntry e : g.block().all("resource")) {
                    if (!e.value().matches("[^\\s:]+(:[^\\s:]+)*(::[^\\s]*)*")) {
                        throw new ConfigException(e.valuePosition(), "resource '" + e.value() + "' is not name or "
                                + "name::arg::arg", "write it as in haresources, e.g. IPaddr::10.0.0.7/24/eth0");
                    }
                }
                for (ConfigEntry e : g.block().all("resource")) {
                    String vip = ResourceGroup.vipInstance(e.value());
                    if (vip != null && vrrp.instances().stream().noneMatch(i -> i.name().equals(vip))) {
                        throw new ConfigException(e.valuePosition(), "'" + e.value() + "' names no VRRP instance",
                                "add vrrp { instance \"" + vip + "\" { ... } } or use one of "
                                        + vrrp.instances().stream().map(VrrpConfig.Instance::name).toList());
                    }
                }
                groups.add(new ResourceGroup(home, resources, g.block().position()));
            }
        }
        Secrets.checkInline(file, root);
        String controlGroup = sup.string("control_group", null);
        if (controlGroup != null && !controlGroup.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw new ConfigException(sup.positionOf("control_group"), "control_group '" + controlGroup
                    + "' is not a group name", "name a system group, e.g. control_group = \"palisade-admin\";");
        }
        Http http = null;
        Optional<Section> h = top.child("http");
        if (h.isPresent()) {
            h.get().allow(Set.of("listen"), Set.of());
            String listen = requireKey(h.get(), "listen", "say where to serve /metrics and /status: listen ="
                    + " \"127.0.0.1:9464\"; (or remove the http block: it is off by default)");
            try {
                http = new Http(dev.palisade.drivers.http.ListenAddress.parse(listen), h.get().positionOf("listen"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(h.get().positionOf("listen"), "listen: " + e.getMessage(),
                        "write listen = \"127.0.0.1:9464\"; (an address of this host and a port)");
            }
        }
        Duration idle = Duration.ofMinutes(15);
        Optional<Section> console = top.child("console");
        if (console.isPresent()) {
            console.get().allow(Set.of("idle_timeout"), Set.of());
            idle = duration(console.get(), "idle_timeout", idle);
            if (idle.compareTo(Duration.ofSeconds(1)) < 0 || idle.compareTo(Duration.ofHours(24)) > 0) {
                throw new ConfigException(console.get().positionOf("idle_timeout"), "idle_timeout "
                        + Durations.format(idle) + " is not between 1s and 24h",
                        "how long an idle console session lasts before it returns to login, e.g. \"15m\"");
            }
        }
        return new SupervisorConfig(file, node, peer, keepalive, warntime, deadtime, initdead, autoFailback, control,
                stateDir, watchdog == null ? null : Path.of(watchdog), watchdogTimeout, monitorInterval,
                migrationThreshold, failureTimeout, key,
                List.copyOf(serial), List.copyOf(udp), List.copyOf(groups), fencing, vrrp, http, controlGroup, idle);
    }

    private static UdpLink udp(Section s) throws ConfigException {
        int given = (s.entry("peer").isPresent() ? 1 : 0) + (s.entry("group").isPresent() ? 1 : 0)
                + (s.entry("broadcast").isPresent() ? 1 : 0);
        if (given != 1) {
            throw new ConfigException(s.block().position(), "a udp link needs exactly one of peer, group, broadcast",
                    "unicast: peer = \"10.10.100.2\"; multicast: group = \"239.0.0.42\"; broadcast: broadcast = \"10.10.100.255\";");
        }
        UdpMode mode = s.entry("peer").isPresent() ? UdpMode.UNICAST
                : s.entry("group").isPresent() ? UdpMode.MULTICAST : UdpMode.BROADCAST;
        String key = mode == UdpMode.UNICAST ? "peer" : mode == UdpMode.MULTICAST ? "group" : "broadcast";
        InetAddress dest = s.address(key, null);
        if (mode == UdpMode.MULTICAST && !dest.isMulticastAddress()) {
            throw new ConfigException(s.positionOf("group"), "'group' " + dest.getHostAddress() + " is not multicast",
                    "use a group such as 239.0.0.42");
        }
        if (mode == UdpMode.MULTICAST && !s.entry("interface").isPresent()) {
            throw new ConfigException(s.positionOf("group"), "a multicast link needs its interface",
                    "add interface = \"eth1\";");
        }
        InetAddress bind = s.entry("bind").isPresent() ? s.address("bind", null) : null;
        return new UdpLink(s.string("interface", null), mode, dest, s.integer("port", DEFAULT_UDP_PORT, 1, 65535),
                bind, s.block().position());
    }

    private static Section require(Section parent, String name, ConfigPosition at, String fix) throws ConfigException {
        Optional<Section> s = parent.child(name);
        if (s.isEmpty()) {
            throw new ConfigException(at, "no '" + name + "' block", fix);
        }
        return s.get();
    }

    static String requireKey(Section s, String key, String fix) throws ConfigException {
        Optional<ConfigEntry> e = s.entry(key);
        if (e.isEmpty()) {
            throw new ConfigException(s.block().position(), "'" + s.path() + "' has no '" + key + "'", fix);
        }
        return e.get().value();
    }

    static Duration duration(Section s, String key, Duration def) throws ConfigException {
        Optional<ConfigEntry> e = s.entry(key);
        return e.isPresent() ? Durations.parse(e.get()) : def;
    }

    /** The effective configuration, defaults filled in, in the same grammar. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("supervisor {\n");
        sb.append("\tnode = \"").append(node).append("\";\n");
        sb.append("\tpeer = \"").append(peer).append("\";\n");
        sb.append("\tkeepalive = \"").append(Durations.format(keepalive)).append("\";\n");
        sb.append("\twarntime = \"").append(Durations.format(warntime)).append("\";\n");
        sb.append("\tdeadtime = \"").append(Durations.format(deadtime)).append("\";\n");
        sb.append("\tinitdead = \"").append(Durations.format(initdead)).append("\";\n");
        sb.append("\tauto_failback = \"").append(autoFailback ? "on" : "off").append("\";\n");
        sb.append("\tcontrol_socket = \"").append(controlSocket).append("\";\n");
        if (controlGroup != null) {
            sb.append("\tcontrol_group = \"").append(controlGroup).append("\";\n");
        }
        sb.append("\tstate_dir = \"").append(stateDir).append("\";\n");
        if (hardwareWatchdog != null) {
            sb.append("\thardware_watchdog = \"").append(hardwareWatchdog).append("\";\n");
        }
        sb.append("\thardware_watchdog_timeout = \"").append(Durations.format(hardwareWatchdogTimeout)).append("\";\n");
        sb.append("\tmonitor_interval = \"").append(Durations.format(monitorInterval)).append("\";\n");
        sb.append("\tmigration_threshold = \"").append(migrationThreshold).append("\";\n");
        sb.append("\tfailure_timeout = \"").append(Durations.format(failureTimeout)).append("\";\n");
        sb.append("}\nauth {\n\tkey_file = \"").append(keyFile).append("\";\n}\nlinks {\n");
        for (SerialLink l : serialLinks) {
            sb.append("\tserial { device = \"").append(l.device()).append("\"; baud = \"").append(l.baud())
                    .append("\"; }\n");
        }
        for (UdpLink l : udpLinks) {
            sb.append("\tudp { ");
            if (l.iface() != null) {
                sb.append("interface = \"").append(l.iface()).append("\"; ");
            }
            String key = l.mode() == UdpMode.UNICAST ? "peer" : l.mode() == UdpMode.MULTICAST ? "group" : "broadcast";
            sb.append(key).append(" = \"").append(l.destination().getHostAddress()).append("\"; port = \"")
                    .append(l.port()).append("\"; ");
            if (l.bind() != null) {
                sb.append("bind = \"").append(l.bind().getHostAddress()).append("\"; ");
            }
            sb.append("}\n");
        }
        sb.append("}\n");
        if (!groups.isEmpty()) {
            sb.append("resources {\n");
            for (ResourceGroup g : groups) {
                sb.append("\tgroup {\n\t\thome = \"").append(g.home()).append("\";\n");
                for (String r : g.resources()) {
                    sb.append("\t\tresource = \"").append(r).append("\";\n");
                }
                sb.append("\t}\n");
            }
            sb.append("}\n");
        }
        sb.append(fencing.dump());
        sb.append(vrrp.dump());
        if (http != null) {
            sb.append("http {\n\tlisten = \"").append(http.listen()).append("\";\n}\n");
        }
        sb.append("console {\n\tidle_timeout = \"").append(Durations.format(consoleIdleTimeout)).append("\";\n}\n");
        return sb.toString();
    }
}
