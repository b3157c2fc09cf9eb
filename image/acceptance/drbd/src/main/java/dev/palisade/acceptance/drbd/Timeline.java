package dev.palisade.acceptance.drbd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A takeover as one appliance's supervisor logged it (its journal, {@code journalctl -o short-unix}): when the peer
 * was declared dead, the fence (from FENCING to "power verified off"), each resource's start as the supervisor
 * timed it (DRBD promote, mount, MariaDB ready, VIP), and ACTIVE. Times are the appliance's own clock.
 */
final class Timeline {
    /** One journal line: the appliance's epoch time in microseconds and the message. */
    record Line(long micros, String message) {
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+)\\.(\\d{6}) \\S+ \\S+: (?:\\[[^]]*] )?(.*)$");
    private static final Pattern RESOURCE = Pattern.compile("^resource (drbd|filesystem|mariadb|vip) .* started and ready in (\\d+) ms$");
    private static final Pattern FENCED = Pattern.compile("^fence \\S+ fenced: power verified off by level \\d+ in (\\d+) ms$");

    final List<Line> lines;

    private Timeline(List<Line> lines) {
        this.lines = lines;
    }

    static Timeline parse(String journal) {
        List<Line> out = new ArrayList<>();
        for (String l : journal.split("\n")) {
            Matcher m = LINE.matcher(l);
            if (m.matches()) {
                out.add(new Line(Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2)), m.group(3)));
            }
        }
        return new Timeline(out);
    }

    /** The supervisor's journal on {@code a} since {@code sinceEpochMillis} (the appliance's clock). */
    static Timeline of(Appliance a, long sinceEpochMillis) throws GuestAgent.Unreachable {
        GuestAgent.Reply r = a.sh("journalctl -u palisade.service -o short-unix --no-pager --since=@"
                + (sinceEpochMillis / 1000) + " | tail -n 2000", Duration.ofSeconds(30));
        return parse(r.output());
    }

    /** The first line at or after {@code fromMicros} whose message matches {@code regex}, or null. */
    Line first(String regex, long fromMicros) {
        Pattern p = Pattern.compile(regex);
        for (Line l : lines) {
            if (l.micros() >= fromMicros && p.matcher(l.message()).find()) {
                return l;
            }
        }
        return null;
    }

    /**
     * The steps of the first takeover at or after {@code faultMicros} (the fault, on this appliance's clock), in ms:
     * detection (fault to "peer dead"), fence (FENCING to verified off, with any race delay), promote, mount,
     * MariaDB, VIP (each as the supervisor timed its start), and fault to ACTIVE. A step that did not happen is
     * absent.
     */
    Map<String, Long> takeover(long faultMicros) {
        Map<String, Long> t = new LinkedHashMap<>();
        Line dead = first("^membership: peer \\S+ dead", faultMicros);
        if (dead != null) {
            t.put("detection", (dead.micros() - faultMicros) / 1000);
        }
        Line fencing = first("^failover: \\w+ -> FENCING", faultMicros);
        if (fencing != null) {
            Line fenced = first(FENCED.pattern(), fencing.micros());
            if (fenced != null) {
                t.put("fence", (fenced.micros() - fencing.micros()) / 1000);
            }
        }
        Line starting = first("^failover: \\w+ -> STARTING", faultMicros);
        if (starting != null) {
            for (Line l : lines) {
                Matcher m = RESOURCE.matcher(l.message());
                if (l.micros() >= starting.micros() && m.matches()) {
                    String step = switch (m.group(1)) {
                        case "drbd" -> "promote";
                        case "filesystem" -> "mount";
                        case "mariadb" -> "mariadb";
                        default -> "vip";
                    };
                    t.putIfAbsent(step, Long.parseLong(m.group(2)));
                }
            }
            Line active = first("^failover: \\w+ -> ACTIVE", starting.micros());
            if (active != null) {
                t.put("active", (active.micros() - faultMicros) / 1000);
            }
        }
        return t;
    }

    /** The worst heartbeat gaps the supervisor reported ("membership: frame gaps on LINK: ..."), newest per link. */
    Map<String, String> frameGaps() {
        Map<String, String> gaps = new LinkedHashMap<>();
        Pattern p = Pattern.compile("^membership: frame gaps on (\\S+): (.*)$");
        for (Line l : lines) {
            Matcher m = p.matcher(l.message());
            if (m.matches()) {
                gaps.put(m.group(1), m.group(2));
            }
        }
        return gaps;
    }
}
