package dev.palisade.fence.agent;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import dev.palisade.fence.config.Section;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.RequestCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code fence_palisade}: a fence agent with the options of fence_xvm and fence_virt -T and the
 * fence-agents stdin interface, so Pacemaker can use it as a stonith device. It speaks Palisade's hardened
 * scheme by default when the key was made by {@code palisade fence-keygen}, the stock protocol otherwise
 * (or when asked: {@code --legacy}, {@code auth_scheme=legacy}).
 *
 * <p>Exit codes as the stock agents: 0 success (status: on), 2 status off, 1 failure or timeout (and, in the
 * hardened scheme, a domain no hypervisor knows: "Domain not found"), 3 permission denied.
 */
public final class FencePalisade {
    private FencePalisade() {
    }

    /** Option letter -> stdin name, as fence_virt's args.c maps them. */
    private static final Map<String, String> STDIN_NAMES = new LinkedHashMap<>();

    static {
        STDIN_NAMES.put("action", "o");
        STDIN_NAMES.put("option", "o");
        STDIN_NAMES.put("port", "H");
        STDIN_NAMES.put("plug", "H");
        STDIN_NAMES.put("domain", "H");
        STDIN_NAMES.put("key_file", "k");
        STDIN_NAMES.put("hash", "c");
        STDIN_NAMES.put("auth", "C");
        STDIN_NAMES.put("ipaddr", "T");
        STDIN_NAMES.put("ipport", "p");
        STDIN_NAMES.put("multicast_address", "a");
        STDIN_NAMES.put("ip_family", "i");
        STDIN_NAMES.put("retrans", "r");
        STDIN_NAMES.put("timeout", "t");
        STDIN_NAMES.put("delay", "w");
        STDIN_NAMES.put("use_uuid", "u");
        STDIN_NAMES.put("debug", "d");
        STDIN_NAMES.put("auth_scheme", "scheme");
        STDIN_NAMES.put("serial_device", "D");
        STDIN_NAMES.put("serial_params", "P");
        STDIN_NAMES.put("channel_address", "A");
        STDIN_NAMES.put("vsock", "S");
    }

    /** The options of one invocation, with the stock defaults. */
    static final class Options {
        String action = "reboot";
        String domain;
        String keyFile = "/etc/cluster/fence_xvm.key";
        String hash = "sha256";
        String auth = "sha256";
        String tcpAddress;
        int port = 1229;
        String mcastAddress;
        String family = "auto";
        int retransTenths = 20;
        int timeoutSeconds = 30;
        int delaySeconds;
        String scheme = "auto";
        String serialDevice;
        String serialParams = "115200,8N1";
        String channelAddress;
        int vsockCid = -1;
        int debug;
    }

    public static void main(String[] args) {
        dev.palisade.fence.transport.NettyDefaults.applyForOneShot();
        exit(run(args, System.in, System.out, System.err));
    }

    /** Ends a one-shot process: the client's loop first (see {@link ClientLoop#stop}), then the JVM. */
    public static void exit(int code) {
        ClientLoop.stop(EXIT_WAIT_MILLIS);
        System.exit(code);
    }

    private static final long EXIT_WAIT_MILLIS = 1000;

    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        dev.palisade.fence.transport.NettyDefaults.apply();
        Options o = new Options();
        try {
            if (args.length == 0) {
                readStdin(o, stdin, err);
            } else if (!parseArgs(o, args, out, err)) {
                return 0;
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 1;
        }
        String action = o.action.toLowerCase(Locale.ROOT);
        if (action.equals("metadata")) {
            out.print(metadata());
            return 0;
        }
        FenceKey key;
        try {
            key = FenceKey.load(Path.of(o.keyFile));
        } catch (KeyFileException e) {
            err.println("Invalid key file: " + e.getMessage());
            return 1;
        }
        boolean hardened = switch (o.scheme) {
            case "hardened" -> true;
            case "legacy" -> false;
            default -> key.madeByKeygen();
        };
        RequestCode op = switch (action) {
            case "null" -> RequestCode.NULL;
            case "off" -> RequestCode.OFF;
            case "on" -> RequestCode.ON;
            case "reboot" -> RequestCode.REBOOT;
            case "status" -> RequestCode.STATUS;
            case "monitor" -> RequestCode.DEVSTATUS;
            case "list", "list-status" -> RequestCode.HOSTLIST;
            case "validate-all" -> null;
            default -> {
                err.println("Invalid operation: " + o.action);
                yield null;
            }
        };
        if (op == null && !action.equals("validate-all")) {
            return 1;
        }
        boolean needsDomain = op != RequestCode.HOSTLIST && op != RequestCode.DEVSTATUS;
        if (needsDomain && (o.domain == null || o.domain.isEmpty())) {
            err.println("No domain specified!");
            return 1;
        }
        if (o.domain != null && o.domain.getBytes(StandardCharsets.UTF_8).length >= 64) {
            err.println("Domain name is too long (63 bytes at most): " + o.domain);
            return 1;
        }
        if (op == null) {
            return 0; // validate-all: the key loads and a domain is named
        }
        if (o.delaySeconds > 0 && op.changesPower()) {
            try {
                Thread.sleep(o.delaySeconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        Duration timeout = Duration.ofSeconds(Math.max(1, o.timeoutSeconds));
        FenceVirtClient client = hardened ? FenceVirtClient.hardened(key, timeout)
                : new FenceVirtClient(key, hashOf(o.hash), hashOf(o.auth), timeout);
        FenceVirtClient.Result r;
        try {
            if (o.vsockCid >= 0) {
                try (dev.palisade.drivers.net.Vsock.Connection c = dev.palisade.drivers.net.Vsock.connect(o.vsockCid,
                        o.port, Math.min(timeout.toMillis(), 3000))) {
                    c.timeout(timeout.toMillis());
                    r = client.stream(c.input(), c.output(), c, op, o.domain);
                }
            } else if (o.serialDevice != null) {
                try (dev.palisade.drivers.serial.SerialLine line =
                             dev.palisade.drivers.serial.SerialLine.open(o.serialDevice, o.serialParams)) {
                    line.hangUp(300);
                    line.deadline(System.nanoTime() + timeout.toNanos());
                    r = client.serial(line.input(), line.output(), line, op, o.domain);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            } else if (o.channelAddress != null) {
                InetAddress addr = Section.parseLiteral(o.channelAddress);
                if (addr == null) {
                    err.println("Invalid vmchannel address: " + o.channelAddress);
                    return 1;
                }
                try (java.net.Socket sock = new java.net.Socket()) {
                    sock.connect(new InetSocketAddress(addr, o.port), (int) Math.min(timeout.toMillis(), 3000));
                    r = client.serial(sock.getInputStream(), sock.getOutputStream(), sock, op, o.domain);
                }
            } else if (o.tcpAddress != null) {
                InetAddress addr = Section.parseLiteral(o.tcpAddress);
                if (addr == null) {
                    err.println("Invalid TCP address: " + o.tcpAddress + " (give a numeric IPv4 or IPv6 address)");
                    return 1;
                }
                r = client.tcp(new InetSocketAddress(addr, o.port), op, o.domain);
            } else {
                r = multicast(client, o, op);
            }
        } catch (SocketTimeoutException e) {
            out.println("Timed out waiting for response");
            out.println("Operation failed");
            return 1;
        } catch (IOException e) {
            err.println("Error: " + e.getMessage());
            out.println("Operation failed");
            return 1;
        }
        return report(op, r, out);
    }

    private static FenceVirtClient.Result multicast(FenceVirtClient client, Options o, RequestCode op)
            throws IOException {
        boolean v6 = o.family.equals("ipv6") || o.mcastAddress != null && o.mcastAddress.contains(":");
        InetAddress group = Section.parseLiteral(o.mcastAddress != null ? o.mcastAddress : v6 ? "ff05::3:1" : "225.0.0.12");
        if (group == null || !group.isMulticastAddress()) {
            throw new IOException("Invalid multicast address: " + o.mcastAddress);
        }
        List<FenceVirtClient.Callback> callbacks = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                boolean usable = v6 ? a instanceof Inet6Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()
                        : a instanceof Inet4Address;
                if (usable) {
                    callbacks.add(new FenceVirtClient.Callback(a, nif));
                }
            }
        }
        if (callbacks.isEmpty()) {
            throw new IOException("no local " + (v6 ? "IPv6" : "IPv4") + " address to be called back on");
        }
        return client.multicast(group, o.port, callbacks, op, o.domain,
                Duration.ofMillis(Math.max(1, o.retransTenths) * 100L));
    }

    private static int report(RequestCode op, FenceVirtClient.Result r, PrintStream out) {
        if (op == RequestCode.HOSTLIST && r.code() == 0) {
            for (HostState h : r.hosts()) {
                out.printf("%-32s %s %s%n", h.domain(), h.uuid(), h.state() == 1 ? "on" : "off");
            }
            return 0;
        }
        switch (r.code()) {
            case 0:
                if (op == RequestCode.STATUS) {
                    out.println("Status: ON");
                }
                return 0;
            case 2:
                if (op == RequestCode.STATUS) {
                    out.println("Status: OFF");
                }
                return 2;
            case 3:
                out.println("Permission denied");
                return 3;
            case 1:
                out.println("Operation failed");
                return 1;
            case 4:
                // hardened scheme only: no hypervisor behind the gateway knows the domain (never "off")
                out.println("Domain not found");
                out.println("Operation failed");
                return 1;
            default:
                out.println("Unknown response (" + r.code() + ")");
                return 1;
        }
    }

    private static HashType hashOf(String name) {
        HashType h = HashType.fromName(name);
        if (h == null) {
            throw new IllegalArgumentException("Invalid hash/auth type: " + name + " (none, sha1, sha256, sha512)");
        }
        return h;
    }

    /** getopt-style: "-o status" and "-ostatus" both work; returns false when it printed help or version. */
    private static boolean parseArgs(Options o, String[] args, PrintStream out, PrintStream err) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--legacy")) {
                o.scheme = "legacy";
                continue;
            }
            if (a.equals("--hardened")) {
                o.scheme = "hardened";
                continue;
            }
            if (!a.startsWith("-") || a.length() < 2) {
                throw new IllegalArgumentException("Unexpected argument '" + a + "'\n" + usage());
            }
            char f = a.charAt(1);
            switch (f) {
                case 'h', '?' -> {
                    out.print(usage());
                    return false;
                }
                case 'V' -> {
                    out.println("fence_palisade 1.0 (fence_xvm/fence_virt protocol, Palisade hardened scheme v1)");
                    return false;
                }
                case 'u' -> { }
                case 'd' -> o.debug++;
                case 'S' -> o.vsockCid = a.length() > 2 ? number("S", a.substring(2), 0, Integer.MAX_VALUE) : 2;
                default -> {
                    String v;
                    if (a.length() > 2) {
                        v = a.substring(2);
                    } else if (i + 1 < args.length) {
                        v = args[++i];
                    } else {
                        throw new IllegalArgumentException("Option -" + f + " needs a value\n" + usage());
                    }
                    set(o, String.valueOf(f), v);
                }
            }
        }
        return true;
    }

    private static void readStdin(Options o, InputStream in, PrintStream err) {
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int n = 0;
            while ((line = r.readLine()) != null && n++ < 1000) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq < 0) {
                    err.println("Parse error: Ignoring line without '=': " + line);
                    continue;
                }
                String name = line.substring(0, eq).strip();
                String value = line.substring(eq + 1).strip();
                String letter = STDIN_NAMES.get(name);
                if (letter == null) {
                    err.println("Parse error: Ignoring unknown option '" + name + "'");
                    continue;
                }
                if (letter.equals("u") || letter.equals("d")) {
                    continue;
                }
                set(o, letter, value);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read options from stdin: " + e.getMessage());
        }
    }

    private static void set(Options o, String letter, String v) {
        switch (letter) {
            case "o" -> o.action = v;
            case "H", "n" -> o.domain = v;
            case "k" -> o.keyFile = v;
            case "c" -> o.hash = v.toLowerCase(Locale.ROOT);
            case "C" -> o.auth = v.toLowerCase(Locale.ROOT);
            case "T" -> o.tcpAddress = v;
            case "p" -> o.port = number(letter, v, 1, 65535);
            case "a" -> o.mcastAddress = v;
            case "i" -> o.family = v.toLowerCase(Locale.ROOT);
            case "r" -> o.retransTenths = number(letter, v, 1, 600);
            case "t" -> o.timeoutSeconds = number(letter, v, 1, 3600);
            case "w" -> o.delaySeconds = number(letter, v, 0, 3600);
            case "scheme" -> o.scheme = v.toLowerCase(Locale.ROOT);
            case "D" -> o.serialDevice = v;
            case "P" -> o.serialParams = v;
            case "A" -> o.channelAddress = v;
            case "S" -> o.vsockCid = number("S", v, 0, Integer.MAX_VALUE);
            default -> throw new IllegalArgumentException("Unknown option -" + letter + "\n" + usage());
        }
    }

    private static int number(String letter, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("Option -" + letter + ": '" + v + "' is not a number from " + min + " to " + max);
    }

    static String usage() {
        return """
                usage: fence_palisade [options]   (or key=value lines on stdin)
                  -o <operation>   null, off, on, [reboot], status, list, list-status, monitor, validate-all, metadata
                  -H|-n <domain>   domain name or UUID to fence
                  -k <file>        key file (default /etc/cluster/fence_xvm.key)
                  -T <address>     TCP mode: the gateway's address (otherwise multicast)
                  -D <device>      serial mode: the guest's serial port to the gateway (e.g. /dev/ttyS1)
                  -P <params>      serial parameters (default 115200,8N1)
                  -A <address>     vmchannel mode: the guestfwd address (e.g. 10.0.2.179), port from -p
                  -S[cid]          vsock mode: the host's CID (default 2), port from -p
                  -p <port>        TCP or multicast port (default 1229)
                  -a <address>     multicast group (default 225.0.0.12 / ff05::3:1)
                  -i <family>      auto, ipv4, ipv6
                  -r <tenths>      multicast retransmit interval (default 20)
                  -t <seconds>     timeout (default 30)
                  -w <seconds>     delay before off/on/reboot
                  -c <hash>        legacy packet hash (none, sha1, [sha256], sha512)
                  -C <auth>        legacy challenge hash (none, sha1, [sha256], sha512)
                  --hardened       Palisade's hardened scheme (default for keys made by palisade fence-keygen)
                  --legacy         the stock fence_virt protocol
                  -V, -h           version, help
                exit codes: 0 success or on, 2 off, 1 failure or timeout, 3 permission denied
                """;
    }

    static String metadata() {
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" ?>\n");
        sb.append("<resource-agent name=\"fence_palisade\" shortdesc=\"Fence agent for virtual machines behind a "
                + "Palisade or fence_virtd gateway\">\n");
        sb.append("<longdesc>fence_palisade powers virtual machines off and on through a fence gateway (Palisade's "
                + "palisade fence-daemon, or fence_virtd), over TCP or multicast, with Palisade's hardened "
                + "authentication or the stock fence_virt protocol.\n\nNOTE: reboot-action does not power on nodes "
                + "that are powered off.</longdesc>\n");
        sb.append("<vendor-url>https://libvirt.org</vendor-url>\n<parameters>\n");
        param(sb, "action", "-o", "string", "reboot", "Fencing action (null, off, on, [reboot], status, list, "
                + "list-status, monitor, validate-all, metadata)", false);
        param(sb, "plug", "-n", "string", null, "Virtual Machine (domain name or UUID) to fence", true);
        param(sb, "port", "-H", "string", null, "Virtual Machine (domain name or UUID) to fence", true);
        param(sb, "key_file", "-k", "string", "/etc/cluster/fence_xvm.key", "Shared key file", false);
        param(sb, "ipaddr", "-T", "string", null, "Gateway address for TCP mode (otherwise multicast)", false);
        param(sb, "ipport", "-p", "string", "1229", "TCP, multicast or vmchannel port", false);
        param(sb, "serial_device", "-D", "string", null, "Serial device (serial mode), e.g. /dev/ttyS1", false);
        param(sb, "serial_params", "-P", "string", "115200,8N1", "Serial parameters", false);
        param(sb, "channel_address", "-A", "string", null, "VM channel address (vmchannel mode), e.g. 10.0.2.179", false);
        param(sb, "vsock", "-S", "integer", "2", "vsock CID of the host (vsock mode)", false);
        param(sb, "multicast_address", "-a", "string", null, "Multicast address (default=225.0.0.12 / ff05::3:1)", false);
        param(sb, "ip_family", "-i", "string", "auto", "IP Family ([auto], ipv4, ipv6)", false);
        param(sb, "retrans", "-r", "string", "20", "Multicast retransmit time (in 1/10sec; default=20)", false);
        param(sb, "timeout", "-t", "string", "30", "Fencing timeout (in seconds; default=30)", false);
        param(sb, "delay", "-w", "string", "0", "Fencing delay (in seconds; default=0)", false);
        param(sb, "hash", "-c", "string", "sha256", "Legacy packet hash strength (none, sha1, [sha256], sha512)", false);
        param(sb, "auth", "-C", "string", "sha256", "Legacy authentication (none, sha1, [sha256], sha512)", false);
        param(sb, "auth_scheme", "--hardened", "string", "auto",
                "auto (hardened for keys made by palisade fence-keygen), hardened, or legacy", false);
        sb.append("</parameters>\n<actions>\n");
        for (String a : new String[] {"null", "on", "off", "reboot", "metadata", "status", "monitor", "list",
                "list-status", "validate-all"}) {
            sb.append("\t<action name=\"").append(a).append("\" />\n");
        }
        sb.append("</actions>\n</resource-agent>\n");
        return sb.toString();
    }

    private static void param(StringBuilder sb, String name, String opt, String type, String def, String desc,
                              boolean required) {
        sb.append("\t<parameter name=\"").append(name).append("\" unique=\"0\" required=\"")
                .append(required ? "1" : "0").append("\">\n");
        sb.append("\t\t<getopt mixed=\"").append(opt).append("\" />\n");
        sb.append("\t\t<content type=\"").append(type).append("\"")
                .append(def == null ? "" : " default=\"" + def + "\"").append(" />\n");
        sb.append("\t\t<shortdesc lang=\"en\">").append(desc).append("</shortdesc>\n");
        sb.append("\t</parameter>\n");
    }
}
