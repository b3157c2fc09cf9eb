package dev.palisade.fence.config;

import dev.palisade.fence.auth.AuthPolicy;
import dev.palisade.fence.wire.HashType;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The fence gateway's configuration, read from a stock fence_virt.conf as-is (docs/fence-daemon.md lists
 * every key). Unlike fence_virtd, every listener section present runs at once, together with the one
 * {@code fence_virtd/listener} names. {@code http} is null unless the file has an {@code http} block.
 */
public record FenceDaemonConfig(
        Path file,
        List<ListenerConfig> listeners,
        List<String> libvirtUris,
        List<Group> groups,
        int debug,
        Duration requestTimeout,
        int maxWorkers,
        HttpSection.Http http) {

    /** Where fence_virtd looks for its key when a listener names none. */
    public static final String DEFAULT_KEY_FILE = "/etc/cluster/fence_xvm.key";
    public static final int DEFAULT_PORT = 1229;

    /**
     * One {@code groups/group} block: the callers it names ({@code ip}, or a VM's {@code uuid}) may fence the
     * domains it names ({@code uuid}, by name or UUID).
     */
    public record Group(String name, List<String> sources, List<String> targets, ConfigPosition position) {
        public Group {
            sources = List.copyOf(sources);
            targets = List.copyOf(targets);
        }
    }

    /** A listener block, typed. */
    public sealed interface ListenerConfig
            permits MulticastListenerConfig, TcpListenerConfig, SerialListenerConfig, VsockListenerConfig {
        String kind();

        Path keyFile();

        HashType hash();

        /** The legacy challenge/response hash. */
        HashType auth();

        AuthPolicy policy();

        Duration skew();

        int port();

        /** The groups this listener honours ({@code group = "name";} in its section); empty: all of them. */
        List<String> groups();

        ConfigPosition position();
    }

    /** {@code listeners/multicast}. */
    public record MulticastListenerConfig(Path keyFile, HashType hash, HashType auth, AuthPolicy policy, Duration skew,
                                          InetAddress group, int port, String iface, List<String> groups,
                                          ConfigPosition position)
            implements ListenerConfig {
        @Override
        public String kind() {
            return "multicast";
        }
    }

    /**
     * {@code listeners/serial}: the sockets of the domains' serial ports (mode serial) or channels (mode
     * vmchannel). {@code keyFile} is null without a key: then only the stock, unauthenticated frames.
     */
    public record SerialListenerConfig(Path keyFile, AuthPolicy policy, Duration skew, Mode mode,
                                       Path path, String uri, List<String> groups, ConfigPosition position)
            implements ListenerConfig {
        /** Which of a domain's sockets: its {@code <serial type='unix'>} ports or its {@code <channel>}s. */
        public enum Mode { SERIAL, VMCHANNEL }

        @Override
        public String kind() {
            return mode == Mode.SERIAL ? "serial" : "vmchannel";
        }

        @Override
        public HashType hash() {
            return HashType.NONE;
        }

        @Override
        public HashType auth() {
            return HashType.NONE;
        }

        @Override
        public int port() {
            return 0;
        }
    }

    /** {@code listeners/vsock}: callers are VMs, identified by the CID libvirt gave them. */
    public record VsockListenerConfig(Path keyFile, HashType hash, HashType auth, AuthPolicy policy, Duration skew,
                                      int port, List<String> groups, ConfigPosition position) implements ListenerConfig {
        @Override
        public String kind() {
            return "vsock";
        }
    }

    /** {@code listeners/tcp}. */
    public record TcpListenerConfig(Path keyFile, HashType hash, HashType auth, AuthPolicy policy, Duration skew,
                                    InetAddress address, int port, List<String> groups, ConfigPosition position)
            implements ListenerConfig {
        @Override
        public String kind() {
            return "tcp";
        }
    }

    private static final Set<String> TOP = Set.of("fence_virtd", "listeners", "backends", "groups",
            HttpSection.NAME);
    private static final Set<String> DAEMON_KEYS = Set.of("listener", "backend", "module_path", "debug",
            "foreground", "wait_for_init", "wait_for_backend", "name_mode", "request_timeout", "max_workers");
    private static final Set<String> LISTENERS = Set.of("multicast", "tcp", "serial", "vsock");
    private static final Set<String> MCAST_KEYS = Set.of("group", "key_file", "hash", "auth", "legacy_auth", "skew", "family",
            "address", "port", "interface");
    private static final Set<String> TCP_KEYS = Set.of("group", "key_file", "hash", "auth", "legacy_auth", "skew", "family",
            "address", "port");
    private static final Set<String> VSOCK_KEYS = Set.of("group", "key_file", "hash", "auth", "legacy_auth", "skew",
            "port");
    private static final Set<String> SERIAL_KEYS = Set.of("group", "uri", "path", "mode", "key_file", "auth", "skew");
    private static final Set<String> BACKENDS = Set.of("libvirt", "cpg");
    private static final Set<String> GROUP_KEYS = Set.of("name", "ip", "uuid");

    public static FenceDaemonConfig load(Path file) throws ConfigException, IOException {
        return from(file, ConfigParser.parse(file), Set.of());
    }

    /**
     * Reads the fence gateway's sections of a parsed file. {@code otherTopLevel} names top-level blocks
     * that belong to someone else (the supervisor) and are checked there.
     */
    public static FenceDaemonConfig from(Path file, ConfigBlock root, Set<String> otherTopLevel)
            throws ConfigException {
        Set<String> top = new LinkedHashSet<>(TOP);
        top.addAll(otherTopLevel);
        Section rootSection = new Section(root, "").allow(Set.of(), top);

        Optional<Section> daemon = rootSection.child("fence_virtd");
        String namedListener = null;
        String namedBackend = null;
        int debug = 0;
        Duration requestTimeout = Duration.ofSeconds(20);
        int maxWorkers = 64;
        if (daemon.isPresent()) {
            Section d = daemon.get().allow(DAEMON_KEYS, Set.of());
            namedListener = d.choice("listener", null, "multicast", "tcp", "serial", "vsock");
            namedBackend = d.choice("backend", null, "libvirt", "cpg");
            debug = d.integer("debug", 0, 0, 99);
            d.choice("foreground", "0", "0", "1", "yes", "no", "on", "off", "true", "false");
            requestTimeout = Duration.ofSeconds(d.integer("request_timeout", 20, 1, 600));
            maxWorkers = d.integer("max_workers", 64, 2, 4096);
            if ("cpg".equals(namedBackend)) {
                throw new ConfigException(d.positionOf("backend"), "the cpg backend is not supported",
                        "use backend = \"libvirt\"; run one gateway per hypervisor host");
            }
        }

        List<ListenerConfig> listeners = new ArrayList<>();
        Optional<Section> ls = rootSection.child("listeners");
        List<Section> sections = new ArrayList<>();
        if (ls.isPresent()) {
            ls.get().allow(Set.of(), LISTENERS);
            for (ConfigBlock b : ls.get().block().blocks()) {
                sections.add(new Section(b, "listeners/" + b.name()));
            }
        }
        String named = namedListener;
        if (named != null && sections.stream().noneMatch(x -> x.block().lowerName().equals(named))) {
            // fence_virtd runs the named listener with its defaults when its section is absent.
            ConfigPosition at = daemon.get().positionOf("listener");
            sections.add(new Section(new ConfigBlock(named, null, at), "listeners/" + named));
        }
        for (Section sec : sections) {
            ConfigPosition at = sec.block().position();
            switch (sec.block().lowerName()) {
                case "multicast" -> listeners.add(multicast(sec.allow(MCAST_KEYS, Set.of())));
                case "tcp" -> listeners.add(tcp(sec.allow(TCP_KEYS, Set.of())));
                case "serial" -> listeners.add(serial(sec.allow(SERIAL_KEYS, Set.of())));
                case "vsock" -> {
                    sec.allow(VSOCK_KEYS, Set.of());
                    Auth a = auth(sec);
                    listeners.add(new VsockListenerConfig(keyFile(sec), hash(sec, "hash"), a.legacy, a.policy, a.skew,
                            sec.integer("port", DEFAULT_PORT, 1, Integer.MAX_VALUE), sec.strings("group"),
                            sec.block().position()));
                }
                default -> throw new IllegalStateException(sec.block().name());
            }
        }
        if (listeners.isEmpty()) {
            throw new ConfigException(root.position(), "no listener configured",
                    "add listeners { tcp { ... } } or listeners { multicast { ... } }");
        }
        checkPortClashes(listeners);

        List<String> uris = new ArrayList<>();
        Optional<Section> bs = rootSection.child("backends");
        if (bs.isPresent()) {
            bs.get().allow(Set.of(), BACKENDS);
            Optional<Section> cpg = bs.get().child("cpg");
            if (cpg.isPresent()) {
                cpg.get().allow(Set.of("uri", "name_mode"), Set.of());
                throw new ConfigException(cpg.get().block().position(), "the cpg backend is not supported",
                        "use backends { libvirt { uri = \"...\"; } }");
            }
            Optional<Section> lv = bs.get().child("libvirt");
            if (lv.isPresent()) {
                uris = libvirtUris(lv.get());
            }
        }
        if (uris.isEmpty()) {
            ConfigPosition at = bs.map(b -> b.block().position()).orElse(root.position());
            throw new ConfigException(at, "no libvirt URI configured (fence_virtd: \"Could not connect to any hypervisors\")",
                    "add backends { libvirt { uri = \"qemu:///system\"; } }");
        }

        List<Group> groups = new ArrayList<>();
        Optional<Section> gs = rootSection.child("groups");
        if (gs.isPresent()) {
            gs.get().allow(Set.of(), Set.of("group"));
            for (Section g : gs.get().children("group")) {
                g.allow(GROUP_KEYS, Set.of());
                String name = g.string("name", g.block().value());
                groups.add(new Group(name, g.strings("ip"), g.strings("uuid"), g.block().position()));
            }
        }
        for (Section sec : sections) {
            for (ConfigEntry e : sec.block().all("group")) {
                if (groups.stream().noneMatch(g -> e.value().equalsIgnoreCase(g.name()))) {
                    throw new ConfigException(e.valuePosition(), "listener scope names group '" + e.value()
                            + "', which no groups/group block defines", "define it, or remove this line");
                }
            }
        }
        return new FenceDaemonConfig(file, List.copyOf(listeners), List.copyOf(uris), List.copyOf(groups), debug,
                requestTimeout, maxWorkers, HttpSection.read(rootSection));
    }

    /** The groups a listener honours: every group, or only those its section names. */
    public List<Group> groupsOf(ListenerConfig l) {
        if (l.groups().isEmpty()) {
            return groups;
        }
        List<Group> chosen = new ArrayList<>();
        for (Group g : groups) {
            if (l.groups().stream().anyMatch(n -> n.equalsIgnoreCase(g.name()))) {
                chosen.add(g);
            }
        }
        return chosen;
    }

    /** {@code uri}, then {@code uri1}, {@code uri2}, ... consecutively, as fence_virtd reads them. */
    private static List<String> libvirtUris(Section lv) throws ConfigException {
        List<String> uris = new ArrayList<>();
        for (ConfigEntry e : lv.block().entries()) {
            String k = e.key().toLowerCase(java.util.Locale.ROOT);
            if (!k.matches("uri[0-9]*")) {
                throw new ConfigException(e.keyPosition(), "unknown key '" + e.key() + "' in 'backends/libvirt'",
                        "known keys here: uri, uri1, uri2, ...");
            }
        }
        lv.entry("uri").ifPresent(e -> uris.add(e.value()));
        for (int i = 1; lv.entry("uri" + i).isPresent(); i++) {
            uris.add(lv.entry("uri" + i).get().value());
        }
        return uris;
    }

    private static HashType hash(Section s, String key) throws ConfigException {
        String v = s.choice(key, "sha256", "none", "sha1", "sha256", "sha512");
        return HashType.fromName(v);
    }

    /** {@code auth}: a legacy hash name (fence_virt.conf), or legacy, hardened, both (Palisade). */
    private record Auth(AuthPolicy policy, HashType legacy, Duration skew) {
    }

    private static Auth auth(Section s) throws ConfigException {
        String v = s.choice("auth", "sha256", "none", "sha1", "sha256", "sha512", "legacy", "hardened", "both");
        HashType legacyAuth = hash(s, "legacy_auth");
        AuthPolicy policy = switch (v) {
            case "hardened" -> AuthPolicy.HARDENED;
            case "both" -> AuthPolicy.BOTH;
            case "legacy" -> AuthPolicy.LEGACY;
            default -> {
                if (s.entry("legacy_auth").isPresent()) {
                    throw new ConfigException(s.positionOf("legacy_auth"), "'legacy_auth' together with auth = \""
                            + v + "\"", "use auth = \"legacy\" or \"both\" with legacy_auth, or auth = \"" + v
                            + "\" alone");
                }
                legacyAuth = HashType.fromName(v);
                yield AuthPolicy.LEGACY;
            }
        };
        Duration skew = Duration.ofSeconds(s.integer("skew", 30, 1, 3600));
        return new Auth(policy, legacyAuth, skew);
    }

    private static Path keyFile(Section s) {
        return Path.of(s.string("key_file", DEFAULT_KEY_FILE));
    }

    private static boolean ipv6(Section s) throws ConfigException {
        return s.choice("family", "ipv4", "ipv4", "ipv6").equals("ipv6");
    }

    private static MulticastListenerConfig multicast(Section s) throws ConfigException {
        boolean v6 = ipv6(s);
        InetAddress group = s.address("address", v6 ? "ff05::3:1" : "225.0.0.12");
        if (!group.isMulticastAddress()) {
            throw new ConfigException(s.positionOf("address"), "'address' " + Addresses.text(group)
                    + " in 'listeners/multicast' is not a multicast group", "use a group such as 225.0.0.12");
        }
        if ((group instanceof Inet6Address) != v6) {
            throw new ConfigException(s.positionOf("address"), "'address' " + Addresses.text(group)
                    + " does not match family " + (v6 ? "ipv6" : "ipv4"), "make 'family' and 'address' agree");
        }
        Auth a = auth(s);
        return new MulticastListenerConfig(keyFile(s), hash(s, "hash"), a.legacy, a.policy, a.skew, group,
                s.integer("port", DEFAULT_PORT, 1, 65535), s.string("interface", null), s.strings("group"),
                s.block().position());
    }

    private static TcpListenerConfig tcp(Section s) throws ConfigException {
        boolean v6 = ipv6(s);
        InetAddress addr = s.address("address", v6 ? "::1" : "127.0.0.1");
        if ((addr instanceof Inet6Address) != v6 && s.entry("family").isPresent()) {
            throw new ConfigException(s.positionOf("address"), "'address' " + Addresses.text(addr)
                    + " does not match family " + (v6 ? "ipv6" : "ipv4"), "make 'family' and 'address' agree");
        }
        Auth a = auth(s);
        return new TcpListenerConfig(keyFile(s), hash(s, "hash"), a.legacy, a.policy, a.skew, addr,
                s.integer("port", DEFAULT_PORT, 1, 65535), s.strings("group"), s.block().position());
    }

    private static SerialListenerConfig serial(Section s) throws ConfigException {
        String mode = s.choice("mode", "serial", "serial", "vmchannel");
        String auth = s.choice("auth", "none", "none", "hardened", "both");
        Path key = s.entry("key_file").map(e -> Path.of(e.value())).orElse(null);
        if (!auth.equals("none") && key == null) {
            throw new ConfigException(s.positionOf("auth"), "auth = \"" + auth + "\" in 'listeners/serial' needs a key",
                    "add key_file = \"/etc/cluster/fence_xvm.key\" (palisade fence-keygen makes one)");
        }
        AuthPolicy policy = switch (auth) {
            case "hardened" -> AuthPolicy.HARDENED;
            case "both" -> AuthPolicy.BOTH;
            default -> AuthPolicy.LEGACY;
        };
        Path dir = s.entry("path").map(e -> Path.of(e.value())).orElse(null);
        if (dir != null && !dir.isAbsolute()) {
            throw new ConfigException(s.positionOf("path"), "'path' in 'listeners/serial' is not absolute",
                    "give the directory the domains' socket paths are in, e.g. /var/run/fence-sockets");
        }
        return new SerialListenerConfig(key, policy, Duration.ofSeconds(s.integer("skew", 30, 1, 3600)),
                mode.equals("serial") ? SerialListenerConfig.Mode.SERIAL : SerialListenerConfig.Mode.VMCHANNEL, dir,
                s.string("uri", null), s.strings("group"), s.block().position());
    }

    private static void checkPortClashes(List<ListenerConfig> listeners) throws ConfigException {
        for (int i = 0; i < listeners.size(); i++) {
            for (int j = i + 1; j < listeners.size(); j++) {
                ListenerConfig a = listeners.get(i);
                ListenerConfig b = listeners.get(j);
                if (a instanceof TcpListenerConfig ta && b instanceof TcpListenerConfig tb
                        && ta.port() == tb.port() && ta.address().equals(tb.address())) {
                    throw new ConfigException(b.position(), "two tcp listeners on " + Addresses.text(tb.address())
                            + ":" + tb.port() + " (the other at " + a.position() + ")", "give each its own address or port");
                }
                if (a instanceof MulticastListenerConfig ma && b instanceof MulticastListenerConfig mb
                        && ma.port() == mb.port()) {
                    throw new ConfigException(b.position(), "two multicast listeners on port " + mb.port()
                            + " (the other at " + a.position() + ")", "give each its own port");
                }
            }
        }
    }
}
