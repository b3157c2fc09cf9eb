package dev.palisade.supervisor.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Which node bootstraps Galera after a full outage: a pure function of the configured members, the
 * {@link Report}s of the nodes that reported and the members an operator gave up on (fenced, with
 * {@code palisade ctl force-bootstrap}). Every node computes it over the same agreed-order deliveries, so
 * every node names the same winner. The rules, in order:
 * <ol>
 * <li>a zero uuid and an unrecoverable seqno (-1) are left out;</li>
 * <li>only the uuid held by more than half of the remaining positions can win (two histories that no majority
 *     settles: nobody wins);</li>
 * <li>{@code safe_to_bootstrap: 1} (on a clean, unrecovered position) wins, otherwise the highest seqno;</li>
 * <li>on equal seqnos, a position read from grastate.dat is preferred to a recovered one;</li>
 * <li>then the lowest node id;</li>
 * <li>a configured member that neither reported nor was given up blocks the election, unless the winner is a
 *     node Galera marked safe to bootstrap (the last to leave the Primary Component holds every commit);</li>
 * <li>a brand-new cluster (every member reported, none was ever in a cluster) starts from the member the
 *     configuration names ({@code new_cluster_from}); without one, nobody guesses whose data to keep.</li>
 * </ol>
 * Nothing here ever wipes or rewrites data; a blocked election says what it waits for.
 */
public final class Election {
    private Election() {
    }

    /** A configured member: its name and corosync node id. */
    public record Member(String name, int nodeId) {
    }

    /** The election's result: a winner, or what it is blocked on. */
    public sealed interface Outcome permits Winner, Blocked {
        String why();
    }

    public record Winner(Member member, Report report, String why) implements Outcome {
    }

    public record Blocked(String why) implements Outcome {
    }

    private static final Comparator<Map.Entry<Member, Report>> BEST = Comparator
            .comparing((Map.Entry<Member, Report> e) -> !e.getValue().safe())
            .thenComparing(e -> -e.getValue().seqno())
            .thenComparing(e -> e.getValue().recovered())
            .thenComparing(e -> e.getKey().nodeId());

    /** As {@link #decide(List, Map, Set, Member)} with no member named to start a new cluster. */
    public static Outcome decide(List<Member> members, Map<Integer, Report> reports, Set<Integer> givenUp) {
        return decide(members, reports, givenUp, null);
    }

    /**
     * @param members  every configured member
     * @param reports  node id -> report, of the members that reported (others are ignored)
     * @param givenUp  node ids an operator gave up on (fenced) for this outage
     * @param newClusterFrom the member whose data starts a brand-new cluster ({@code new_cluster_from}), or null:
     *                 used only when every member reported and none was ever in a cluster (all zero uuids)
     */
    public static Outcome decide(List<Member> members, Map<Integer, Report> reports, Set<Integer> givenUp,
                                 Member newClusterFrom) {
        Map<Member, Report> reported = new java.util.LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (Member m : members.stream().sorted(Comparator.comparingInt(Member::nodeId)).toList()) {
            Report r = reports.get(m.nodeId());
            if (r != null) {
                reported.put(m, r);
            } else if (!givenUp.contains(m.nodeId())) {
                missing.add(m.name());
            }
        }
        if (reported.isEmpty()) {
            return new Blocked("no member has reported its position" + (missing.isEmpty() ? "" : "; waiting for "
                    + String.join(", ", missing)));
        }
        String waiting = missing.isEmpty() ? "" : "waiting for " + String.join(", ", missing)
                + " (not in the group; it may hold the latest commits): bring it back, or if it is gone for good"
                + " run 'palisade ctl force-bootstrap " + missing.get(0) + "' (it is fenced first)";
        List<Map.Entry<Member, Report>> usable = reported.entrySet().stream().filter(e -> e.getValue().valid())
                .toList();
        if (usable.isEmpty() && missing.isEmpty() && reported.size() == members.size()
                && reported.values().stream().allMatch(r -> r.uuid().equals(dev.palisade.supervisor.cluster.galera
                .GraState.ZERO))) {
            // no member was ever in a Galera cluster: which data starts one is the operator's choice, never a guess
            if (newClusterFrom == null) {
                return new Blocked("no member was ever in a Galera cluster (every uuid is zero): name the member "
                        + "whose data starts it with new_cluster_from = \"NAME\"; in the cluster block");
            }
            Report r = reported.get(newClusterFrom);
            return r == null ? new Blocked("new_cluster_from names " + newClusterFrom.name() + ", not a member")
                    : new Winner(newClusterFrom, r, newClusterFrom.name() + " starts a new cluster (no member was "
                    + "ever in one; new_cluster_from names it)");
        }
        if (usable.isEmpty()) {
            return new Blocked(!missing.isEmpty() ? waiting : "no member has a usable position (zero uuid or "
                    + "unrecoverable seqno: " + describe(reported) + "); nothing is bootstrapped automatically");
        }
        Map<UUID, Integer> holders = new HashMap<>();
        for (Map.Entry<Member, Report> e : usable) {
            holders.merge(e.getValue().uuid(), 1, Integer::sum);
        }
        UUID majority = null;
        for (Map.Entry<UUID, Integer> e : holders.entrySet()) {
            if (e.getValue() * 2 > usable.size()) {
                majority = e.getKey();
            }
        }
        if (majority == null) {
            return new Blocked(!missing.isEmpty() ? waiting : "no cluster uuid is held by more than half of the "
                    + usable.size() + " usable positions (" + describe(reported) + "): the nodes hold different "
                    + "histories; nothing is bootstrapped automatically");
        }
        UUID u = majority;
        List<Map.Entry<Member, Report>> candidates = new ArrayList<>(usable.stream()
                .filter(e -> e.getValue().uuid().equals(u)).toList());
        candidates.sort(BEST);
        Map.Entry<Member, Report> best = candidates.get(0);
        if (!missing.isEmpty() && !best.getValue().safe()) {
            return new Blocked(waiting);
        }
        String why;
        if (best.getValue().safe()) {
            why = best.getKey().name() + " is marked safe_to_bootstrap (the last to leave the Primary Component)";
        } else {
            long ties = candidates.stream().filter(e -> e.getValue().seqno() == best.getValue().seqno()).count();
            why = best.getKey().name() + " has the highest seqno " + best.getValue().seqno() + " of uuid " + u
                    + (ties > 1 ? " (tie of " + ties + ": " + (best.getValue().recovered() ? "" : "grastate.dat "
                    + "position preferred, then ") + "lowest node id)" : "");
        }
        return new Winner(best.getKey(), best.getValue(), why + "; reports: " + describe(reported)
                + (givenUp.isEmpty() ? "" : "; given up: " + new TreeSet<>(givenUp)));
    }

    private static String describe(Map<Member, Report> reported) {
        List<String> parts = new ArrayList<>();
        reported.forEach((m, r) -> parts.add(m.name() + " " + r));
        return String.join(", ", parts);
    }
}
