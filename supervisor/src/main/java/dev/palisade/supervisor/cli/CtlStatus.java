package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.node.Health;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code palisade ctl status [--json]} with the exit codes monitoring plugins understand (Nagios, Icinga,
 * monitoring-plugins): 0 healthy, 1 degraded, 2 critical, 3 unknown (the supervisor cannot be reached or is still
 * starting); the grade and its reasons are the status's last line ({@code health: ...}) or its {@code health}
 * object. {@code palisade ctl events --follow}: the history, then every new transition as it happens.
 */
final class CtlStatus {
    private static final Pattern JSON_CODE = Pattern.compile("\"health\":\\{\"status\":\"[a-z]+\",\"code\":([0-3])");
    private static final Pattern TEXT_LEVEL = Pattern.compile("(?m)^health: ([A-Z]+)");
    private static final Pattern SEQ = Pattern.compile("(?m)^#([0-9]+) ");
    private static final long FOLLOW_POLL_MILLIS = 1000;

    private CtlStatus() {
    }

    static int status(Path socket, String command, PrintStream out, PrintStream err) {
        String answer;
        try {
            answer = ControlSocket.ask(socket, command);
        } catch (IOException e) {
            err.println("palisade ctl: cannot reach the supervisor at " + socket + " (" + e.getMessage()
                    + "); is 'palisade supervisor' running? (exit 3: unknown)");
            return Health.Level.UNKNOWN.exitCode();
        }
        out.print(answer);
        if (answer.startsWith("error: the supervisor is still starting")) {
            return Health.Level.UNKNOWN.exitCode();
        }
        if (answer.startsWith("error:")) {
            return ExitCode.USAGE;
        }
        return exitCode(answer);
    }

    /** The monitoring-plugin exit code a status answer (text or JSON) carries; 3 when it carries none. */
    static int exitCode(String answer) {
        Matcher j = JSON_CODE.matcher(answer);
        if (j.find()) {
            return Integer.parseInt(j.group(1));
        }
        Matcher t = TEXT_LEVEL.matcher(answer);
        String level = null;
        while (t.find()) {
            level = t.group(1); // the last one: the status ends with it
        }
        if (level != null) {
            for (Health.Level l : Health.Level.values()) {
                if (l.name().equals(level)) {
                    return l.exitCode();
                }
            }
        }
        return Health.Level.UNKNOWN.exitCode();
    }

    /** Prints the last events, then polls for newer ones every second until the supervisor goes away. */
    static int follow(Path socket, String command, PrintStream out, PrintStream err) {
        String first = command.replace("--follow", "").strip().replaceAll("\\s+", " ");
        long seq;
        try {
            String answer = ControlSocket.ask(socket, first);
            if (answer.startsWith("error:")) {
                out.print(answer);
                return ExitCode.USAGE;
            }
            out.print(answer);
            out.flush();
            seq = lastSeq(answer, 0);
            while (!out.checkError()) {
                Thread.sleep(FOLLOW_POLL_MILLIS);
                String more = ControlSocket.ask(socket, "events --since " + seq);
                if (more.startsWith("error:")) {
                    out.print(more);
                    return ExitCode.USAGE;
                }
                out.print(more);
                out.flush();
                seq = lastSeq(more, seq);
            }
            return ExitCode.OK;
        } catch (IOException e) {
            err.println("palisade ctl: the supervisor at " + socket + " went away (" + e.getMessage() + ")");
            return ExitCode.SYSTEM;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.OK;
        }
    }

    static long lastSeq(String answer, long seq) {
        Matcher m = SEQ.matcher(answer);
        long last = seq;
        while (m.find()) {
            last = Math.max(last, Long.parseLong(m.group(1)));
        }
        return last;
    }
}
