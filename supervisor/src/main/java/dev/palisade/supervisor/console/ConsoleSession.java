package dev.palisade.supervisor.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.keymap.KeyMap;
import org.jline.reader.Binding;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;

/**
 * One operator's session at the serial console: reads command lines with JLine (editing, history, Tab
 * completion, {@code ?}, unique prefixes), runs them, and prints what happens meanwhile. Safe on a slow, noisy
 * serial line:
 * <ul>
 * <li>the keymap is built from nothing: printable ASCII inserts, a few editing keys edit, every other key or
 * escape sequence is refused (a bell), so no escape sequence, bracketed-paste marker or control character ever
 * reaches a command, and bracketed paste is never switched on;</li>
 * <li>the tty's signal characters are turned off (ISIG): Ctrl-C clears the line and Ctrl-\ and Ctrl-Z do
 * nothing, they never stop the console; Ctrl-D does not log out (type {@code exit});</li>
 * <li>a tty that reports a 0x0 window (a serial line) is taken as 80x24;</li>
 * <li>a session idle for the configured time returns to the login prompt;</li>
 * <li>transitions that happen while the operator types are printed above the prompt and the line is redrawn
 * (Cisco's {@code logging synchronous}), and the prompt shows the node's state;</li>
 * <li>commands that change the pair ask for {@code yes}; no input ever reaches a shell.</li>
 * </ul>
 */
final class ConsoleSession {
    /** The supervisor, as the console reaches it (the control socket). */
    interface Supervisor {
        String ask(String line) throws IOException;
    }

    /** What the console does itself: doctor, check-config, the journal. */
    interface Local {
        String doctor();

        String checkConfig();

        String log(int lines);
    }

    private static final Pattern STATE = Pattern.compile("\"state\":\\{\"name\":\"([A-Z]+)\"");
    private static final Pattern EVENT_TO = Pattern.compile("(?m)^#[0-9]+ .* -> ([A-Z]+): ");
    private static final long POLL_MILLIS = 1000;

    private final Terminal terminal;
    private final Supervisor supervisor;
    private final Local local;
    private final String node;
    private final Duration idleTimeout;
    private final Reader reader;
    private final PrintWriter out;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile long lastKeyNanos = System.nanoTime();
    private volatile boolean running = true;
    private volatile String state = "?";
    private long seq;

    ConsoleSession(Terminal terminal, Supervisor supervisor, Local local, String node, Duration idleTimeout) {
        this.terminal = terminal;
        this.supervisor = supervisor;
        this.local = local;
        this.node = node;
        this.idleTimeout = idleTimeout;
        this.out = terminal.writer();
        Size size = terminal.getSize();
        if (size == null || size.getColumns() <= 0 || size.getRows() <= 0) {
            terminal.setSize(new Size(80, 24)); // a serial tty knows no window: assume the classic terminal
        }
        Attributes a = terminal.getAttributes();
        a.setLocalFlag(Attributes.LocalFlag.ISIG, false); // Ctrl-C, Ctrl-\ and Ctrl-Z arrive as keys, not signals
        terminal.setAttributes(a);
        terminal.handle(Terminal.Signal.INT, Terminal.SignalHandler.SIG_IGN);
        terminal.handle(Terminal.Signal.QUIT, Terminal.SignalHandler.SIG_IGN);
        terminal.handle(Terminal.Signal.TSTP, Terminal.SignalHandler.SIG_IGN);
        terminal.handle(Terminal.Signal.WINCH, s -> {
            Size now = terminal.getSize();
            if (now.getColumns() <= 0 || now.getRows() <= 0) {
                terminal.setSize(new Size(80, 24));
            }
        });
        this.reader = new Reader(terminal);
        configure(reader);
    }

    /** LineReaderImpl that notes every key (for the idle timeout) and refuses what cannot be typed. */
    private final class Reader extends LineReaderImpl {
        Reader(Terminal t) {
            super(t, "palisade", null);
        }

        @Override
        public Binding readBinding(KeyMap<Binding> keys, KeyMap<Binding> local) {
            Binding b = super.readBinding(keys, local);
            lastKeyNanos = System.nanoTime();
            return b;
        }

        int peek(long millis) {
            return bindingReader.peekCharacter(millis);
        }

        @Override
        protected boolean selfInsert() {
            String typed = getLastBinding();
            if (typed == null || buf.length() + typed.length() > ConsoleCommands.MAX_LINE) {
                beep();
                return true;
            }
            for (int i = 0; i < typed.length(); i++) {
                char c = typed.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    beep(); // a control character, an escape sequence nobody bound, a byte of line noise
                    return true;
                }
            }
            return super.selfInsert();
        }
    }

    private void configure(Reader r) {
        r.setOpt(LineReader.Option.DISABLE_EVENT_EXPANSION);
        r.unsetOpt(LineReader.Option.BRACKETED_PASTE);
        r.setOpt(LineReader.Option.HISTORY_IGNORE_DUPS);
        r.setOpt(LineReader.Option.HISTORY_IGNORE_SPACE);
        r.unsetOpt(LineReader.Option.INSERT_TAB);
        r.unsetOpt(LineReader.Option.MOUSE);
        r.setVariable(LineReader.HISTORY_SIZE, 200);
        r.setVariable(LineReader.BELL_STYLE, "audible");
        r.setCompleter((reader, line, candidates) -> {
            String typed = line.line().substring(0, line.cursor());
            for (String c : ConsoleCommands.candidates(typed)) {
                candidates.add(new Candidate(c, c, null, null, null, null, true));
            }
        });
        r.getWidgets().put("palisade-describe", () -> {
            String typed = r.getBuffer().toString().substring(0, r.getBuffer().cursor());
            r.printAbove(prompt() + typed + "?\n" + ConsoleCommands.describe(typed).stripTrailing());
            return true;
        });
        r.getWidgets().put("palisade-escape", () -> {
            swallowEscapeSequence(r);
            r.beep();
            return true;
        });
        r.getWidgets().put("palisade-cancel", () -> {
            r.getBuffer().clear();
            return true;
        });
        KeyMap<Binding> map = new KeyMap<>();
        map.setNomatch(new Reference(LineReader.SELF_INSERT)); // and selfInsert refuses whatever is not printable
        map.setAmbiguousTimeout(200);
        for (char c = 0x20; c < 0x7f; c++) {
            map.bind(new Reference(LineReader.SELF_INSERT), String.valueOf(c));
        }
        map.bind(new Reference("palisade-describe"), "?");
        map.bind(new Reference(LineReader.ACCEPT_LINE), "\r", "\n");
        map.bind(new Reference(LineReader.COMPLETE_WORD), "\t");
        map.bind(new Reference(LineReader.BACKWARD_DELETE_CHAR), "\u007f", "\b");
        map.bind(new Reference(LineReader.DELETE_CHAR), KeyMap.ctrl('D'), "\033[3~");
        map.bind(new Reference(LineReader.BEGINNING_OF_LINE), KeyMap.ctrl('A'), "\033[H", "\033OH", "\033[1~");
        map.bind(new Reference(LineReader.END_OF_LINE), KeyMap.ctrl('E'), "\033[F", "\033OF", "\033[4~");
        map.bind(new Reference(LineReader.BACKWARD_CHAR), KeyMap.ctrl('B'), "\033[D", "\033OD");
        map.bind(new Reference(LineReader.FORWARD_CHAR), KeyMap.ctrl('F'), "\033[C", "\033OC");
        map.bind(new Reference(LineReader.UP_LINE_OR_HISTORY), KeyMap.ctrl('P'), "\033[A", "\033OA");
        map.bind(new Reference(LineReader.DOWN_LINE_OR_HISTORY), KeyMap.ctrl('N'), "\033[B", "\033OB");
        map.bind(new Reference(LineReader.KILL_LINE), KeyMap.ctrl('K'));
        map.bind(new Reference(LineReader.BACKWARD_KILL_LINE), KeyMap.ctrl('U'));
        map.bind(new Reference(LineReader.BACKWARD_KILL_WORD), KeyMap.ctrl('W'));
        map.bind(new Reference(LineReader.REDRAW_LINE), KeyMap.ctrl('L'));
        map.bind(new Reference("palisade-cancel"), KeyMap.ctrl('C'));
        map.bind(new Reference("palisade-escape"), "\033");
        r.getKeyMaps().put(LineReader.MAIN, map);
        r.getKeyMaps().put(LineReader.EMACS, map);
        r.setKeyMap(LineReader.MAIN);
    }

    /**
     * An escape that starts no bound key: the rest of its sequence (ECMA-48 CSI: parameters and intermediates up
     * to a final byte 0x40-0x7E; SS3: one more character; otherwise one character, a meta key) is read and thrown
     * away, so that a bracketed-paste marker, a function key or noise after an ESC never becomes typed text.
     */
    private static void swallowEscapeSequence(Reader r) {
        int c = r.peek(50);
        if (c < 0) {
            return;
        }
        r.readCharacter();
        if (c == '[') {
            for (int i = 0; i < 32; i++) {
                int d = r.peek(50);
                if (d < 0) {
                    return;
                }
                r.readCharacter();
                if (d >= 0x40 && d <= 0x7e) {
                    return; // the final byte
                }
            }
        } else if (c == 'O' && r.peek(50) >= 0) {
            r.readCharacter();
        }
    }

    /** Runs until the operator logs out, the line hangs up or the session idles out. */
    void run() {
        out.println("palisade console on " + node + ": type ? or help for the commands, menu for a numbered menu,"
                + " exit to log out");
        refreshState();
        printEvents(true);
        Thread watcher = new Thread(this::watch, "console-watch");
        watcher.setDaemon(true);
        watcher.start();
        while (running) {
            String line;
            try {
                line = reader.readLine(prompt());
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                if (hungUp()) {
                    break;
                }
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            execute(line);
        }
        running = false;
    }

    /** Whether the terminal's input has ended (the line hung up) rather than a key that reads as end of file. */
    private boolean hungUp() {
        try {
            return terminal.reader().peek(10) == -1;
        } catch (IOException e) {
            return true;
        }
    }

    private String prompt() {
        return node + " (" + state + ")> ";
    }

    void execute(String line) {
        ConsoleCommands.Resolved r;
        try {
            r = ConsoleCommands.resolve(line);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("empty")) {
                out.println("% " + e.getMessage());
            }
            return;
        }
        busy.set(true);
        try {
            run(r);
        } finally {
            busy.set(false);
            lastKeyNanos = System.nanoTime();
            out.flush();
        }
    }

    private void run(ConsoleCommands.Resolved r) {
        String name = r.command().name();
        switch (name) {
            case "exit" -> {
                out.println("logging out");
                running = false;
                return;
            }
            case "help" -> {
                out.print(ConsoleCommands.help());
                return;
            }
            case "menu" -> {
                menu();
                return;
            }
            case "doctor" -> {
                out.print(local.doctor());
                return;
            }
            case "check-config" -> {
                out.print(local.checkConfig());
                return;
            }
            case "log" -> {
                out.print(local.log(r.args().isEmpty() ? 40 : Integer.parseInt(r.args().get(0))));
                return;
            }
            default -> {
            }
        }
        if (r.command().confirm() && !confirm(r.controlLine())) {
            out.println("cancelled: nothing was changed");
            return;
        }
        try {
            String answer = supervisor.ask(r.controlLine());
            out.print(answer.endsWith("\n") ? answer : answer + "\n");
        } catch (IOException e) {
            out.println("% cannot reach the supervisor: " + e.getMessage());
        }
        refreshState();
    }

    /** Asks for {@code yes}; the answer never enters the history (so no recalled line can confirm). */
    private boolean confirm(String what) {
        return "yes".equals(answer(what + ": type yes to confirm: "));
    }

    /** One answer to a question, kept out of the history; null when cancelled. */
    private String answer(String question) {
        reader.setVariable(LineReader.DISABLE_HISTORY, true);
        try {
            return reader.readLine(question).strip();
        } catch (UserInterruptException | EndOfFileException e) {
            return null;
        } finally {
            reader.setVariable(LineReader.DISABLE_HISTORY, false);
        }
    }

    private void menu() {
        while (running) {
            out.print(ConsoleMenu.render(node + " (" + state + ")"));
            out.flush();
            String a = answer("Enter an option: ");
            if (a == null || a.isEmpty() || a.equals("0")) {
                return;
            }
            String line = ConsoleMenu.choose(a);
            if (line == null) {
                out.println("% " + a + " is not an option");
                continue;
            }
            execute(line);
        }
    }

    /** Every second: idle timeout, and new transitions printed above the prompt. */
    private void watch() {
        while (running) {
            try {
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(10, idleTimeout.toMillis() / 4)));
            } catch (InterruptedException e) {
                return;
            }
            if (!busy.get() && System.nanoTime() - lastKeyNanos > idleTimeout.toNanos()) {
                reader.printAbove("idle for " + idleTimeout.toSeconds() + " s: logging out");
                running = false;
                terminal.writer().flush();
                ConsoleMain.loggedOut(terminal);
                return;
            }
            printEvents(false);
        }
    }

    private synchronized void printEvents(boolean first) {
        String answer;
        try {
            answer = supervisor.ask(first ? "events --last 5" : "events --since " + seq);
        } catch (IOException e) {
            return; // the supervisor restarting: the next poll tries again
        }
        if (answer.startsWith("error:")) {
            return;
        }
        List<String> lines = answer.lines().filter(l -> l.startsWith("#")).toList();
        for (String l : lines) {
            Matcher m = Pattern.compile("^#([0-9]+) ").matcher(l);
            if (m.find()) {
                seq = Math.max(seq, Long.parseLong(m.group(1)));
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        if (first) {
            out.println("recent transitions:");
            lines.forEach(l -> out.println("  " + l));
            out.flush();
            return;
        }
        Matcher to = EVENT_TO.matcher(answer);
        while (to.find()) {
            state = to.group(1);
        }
        reader.setPrompt(prompt());
        for (String l : lines) {
            reader.printAbove("% " + l); // above the prompt; JLine redraws the prompt and what was typed
        }
    }

    private void refreshState() {
        try {
            Matcher m = STATE.matcher(supervisor.ask("status --json"));
            state = m.find() ? m.group(1) : "starting";
        } catch (IOException e) {
            state = "unreachable";
        }
    }
}
