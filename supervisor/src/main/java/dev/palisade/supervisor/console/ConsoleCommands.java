package dev.palisade.supervisor.console;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the serial console understands, with no I/O: each command's words, its arguments, a line of help,
 * whether it changes the pair (and so asks for confirmation), and the control-socket line it becomes. Words
 * may be abbreviated to any unique prefix ({@code sw} is {@code switchover}, {@code ma of} is
 * {@code maintenance off}); {@link #candidates} answers {@code ?} and tab completion.
 */
public final class ConsoleCommands {
    /** Where a command is answered. */
    public enum Where { SUPERVISOR, LOCAL }

    /** One command: its words, argument kinds, help, confirmation and where it runs. */
    public record Command(String name, String args, String help, boolean confirm, Where where) {
    }

    /** A typed line resolved: the command, its argument words, and the control line it becomes (SUPERVISOR). */
    public record Resolved(Command command, List<String> args, String controlLine) {
    }

    /** Arguments that a word of a command may take (first argument only). */
    private static final List<String> MAINTENANCE_ARGS = List.of("on", "off");

    public static final List<Command> COMMANDS = List.of(
            new Command("status", "", "this node, the peer, links, resources, addresses, recent transitions", false,
                    Where.SUPERVISOR),
            new Command("links", "", "heartbeat links and the age of their last frames", false, Where.SUPERVISOR),
            new Command("resources", "", "the group's resources as their monitors last saw them", false,
                    Where.SUPERVISOR),
            new Command("events", "[N]", "the last N transitions with their reasons (20)", false, Where.SUPERVISOR),
            new Command("fence-history", "[N]", "the last N fences: device, level, result, duration (20)", false,
                    Where.SUPERVISOR),
            new Command("standby", "", "hand the group to the peer and stay standing by", true, Where.SUPERVISOR),
            new Command("unstandby", "", "may run the group again", true, Where.SUPERVISOR),
            new Command("switchover", "", "move the group to the other node now", true, Where.SUPERVISOR),
            new Command("maintenance", "on|off", "stop (on) or resume (off) managing the group", true,
                    Where.SUPERVISOR),
            new Command("doctor", "", "check this machine against the configuration", false, Where.LOCAL),
            new Command("check-config", "", "check the configuration file", false, Where.LOCAL),
            new Command("log", "[N]", "the supervisor's last N log lines from the journal (40)", false, Where.LOCAL),
            new Command("menu", "", "a numbered menu of these commands", false, Where.LOCAL),
            new Command("help", "", "this list (? lists what may come next)", false, Where.LOCAL),
            new Command("exit", "", "log out (back to the login prompt)", false, Where.LOCAL));

    /** The longest line the console takes. */
    public static final int MAX_LINE = 200;

    private ConsoleCommands() {
    }

    /** Resolves a typed line; IllegalArgumentException says what is wrong and what would be right. */
    public static Resolved resolve(String line) {
        if (line.length() > MAX_LINE) {
            throw new IllegalArgumentException("line too long (" + line.length() + " characters; at most " + MAX_LINE
                    + ")");
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("the line holds a character that cannot be typed (0x"
                        + Integer.toHexString(c) + "); nothing was run");
            }
        }
        List<String> w = Arrays.stream(line.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        if (w.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        Command c = command(w.get(0).toLowerCase(Locale.ROOT));
        List<String> args = new ArrayList<>(w.subList(1, w.size()));
        switch (c.name()) {
            case "maintenance" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("maintenance on | maintenance off");
                }
                args.set(0, unique(args.get(0).toLowerCase(Locale.ROOT), MAINTENANCE_ARGS, "maintenance"));
            }
            case "events", "fence-history", "log" -> {
                if (args.size() > 1 || args.size() == 1 && !args.get(0).matches("[0-9]{1,4}")) {
                    throw new IllegalArgumentException(c.name() + " [N]: N is a number of lines up to 9999");
                }
            }
            default -> {
                if (!args.isEmpty()) {
                    throw new IllegalArgumentException("'" + c.name() + "' takes no arguments");
                }
            }
        }
        return new Resolved(c, List.copyOf(args), controlLine(c, args));
    }

    private static String controlLine(Command c, List<String> args) {
        if (c.where() != Where.SUPERVISOR) {
            return null;
        }
        return switch (c.name()) {
            case "maintenance" -> "maintenance " + args.get(0);
            case "events", "fence-history" -> args.isEmpty() ? c.name() : c.name() + " --last " + args.get(0);
            default -> c.name();
        };
    }

    /** The command a word (or a unique prefix of one) names. */
    public static Command command(String word) {
        List<Command> m = new ArrayList<>();
        for (Command c : COMMANDS) {
            if (c.name().equals(word)) {
                return c;
            }
            if (c.name().startsWith(word)) {
                m.add(c);
            }
        }
        if (word.equals("logout") || word.equals("quit")) {
            return COMMANDS.get(COMMANDS.size() - 1);
        }
        if (m.size() == 1) {
            return m.get(0);
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("unknown command '" + word + "'; type ? or help for the list, menu for"
                    + " a numbered menu");
        }
        throw new IllegalArgumentException("'" + word + "' is ambiguous: " + String.join(", ",
                m.stream().map(Command::name).toList()));
    }

    private static String unique(String word, List<String> choices, String what) {
        List<String> m = choices.stream().filter(c -> c.startsWith(word)).toList();
        if (choices.contains(word)) {
            return word;
        }
        if (m.size() == 1) {
            return m.get(0);
        }
        throw new IllegalArgumentException(what + " takes " + String.join(" | ", choices) + ", not '" + word + "'");
    }

    /**
     * What may come next after {@code typed} (the line up to the cursor): command names with their help while the
     * first word is being typed, then the arguments the command takes.
     */
    public static List<String> candidates(String typed) {
        String t = typed.stripLeading().toLowerCase(Locale.ROOT);
        int space = t.indexOf(' ');
        List<String> out = new ArrayList<>();
        if (space < 0) {
            for (Command c : COMMANDS) {
                if (c.name().startsWith(t)) {
                    out.add(c.name());
                }
            }
            return out;
        }
        Command c;
        try {
            c = command(t.substring(0, space));
        } catch (IllegalArgumentException e) {
            return out;
        }
        String rest = t.substring(space + 1).strip();
        if (c.name().equals("maintenance") && !rest.contains(" ")) {
            for (String a : MAINTENANCE_ARGS) {
                if (a.startsWith(rest)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** {@code ?}: what may come next, one per line, with help. */
    public static String describe(String typed) {
        String t = typed.stripLeading();
        StringBuilder sb = new StringBuilder();
        if (!t.contains(" ")) {
            for (Command c : COMMANDS) {
                if (c.name().startsWith(t.toLowerCase(Locale.ROOT))) {
                    sb.append(String.format(Locale.ROOT, "  %-22s %s%s%n", c.name() + (c.args().isEmpty() ? ""
                            : " " + c.args()), c.help(), c.confirm() ? " (asks to confirm)" : ""));
                }
            }
            return sb.length() == 0 ? "  no command starts with '" + t + "'\n" : sb.toString();
        }
        Command c;
        try {
            c = command(t.substring(0, t.indexOf(' ')).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return "  " + e.getMessage() + "\n";
        }
        List<String> next = candidates(t);
        if (!next.isEmpty()) {
            for (String n : next) {
                sb.append("  ").append(n).append('\n');
            }
            return sb.toString();
        }
        return c.args().isEmpty() ? "  <enter>\n" : "  " + c.args() + "   then <enter>\n";
    }

    /** {@code help}: every command. */
    public static String help() {
        return describe("") + "  (any unique prefix will do: 'sw' is switchover; Tab completes; ? lists what may"
                + " come next)\n";
    }
}
