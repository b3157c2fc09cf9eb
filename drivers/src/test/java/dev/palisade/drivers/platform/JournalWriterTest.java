package dev.palisade.drivers.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinylog.Level;
import org.tinylog.core.LogEntry;

class JournalWriterTest {
    private static String written(Level level, String message, Throwable t) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        JournalWriter w = new JournalWriter(Map.of("format", "[{thread}] {message}"),
                new PrintStream(b, true, StandardCharsets.UTF_8));
        Thread thread = new Thread(() -> { }, "hb-pulse");
        w.write(new LogEntry(null, thread, Map.of(), null, null, null, -1, null, level, message, t));
        w.flush();
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void eachLevelCarriesItsSyslogPriority() {
        assertEquals("<3>[hb-pulse] peer dead\n", written(Level.ERROR, "peer dead", null));
        assertEquals("<4>[hb-pulse] link late\n", written(Level.WARN, "link late", null));
        assertEquals("<6>[hb-pulse] ACTIVE\n", written(Level.INFO, "ACTIVE", null));
        assertEquals("<7>[hb-pulse] frame\n", written(Level.DEBUG, "frame", null));
        assertEquals("<7>[hb-pulse] bytes\n", written(Level.TRACE, "bytes", null));
    }

    @Test
    void everyLineOfAMultiLineEntryKeepsThePriority() {
        String out = written(Level.ERROR, "failed", new IllegalStateException("boom"));
        String[] lines = out.split("\n");
        assertEquals("<3>[hb-pulse] failed: java.lang.IllegalStateException: boom", lines[0]);
        for (String line : lines) {
            assertEquals("<3>", line.substring(0, 3), out);
        }
        assertEquals("<6>[hb-pulse] a\n<6>b\n", written(Level.INFO, "a\r\nb", null));
    }
}
