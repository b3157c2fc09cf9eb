package dev.palisade.supervisor.config;

import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigPosition;
import dev.palisade.fence.config.Section;
import java.math.BigDecimal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code vrrp} block (docs/vrrp.md lists every key): one {@code instance} per virtual router. */
public record VrrpConfig(List<Instance> instances) {
    public static final VrrpConfig NONE = new VrrpConfig(List.of());

    /** One virtual address with its prefix length. */
    public record Vip(InetAddress address, int prefix) {
        @Override
        public String toString() {
            return address.getHostAddress() + "/" + prefix;
        }
    }

    /** One VRRP instance; {@code advertIntervalCs} in centiseconds. */
    public record Instance(String name, String iface, int vrid, int version, int priority, int advertIntervalCs,
                           List<Vip> vips, boolean preempt, Duration preemptDelay, int garpRepeat,
                           Duration garpInterval, boolean garpReply, List<InetAddress> unicastPeers,
                           InetAddress source, String authPass, ConfigPosition position) {
        public boolean ipv6() {
            return vips.get(0).address() instanceof Inet6Address;
        }
    }

    private static final Set<String> KEYS = Set.of("name", "interface", "vrid", "version", "priority", "advert_int",
            "vip", "preempt", "preempt_delay", "garp_repeat", "garp_interval", "garp_form", "unicast_peer", "source",
            "auth_pass");

    public static VrrpConfig from(ConfigBlock root) throws ConfigException {
        Optional<ConfigBlock> b = root.block("vrrp");
        if (b.isEmpty()) {
            return NONE;
        }
        Section v = new Section(b.get(), "vrrp").allow(Set.of(), Set.of("instance"));
        List<Instance> out = new ArrayList<>();
        for (Section s : v.children("instance")) {
            s.allow(KEYS, Set.of());
            Instance i = instance(s);
            for (Instance o : out) {
                if (o.name().equals(i.name())) {
                    throw new ConfigException(s.positionOf("name"), "two instances named '" + i.name() + "'",
                            "give each instance its own name");
                }
                if (o.iface().equals(i.iface()) && o.vrid() == i.vrid() && o.ipv6() == i.ipv6()) {
                    throw new ConfigException(s.positionOf("vrid"), "VRID " + i.vrid() + " on " + i.iface()
                            + " is already instance '" + o.name() + "'", "each virtual router needs its own VRID");
                }
            }
            out.add(i);
        }
        return new VrrpConfig(List.copyOf(out));
    }

    private static Instance instance(Section s) throws ConfigException {
        String name = SupervisorConfig.requireKey(s, "name", "name the instance: name = \"VI_1\";");
        String iface = SupervisorConfig.requireKey(s, "interface", "name the interface: interface = \"eth0\";");
        int vrid = s.integer("vrid", -1, 1, 255);
        if (vrid < 0) {
            throw new ConfigException(s.block().position(), "instance '" + name + "' has no vrid",
                    "add vrid = \"51\"; (1-255, the same on both nodes)");
        }
        int version = Integer.parseInt(s.choice("version", "3", "2", "3"));
        int priority = s.integer("priority", 100, 1, 255);
        int interval = advertInterval(s, version);
        List<Vip> vips = new ArrayList<>();
        for (ConfigEntry e : s.block().all("vip")) {
            vips.add(vip(e));
        }
        if (vips.isEmpty()) {
            throw new ConfigException(s.block().position(), "instance '" + name + "' has no vip",
                    "add vip = \"192.168.1.10/24\"; (one line per address)");
        }
        boolean v6 = vips.get(0).address() instanceof Inet6Address;
        for (int i = 0; i < vips.size(); i++) {
            if ((vips.get(i).address() instanceof Inet6Address) != v6) {
                throw new ConfigException(s.block().all("vip").get(i).valuePosition(), "IPv4 and IPv6 addresses in"
                        + " one instance", "VRRP carries one family per instance; make a second instance for the other");
            }
        }
        if (v6 && version == 2) {
            throw new ConfigException(s.positionOf("version"), "VRRPv2 has no IPv6", "use version = \"3\";");
        }
        List<InetAddress> peers = new ArrayList<>();
        for (ConfigEntry e : s.block().all("unicast_peer")) {
            InetAddress a = Section.parseLiteral(e.value());
            if (a == null || (a instanceof Inet6Address) != v6) {
                throw new ConfigException(e.valuePosition(), "unicast_peer '" + e.value() + "' is not an "
                        + (v6 ? "IPv6" : "IPv4") + " address", "give the peer's address on this link");
            }
            peers.add(a);
        }
        String auth = s.string("auth_pass", null);
        if (auth != null && (version != 2 || auth.isEmpty() || auth.length() > 8)) {
            throw new ConfigException(s.positionOf("auth_pass"), version != 2 ? "auth_pass exists only in VRRPv2"
                    : "auth_pass must be 1 to 8 characters", version != 2 ? "remove it (RFC 5798 dropped authentication)"
                    : "shorten it; keepalived also uses only the first 8");
        }
        InetAddress source = s.entry("source").isPresent() ? s.address("source", null) : null;
        return new Instance(name, iface, vrid, version, priority, interval, List.copyOf(vips),
                s.choice("preempt", "yes", "yes", "no").equals("yes"),
                SupervisorConfig.duration(s, "preempt_delay", Duration.ZERO), s.integer("garp_repeat", 5, 1, 100),
                SupervisorConfig.duration(s, "garp_interval", Duration.ofMillis(20)),
                s.choice("garp_form", "request", "request", "reply").equals("reply"), List.copyOf(peers), source, auth,
                s.block().position());
    }

    /** advert_int in seconds ("1", "0.1") or with a unit ("100ms"); v2 whole seconds, v3 10 ms to 40.95 s. */
    private static int advertInterval(Section s, int version) throws ConfigException {
        Optional<ConfigEntry> e = s.entry("advert_int");
        if (e.isEmpty()) {
            return 100;
        }
        String v = e.get().value().trim();
        long ms;
        try {
            ms = v.matches("[0-9]+(\\.[0-9]+)?") ? new BigDecimal(v).movePointRight(3).longValueExact()
                    : Durations.parse(e.get()).toMillis();
        } catch (ArithmeticException | NumberFormatException x) {
            throw new ConfigException(e.get().valuePosition(), "advert_int \"" + v + "\" is finer than a millisecond",
                    "use seconds such as \"1\" or \"0.1\"");
        }
        if (version == 2 && (ms % 1000 != 0 || ms < 1000 || ms > 255_000)) {
            throw new ConfigException(e.get().valuePosition(), "VRRPv2 advert_int \"" + v + "\" is not 1 to 255 whole"
                    + " seconds", "use version = \"3\"; for sub-second adverts (keepalived would silently round)");
        }
        if (version == 3 && (ms % 10 != 0 || ms < 10 || ms > 40_950)) {
            throw new ConfigException(e.get().valuePosition(), "VRRPv3 advert_int \"" + v + "\" is not 0.01 to 40.95 s"
                    + " in steps of 10 ms", "RFC 5798 carries it in centiseconds; e.g. \"0.1\"");
        }
        return (int) (ms / 10);
    }

    private static Vip vip(ConfigEntry e) throws ConfigException {
        String v = e.value();
        int slash = v.indexOf('/');
        InetAddress a = Section.parseLiteral(slash < 0 ? v : v.substring(0, slash));
        int max = a instanceof Inet6Address ? 128 : 32;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(v.substring(slash + 1));
            } catch (NumberFormatException x) {
                prefix = -1;
            }
        }
        if (a == null || prefix < 1 || prefix > max) {
            throw new ConfigException(e.valuePosition(), "vip \"" + v + "\" is not ADDRESS/PREFIX",
                    "e.g. vip = \"192.168.1.10/24\"; or vip = \"fe80::10/64\";");
        }
        return new Vip(a, prefix);
    }

    /** The block with every default filled in. */
    public String dump() {
        if (instances.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("vrrp {\n");
        for (Instance i : instances) {
            sb.append("\tinstance {\n");
            kv(sb, "name", i.name());
            kv(sb, "interface", i.iface());
            kv(sb, "vrid", String.valueOf(i.vrid()));
            kv(sb, "version", String.valueOf(i.version()));
            kv(sb, "priority", String.valueOf(i.priority()));
            kv(sb, "advert_int", new BigDecimal(i.advertIntervalCs()).movePointLeft(2).stripTrailingZeros().toPlainString());
            for (Vip v : i.vips()) {
                kv(sb, "vip", v.toString());
            }
            kv(sb, "preempt", i.preempt() ? "yes" : "no");
            kv(sb, "preempt_delay", Durations.format(i.preemptDelay()));
            kv(sb, "garp_repeat", String.valueOf(i.garpRepeat()));
            kv(sb, "garp_interval", Durations.format(i.garpInterval()));
            kv(sb, "garp_form", i.garpReply() ? "reply" : "request");
            for (InetAddress p : i.unicastPeers()) {
                kv(sb, "unicast_peer", p.getHostAddress());
            }
            if (i.source() != null) {
                kv(sb, "source", i.source().getHostAddress());
            }
            if (i.authPass() != null) {
                kv(sb, "auth_pass", i.authPass());
            }
            sb.append("\t}\n");
        }
        return sb.append("}\n").toString();
    }

    private static void kv(StringBuilder sb, String k, String v) {
        sb.append("\t\t").append(k).append(" = \"").append(v).append("\";\n");
    }
}
