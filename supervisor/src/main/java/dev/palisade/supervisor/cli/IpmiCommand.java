package dev.palisade.supervisor.cli;

import dev.palisade.drivers.ipmi.ChassisControl;
import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.ipmi.IpmiException;
import dev.palisade.drivers.ipmi.IpmiSession;
import dev.palisade.drivers.ipmi.IpmiTarget;
import dev.palisade.drivers.ipmi.Privilege;
import dev.palisade.drivers.ipmi.RakpKeys;
import dev.palisade.supervisor.fencing.FencePlans;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code palisade ipmi -H host [-p port] -U user (-P pass | -f file | -E) [-C 3|17] [-L level] [-k kg | -y hex]
 * [-N seconds] [-R tries] [--allow-weak-cipher-suite] chassis power status|on|off|cycle|reset|soft|diag}: what
 * {@code ipmitool -I lanplus} prints for those commands, on the same streams, with the same exit codes
 * (0 done, 1 failed), so scripts can switch. A failure adds one line saying precisely what went wrong
 * before ipmitool's own message.
 */
public final class IpmiCommand {
    static final String SESSION_FAILED = "Error: Unable to establish IPMI v2 / RMCP+ session";
    static final String USAGE = "usage: palisade ipmi [-I lanplus] -H HOST [-p PORT] -U USER (-P PASSWORD | -f FILE | -E)"
            + " [-C 3|17] [-L USER|OPERATOR|ADMINISTRATOR] [-k KG | -y HEXKG] [-N SECONDS] [-R TRIES]"
            + " [--allow-weak-cipher-suite]"
            + " chassis power status|on|off|cycle|reset|soft|diag";
    private static final Map<String, ChassisControl> CONTROLS = Map.of("on", ChassisControl.POWER_UP,
            "off", ChassisControl.POWER_DOWN, "cycle", ChassisControl.POWER_CYCLE, "reset", ChassisControl.HARD_RESET,
            "soft", ChassisControl.SOFT_SHUTDOWN, "diag", ChassisControl.DIAGNOSTIC_INTERRUPT);

    private IpmiCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        dev.palisade.fence.Logging.only("error"); // the command prints its own report
        String host = null;
        int port = IpmiTarget.DEFAULT_PORT;
        String user = "";
        String password = null;
        int suite = 3;
        Privilege priv = Privilege.ADMINISTRATOR;
        byte[] kg = null;
        double timeout = 1;
        int tries = 4;
        boolean weak = false;
        int i = 0;
        try {
            for (; i < args.length && args[i].startsWith("-"); i++) {
                String a = args[i];
                if (a.equals("--allow-weak-cipher-suite")) {
                    weak = true;
                    continue;
                }
                if (a.equals("-E")) {
                    password = System.getenv("IPMI_PASSWORD");
                    if (password == null) {
                        err.println("Unable to read password from environment");
                        return 1;
                    }
                    continue;
                }
                if (i + 1 >= args.length) {
                    err.println("Option " + a + " needs a value");
                    err.println(USAGE);
                    return 1;
                }
                String v = args[++i];
                switch (a) {
                    case "-I" -> {
                        if (!v.equals("lanplus")) {
                            err.println("Interface " + v + " is not supported: palisade speaks IPMI v2.0 (lanplus) only");
                            return 1;
                        }
                    }
                    case "-H" -> host = v;
                    case "-p" -> port = Integer.parseInt(v);
                    case "-U" -> user = v;
                    case "-P" -> password = v;
                    case "-f" -> password = FencePlans.firstLine(Path.of(v));
                    case "-C" -> suite = Integer.parseInt(v);
                    case "-L" -> priv = Privilege.parse(v);
                    case "-k" -> kg = v.getBytes(StandardCharsets.UTF_8);
                    case "-y" -> kg = HexFormat.of().parseHex(v);
                    case "-N" -> timeout = Double.parseDouble(v);
                    case "-R" -> tries = Integer.parseInt(v);
                    default -> {
                        err.println("Invalid option " + a);
                        err.println(USAGE);
                        return 1;
                    }
                }
            }
        } catch (IOException e) {
            err.println("Unable to read password file: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("Invalid value for " + args[i - 1] + ": " + e.getMessage());
            return 1;
        }
        List<String> cmd = List.of(args).subList(i, args.length);
        if (cmd.isEmpty() || !cmd.get(0).equals("chassis") && !cmd.get(0).equals("power")) {
            err.println(USAGE);
            return 1;
        }
        List<String> power = cmd.subList(1, cmd.size());
        if (cmd.get(0).equals("chassis")) {
            if (power.isEmpty() || !power.get(0).equals("power")) {
                err.println(USAGE);
                return 1;
            }
            power = power.subList(1, power.size());
        }
        if (power.isEmpty()) {
            err.println("chassis power Commands: status, on, off, cycle, reset, diag, soft");
            return 0;
        }
        String op = power.get(0);
        if (!op.equals("status") && !CONTROLS.containsKey(op)) {
            err.println("Invalid chassis power command: " + op);
            return 1;
        }
        if (host == null) {
            err.println("Error: -H HOST is required");
            return 1;
        }
        if (password == null) {
            err.println("Error: no password: give -P PASSWORD, -f FILE or -E (IPMI_PASSWORD)");
            return 1;
        }
        CipherSuite cs = CipherSuite.of(suite);
        if (cs == null) {
            err.println("Error: cipher suite " + suite + " is not supported: palisade speaks suites 3 and 17"
                    + " (and 0, 1, 2 with --allow-weak-cipher-suite)");
            return 1;
        }
        if (cs.weak() && !weak) {
            err.println("Error: cipher suite " + suite + " is refused: " + cs.weakness()
                    + "; use -C 3 or -C 17, or add --allow-weak-cipher-suite");
            return 1;
        }
        IpmiTarget target;
        try {
            target = new IpmiTarget(new InetSocketAddress(host, port), user, RakpKeys.kuid(password), null, cs, priv,
                    Duration.ofMillis((long) (timeout * 1000)), tries, weak).withKg(kg);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        IpmiSession session;
        try {
            session = IpmiSession.open(target);
        } catch (IOException e) {
            err.println("Error: " + e.getMessage());
            err.println(SESSION_FAILED);
            return 1;
        }
        try (session) {
            if (op.equals("status")) {
                try {
                    out.println("Chassis Power is " + (session.chassisStatus().powerOn() ? "on" : "off"));
                } catch (IpmiException e) {
                    err.println(e.kind() == IpmiException.Kind.TIMEOUT || e.kind() == IpmiException.Kind.PROTOCOL
                            ? "Unable to get Chassis Power Status (" + e.getMessage() + ")"
                            : e.getMessage().replace("Get Chassis Status", "Get Chassis Power Status"));
                    return 1;
                }
            } else {
                ChassisControl c = CONTROLS.get(op);
                try {
                    session.chassisControl(c);
                    out.println("Chassis Power Control: " + c.word());
                } catch (IpmiException e) {
                    err.println(e.kind() == IpmiException.Kind.TIMEOUT || e.kind() == IpmiException.Kind.PROTOCOL
                            ? "Unable to set Chassis Power Control to " + c.word() + " (" + e.getMessage() + ")"
                            : e.getMessage());
                    return 1;
                }
            }
            return 0;
        } catch (IOException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
    }
}
