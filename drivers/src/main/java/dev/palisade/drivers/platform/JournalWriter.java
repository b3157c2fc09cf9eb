package dev.palisade.drivers.platform;

import java.io.PrintStream;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.Level;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.AbstractFormatPatternWriter;

/**
 * A tinylog writer for a service whose standard error goes to the journal: every line starts with its syslog
 * priority in angle brackets ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug and
 * trace; sd-daemon(3)), which journald reads ({@code SyslogLevelPrefix=yes}, the default) so that
 * {@code journalctl -p warning} shows warnings and errors only. Every line of a stack trace carries the
 * priority of its entry. No time stamp: the journal keeps its own.
 *
 * <p>The launcher selects it with {@code -Dtinylog.writer=dev.palisade.drivers.platform.JournalWriter} when
 * systemd passed {@code $JOURNAL_STREAM}; {@code format} works as for tinylog's console writer.
 */
public final class JournalWriter extends AbstractFormatPatternWriter {
    private final PrintStream out;

    public JournalWriter(Map<String, String> properties) {
        this(properties, System.err);
    }

    JournalWriter(Map<String, String> properties, PrintStream out) {
        super(properties);
        this.out = out;
    }

    /** The syslog priority of a tinylog level (RFC 5424 §6.2.1 severities). */
    static int priority(Level level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            case DEBUG, TRACE, OFF -> 7;
        };
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        Collection<LogEntryValue> values = EnumSet.noneOf(LogEntryValue.class);
        values.addAll(super.getRequiredLogEntryValues());
        values.add(LogEntryValue.LEVEL);
        return values;
    }

    @Override
    public void write(LogEntry entry) {
        String prefix = "<" + priority(entry.getLevel()) + ">";
        String text = render(entry);
        StringBuilder sb = new StringBuilder(text.length() + 16);
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int cut = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            sb.append(prefix).append(text, start, cut).append('\n');
            start = end + 1;
        }
        out.print(sb);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
