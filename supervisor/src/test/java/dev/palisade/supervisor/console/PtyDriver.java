package dev.palisade.supervisor.console;

import dev.palisade.drivers.testing.TestTime;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted terminal on a socat pty pair, as a serial line joins a console and an operator's terminal: socat
 * makes two ptys joined back to back ({@code raw,echo=0}); the program under test gets one as its stdin and
 * stdout (its tty), and this driver types into the other and reads what the program wrote. {@link #expect} waits
 * for a pattern with a deadline; {@link #screen} is everything received, escape sequences included.
 */
final class PtyDriver implements AutoCloseable {
    private final Process socat;
    private final Path console;
    private final FileOutputStream keys;
    private final FileInputStream screenIn;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final Thread pump;
    private int mark;

    PtyDriver(Path dir) throws IOException, InterruptedException {
        Path a = dir.resolve("tty-console");
        Path b = dir.resolve("tty-driver");
        socat = new ProcessBuilder("socat", "PTY,link=" + a + ",raw,echo=0", "PTY,link=" + b + ",raw,echo=0")
                .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        long deadline = System.nanoTime() + TestTime.millis(5000) * 1_000_000L;
        while (!(Files.exists(a) && Files.exists(b))) {
            if (System.nanoTime() > deadline || !socat.isAlive()) {
                throw new IOException("socat made no pty pair: " + Files.readString(dir.resolve("socat.log")));
            }
            Thread.sleep(10);
        }
        console = a.toRealPath();
        keys = new FileOutputStream(b.toFile());
        screenIn = new FileInputStream(b.toFile());
        pump = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = screenIn.read(buf)) > 0) {
                    synchronized (received) {
                        received.write(buf, 0, n);
                        received.notifyAll();
                    }
                }
            } catch (IOException closed) {
                // the pair went away
            }
        }, "pty-driver");
        pump.setDaemon(true);
        pump.start();
    }

    /** The program's side of the pair (its tty). */
    Path consoleTty() {
        return console;
    }

    /** Starts {@code cmd} with the console pty as stdin, stdout and stderr. */
    Process start(List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectInput(console.toFile()).redirectOutput(console.toFile())
                .redirectError(console.toFile()).start();
    }

    void type(String s) throws IOException {
        keys.write(s.getBytes(StandardCharsets.ISO_8859_1));
        keys.flush();
    }

    /** Types slowly, a key at a time, as a person on a 9600 baud line. */
    void typeSlowly(String s, long perKeyMillis) throws IOException, InterruptedException {
        for (char c : s.toCharArray()) {
            type(String.valueOf(c));
            Thread.sleep(perKeyMillis);
        }
    }

    void send(byte[] bytes) throws IOException {
        keys.write(bytes);
        keys.flush();
    }

    /** Everything received so far. */
    String screen() {
        synchronized (received) {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Everything received since the last {@link #mark()}. */
    String sinceMark() {
        String s = screen();
        return s.substring(Math.min(mark, s.length()));
    }

    /** From here on, {@link #expect} looks only at what arrives after now. */
    void mark() {
        mark = screen().length();
    }

    /** Waits for {@code regex} in what arrived since the mark; the match, or an AssertionError with the screen. */
    String expect(String regex, long millis) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TestTime.millis(millis) * 1_000_000L;
        synchronized (received) {
            while (true) {
                String s = received.toString(StandardCharsets.ISO_8859_1);
                Matcher m = p.matcher(s.substring(Math.min(mark, s.length())));
                if (m.find()) {
                    mark = mark + m.end();
                    return m.group();
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new AssertionError("no /" + regex + "/ within " + millis + " ms; the terminal shows:\n"
                            + visible(s.substring(Math.min(mark, s.length()))));
                }
                received.wait(Math.min(left, 100));
            }
        }
    }

    /** Control characters made visible, for failure messages. */
    static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\n' || c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("<%02x>", (int) c));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        socat.destroy();
        try {
            keys.close();
            screenIn.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
