package dev.palisade.supervisor.config;

import dev.palisade.drivers.serial.TtyHolders;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code palisade doctor -f FILE}: the checks check-config leaves out because they depend on this
 * machine: the key loads, this host is one of the two nodes, every serial device exists and is a
 * character device, every UDP interface exists, is up and has an address, and a unicast peer is on one of
 * its subnets. Prints one line per check; the exit code says whether all passed.
 */
public final class Doctor {
    private Doctor() {
    }

    /** One check's outcome. */
    public record Check(boolean ok, String what) {
    }

    public static List<Check> examine(SupervisorConfig c, String hostname) {
        List<Check> out = new ArrayList<>();
        try {
            FenceKey k = FenceKey.load(c.keyFile());
            out.add(new Check(true, "cluster key " + c.keyFile() + " (sha256:" + k.fingerprint() + ")"));
        } catch (KeyFileException e) {
            out.add(new Check(false, e.getMessage()));
        }
        boolean named = hostname != null && (hostname.equalsIgnoreCase(c.node()) || hostname.split("\\.")[0]
                .equalsIgnoreCase(c.node()));
        out.add(new Check(named, named ? "this host '" + hostname + "' is node " + c.node()
                : "this host is '" + hostname + "', not node '" + c.node() + "' (peer is '" + c.peer()
                + "'): install the configuration written for this node, or set node to this host's name"));
        for (SupervisorConfig.SerialLink s : c.serialLinks()) {
            Path p = Path.of(s.device());
            boolean exists = Files.exists(p);
            boolean chr = exists && !Files.isRegularFile(p) && !Files.isDirectory(p);
            out.add(new Check(chr, chr ? "serial " + s.device() + " present"
                    : "serial " + s.device() + (exists ? " is not a character device" : " does not exist")
                    + "; check the cable's port name (dmesg | grep tty)"));
            if (chr) {
                out.add(gettyCheck(p));
            }
        }
        for (SupervisorConfig.UdpLink u : c.udpLinks()) {
            out.addAll(udp(u));
        }
        out.addAll(fenceVirtDomains(c.fencing()));
        return out;
    }

    /**
     * No getty on the heartbeat's serial port: it would answer the peer's frames with login prompts and read
     * them as user names (systemd starts one on a port named by console= or enabled by hand).
     */
    static Check gettyCheck(Path device) {
        try {
            List<TtyHolders.Holder> gettys = TtyHolders.gettys(device);
            if (gettys.isEmpty()) {
                return new Check(true, "no getty on serial " + device);
            }
            return new Check(false, "serial " + device + " is held by " + gettys + ": a login prompt on the"
                    + " heartbeat cable turns the peer's frames into noise; run: systemctl mask --now "
                    + TtyHolders.gettyUnit(device) + " (and remove console=" + device.toRealPath().getFileName()
                    + " from the kernel command line)");
        } catch (IOException e) {
            return new Check(false, "serial " + device + ": cannot tell who holds it (" + e.getMessage() + ")");
        }
    }

    /**
     * Every fence_virt device's domain must be in its gateway's list: the stock protocol answers OFF for a domain
     * it does not know, and a fence through such a device fails until the name is fixed.
     */
    public static List<Check> fenceVirtDomains(FencingConfig f) {
        List<Check> out = new ArrayList<>();
        for (FencingConfig.NodeFencing n : f.nodes()) {
            for (List<FencingConfig.DeviceSpec> level : n.levels()) {
                for (FencingConfig.DeviceSpec spec : level) {
                    if (!(spec instanceof FencingConfig.FenceVirt v)) {
                        continue;
                    }
                    String what = "fencing " + n.name() + ": fence_virt " + v.mode() + " " + v.address() + ":" + v.port()
                            + " domain '" + v.domain() + "'";
                    try {
                        var d = (dev.palisade.supervisor.fencing.FenceVirtDevice)
                                dev.palisade.supervisor.fencing.FencePlans.device(spec);
                        List<String> domains = d.listDomains();
                        boolean known = domains.contains(v.domain());
                        out.add(new Check(known, known ? what + " is in the gateway's list"
                                : what + " is NOT in the gateway's list " + domains + ": a typo, or a renamed or"
                                + " re-created VM; fencing " + n.name() + " fails until domain names one of them"
                                + " (" + spec.position() + ")"));
                    } catch (IOException e) {
                        out.add(new Check(false, what + ": cannot list the gateway's domains (" + e.getMessage()
                                + "); fencing through it fails while this lasts"));
                    }
                }
            }
        }
        return out;
    }

    private static List<Check> udp(SupervisorConfig.UdpLink u) {
        List<Check> out = new ArrayList<>();
        if (u.iface() == null) {
            out.add(new Check(true, u.name() + ": no interface named; the route to the peer decides"));
            return out;
        }
        try {
            NetworkInterface nif = NetworkInterface.getByName(u.iface());
            if (nif == null) {
                out.add(new Check(false, u.name() + ": interface " + u.iface() + " does not exist (ip link)"));
                return out;
            }
            if (!nif.isUp()) {
                out.add(new Check(false, u.name() + ": interface " + u.iface() + " is down (ip link set " + u.iface()
                        + " up)"));
                return out;
            }
            List<InterfaceAddress> v4 = nif.getInterfaceAddresses().stream()
                    .filter(a -> a.getAddress().getAddress().length == 4).toList();
            if (v4.isEmpty()) {
                out.add(new Check(false, u.name() + ": interface " + u.iface() + " has no IPv4 address"));
                return out;
            }
            out.add(new Check(true, u.name() + ": interface " + u.iface() + " up with "
                    + v4.get(0).getAddress().getHostAddress() + "/" + v4.get(0).getNetworkPrefixLength()));
            if (u.mode() == SupervisorConfig.UdpMode.UNICAST) {
                boolean onLink = v4.stream().anyMatch(a -> sameSubnet(a, u.destination()));
                out.add(new Check(onLink, u.name() + ": peer " + u.destination().getHostAddress()
                        + (onLink ? " is on the interface's subnet" : " is not on any subnet of " + u.iface()
                        + ": heartbeats would be routed; use the peer's address on the dedicated link")));
            }
        } catch (IOException e) {
            out.add(new Check(false, u.name() + ": " + e.getMessage()));
        }
        return out;
    }

    static boolean sameSubnet(InterfaceAddress a, InetAddress peer) {
        byte[] x = a.getAddress().getAddress();
        byte[] y = peer.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits = a.getNetworkPrefixLength();
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    public static int print(List<Check> checks, PrintStream out) {
        int failed = 0;
        for (Check c : checks) {
            out.println((c.ok() ? "ok    " : "FAIL  ") + c.what());
            failed += c.ok() ? 0 : 1;
        }
        out.println(failed == 0 ? "all " + checks.size() + " checks passed" : failed + " of " + checks.size()
                + " checks failed");
        return failed == 0 ? 0 : 1;
    }
}
