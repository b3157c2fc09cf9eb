package dev.palisade.supervisor.node;

import java.util.Arrays;
import java.util.List;

/**
 * One command an operator (or DRBD's fence-peer handler) sends over the control socket, parsed once from its
 * line: {@code status [--json]}, {@code links}, {@code resources}, {@code events [--last N | --since SEQ]},
 * {@code fence-history [--last N]}, {@code standby}, {@code unstandby}, {@code switchover},
 * {@code maintenance on|off}, {@code cleanup}, {@code fence-peer [RESOURCE]},
 * {@code promote-consistent [RESOURCE] --yes-i-may-lose-data}. The {@code argument} of {@code status} is
 * {@code json} or null; of {@code events} {@code last:N} or {@code since:SEQ}; of {@code fence-history}
 * {@code last:N}.
 */
public record ControlCommand(Kind kind, String argument) {
    public enum Kind {
        /** The status as text, or as JSON (argument {@code json}): the same document as the HTTP /status. */
        STATUS("status"),
        LINKS("links"),
        RESOURCES("resources"),
        /** The persisted transition history. */
        EVENTS("events"),
        /** The persisted fence history. */
        FENCE_HISTORY("fence-history"),
        STANDBY("standby"),
        UNSTANDBY("unstandby"),
        SWITCHOVER("switchover"),
        MAINTENANCE_ON("maintenance on"),
        MAINTENANCE_OFF("maintenance off"),
        /** Forget the monitor failures counted against the migration threshold. */
        CLEANUP("cleanup"),
        /** DRBD's fence-peer handler: fence the peer now (no delay), for DRBD resource {@code argument}. */
        FENCE_PEER("fence-peer"),
        /** An operator's decision to promote a DRBD disk that is only Consistent, accepting possible loss. */
        PROMOTE_CONSISTENT("promote-consistent");

        final String words;

        Kind(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    /** The confirmation {@code promote-consistent} needs, spelled out so nobody types it by accident. */
    public static final String LOSE_DATA = "--yes-i-may-lose-data";

    public static final String USAGE = "status [--json] | links | resources | events [--last N | --since SEQ]"
            + " | fence-history [--last N] | standby | unstandby | switchover | maintenance on | maintenance off"
            + " | cleanup | promote-consistent [RESOURCE] " + LOSE_DATA;

    /** The most history one answer carries. */
    public static final int MAX_HISTORY = 1000;

    /** Parses one line; IllegalArgumentException says what is wrong and what would be right. */
    public static ControlCommand parse(String line) {
        List<String> w = Arrays.stream(line.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        if (w.isEmpty()) {
            throw new IllegalArgumentException("no command; commands: " + USAGE);
        }
        String first = w.get(0);
        switch (first) {
            case "status" -> {
                if (w.size() == 1) {
                    return new ControlCommand(Kind.STATUS, null);
                }
                if (w.size() == 2 && w.get(1).equals("--json")) {
                    return new ControlCommand(Kind.STATUS, "json");
                }
                throw new IllegalArgumentException("status [--json]");
            }
            case "links", "resources" -> {
                if (w.size() != 1) {
                    throw new IllegalArgumentException("'" + first + "' takes no arguments");
                }
                return new ControlCommand(first.equals("links") ? Kind.LINKS : Kind.RESOURCES, null);
            }
            case "events" -> {
                if (w.size() == 1) {
                    return new ControlCommand(Kind.EVENTS, "last:20");
                }
                if (w.size() == 3 && (w.get(1).equals("--last") || w.get(1).equals("--since"))) {
                    long n = count(w.get(2), w.get(1).equals("--last") ? MAX_HISTORY : Long.MAX_VALUE,
                            "events " + w.get(1));
                    return new ControlCommand(Kind.EVENTS, (w.get(1).equals("--last") ? "last:" : "since:") + n);
                }
                throw new IllegalArgumentException("events [--last N | --since SEQ]");
            }
            case "fence-history" -> {
                if (w.size() == 1) {
                    return new ControlCommand(Kind.FENCE_HISTORY, "last:20");
                }
                if (w.size() == 3 && w.get(1).equals("--last")) {
                    return new ControlCommand(Kind.FENCE_HISTORY, "last:" + count(w.get(2), MAX_HISTORY,
                            "fence-history --last"));
                }
                throw new IllegalArgumentException("fence-history [--last N]");
            }
            case "standby", "unstandby", "online", "switchover", "takeover", "cleanup" -> {
                if (w.size() != 1) {
                    throw new IllegalArgumentException("'" + first + "' takes no arguments");
                }
                return new ControlCommand(switch (first) {
                    case "standby" -> Kind.STANDBY;
                    case "unstandby", "online" -> Kind.UNSTANDBY;
                    case "cleanup" -> Kind.CLEANUP;
                    default -> Kind.SWITCHOVER;
                }, null);
            }
            case "maintenance" -> {
                if (w.size() == 1 || w.size() == 2 && w.get(1).equals("on")) {
                    return new ControlCommand(Kind.MAINTENANCE_ON, null);
                }
                if (w.size() == 2 && w.get(1).equals("off")) {
                    return new ControlCommand(Kind.MAINTENANCE_OFF, null);
                }
                throw new IllegalArgumentException("maintenance on | maintenance off");
            }
            case "fence-peer" -> {
                if (w.size() > 2) {
                    throw new IllegalArgumentException("fence-peer [RESOURCE]");
                }
                return new ControlCommand(Kind.FENCE_PEER, w.size() == 2 ? w.get(1) : null);
            }
            case "promote-consistent" -> {
                List<String> rest = w.subList(1, w.size());
                if (!rest.contains(LOSE_DATA)) {
                    throw new IllegalArgumentException("promote-consistent forces DRBD to take this node's Consistent"
                            + " disk as the newest: writes the peer acknowledged after it fell behind are lost. Only when"
                            + " the peer's disk is gone for good: promote-consistent [RESOURCE] " + LOSE_DATA
                            + " (docs/failover.md)");
                }
                List<String> names = rest.stream().filter(s -> !s.equals(LOSE_DATA)).toList();
                if (names.size() > 1) {
                    throw new IllegalArgumentException("promote-consistent [RESOURCE] " + LOSE_DATA);
                }
                return new ControlCommand(Kind.PROMOTE_CONSISTENT, names.isEmpty() ? null : names.get(0));
            }
            default -> throw new IllegalArgumentException("unknown command '" + first + "'; commands: " + USAGE);
        }
    }

    private static long count(String word, long max, String what) {
        if (!word.matches("[0-9]{1,18}") || Long.parseLong(word) > max) {
            throw new IllegalArgumentException(what + " takes a number from 0 to " + max + ", not '" + word + "'");
        }
        return Long.parseLong(word);
    }

    /** {@code last:N} or {@code since:SEQ} of a history command: the number. */
    public long number() {
        return Long.parseLong(argument.substring(argument.indexOf(':') + 1));
    }

    /** Whether a history command asks for what came after a sequence number ({@code --since}). */
    public boolean since() {
        return argument != null && argument.startsWith("since:");
    }
}
