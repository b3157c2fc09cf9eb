package dev.palisade.supervisor.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What this node knows of its CPG group, built only from agreed-order deliveries (membership changes and
 * messages, its own included), so that every member holds the same view at the same point of the stream and
 * reaches the same decisions: who is in the group, each member's last STATE, the members an operator gave up on,
 * the members lost while they held the VIP and not yet fenced, and whether Galera's own recovery already failed in
 * this outage. No I/O, no clock.
 */
final class GroupView {
    private final Map<Integer, Election.Member> configured = new TreeMap<>();
    private final Set<Integer> members = new TreeSet<>();
    private final Map<Integer, ClusterMessage.State> states = new TreeMap<>();
    private final Set<Integer> givenUp = new TreeSet<>();
    private final Set<Integer> lostHolders = new TreeSet<>();
    private boolean pcRecoveryFailed;
    private boolean joined;
    /** The member whose claim on the VIP came first in the stream (-1: none); later claims lose. */
    private int holder = -1;
    /** The members that said the holder's claim was the first they saw (the holder's own claim counts). */
    private final Set<Integer> claimSeenBy = new TreeSet<>();

    GroupView(List<Election.Member> members) {
        for (Election.Member m : members) {
            configured.put(m.nodeId(), m);
        }
    }

    /**
     * A membership change: members that left lose their state; one that left while its last STATE said it held
     * the VIP is remembered until it is fenced or comes back without it. Returns whether anyone joined (every
     * member then says its STATE again, for the newcomers).
     */
    boolean membership(Set<Integer> now, Set<Integer> left) {
        joined = true;
        for (int l : left) {
            ClusterMessage.State last = states.remove(l);
            if (last != null && last.vipHeld() && !now.contains(l)) {
                lostHolders.add(l);
            }
        }
        boolean holderLeft = holder >= 0 && !now.contains(holder);
        if (holderLeft) {
            noHolder();
        }
        boolean newcomers = !members.containsAll(now);
        members.retainAll(now);
        members.addAll(now);
        states.keySet().retainAll(now);
        if (holderLeft) {
            standingClaim();
        }
        givenUp.removeAll(now); // a member given up that is back reports like the others
        return newcomers;
    }

    void state(int node, ClusterMessage.State s) {
        if (!members.contains(node)) {
            return; // virtual synchrony: a message from outside the view cannot be ordered against it
        }
        states.put(node, s);
        if (!s.vipHeld()) {
            lostHolders.remove(node); // it came back (rebooted or healed) and holds nothing
            if (holder == node) {
                noHolder();
            }
            if (holder < 0) {
                standingClaim();
            }
        } else if (holder < 0 && configured.containsKey(node)) {
            holder = node; // the first claim in the agreed order; every member of this stream sees the same one
            claimSeenBy.add(node);
        }
        if (s.phase() == Phase.RUNNING && s.primary()) {
            // the cluster is up again: what this outage's election needed is over
            givenUp.clear();
            pcRecoveryFailed = false;
        }
    }

    /**
     * Nobody holds the VIP after a withdrawal or after the holder left, yet a claim may still stand: one that lost
     * to the holder, or one the others saw first (this member joined as claims crossed). When exactly one member's
     * last STATE still claims the VIP, it is the holder. Otherwise that claimer would wait for this member's answer, and its claim, already said, would not
     * come again. With several, each but one withdraws, and the last withdrawal decides. Every member decides this
     * from the same stream.
     */
    private void standingClaim() {
        int claimer = -1;
        for (int m : members) {
            ClusterMessage.State st = states.get(m);
            if (st != null && st.vipHeld() && configured.containsKey(m)) {
                if (claimer >= 0) {
                    return;
                }
                claimer = m;
            }
        }
        if (claimer >= 0) {
            holder = claimer;
            claimSeenBy.add(claimer);
        }
    }

    private void noHolder() {
        holder = -1;
        claimSeenBy.clear();
    }

    /** Member {@code from} saw {@code claimer}'s claim first (ignored when it is not the claim this node saw first). */
    void claimSeen(int from, int claimer) {
        if (holder == claimer && members.contains(from)) {
            claimSeenBy.add(from);
        }
    }

    /**
     * Every present member said the holder's claim was the first it saw. Only then may the holder take the VIP: a
     * claim that reached only part of the group (its sender, cut off as it went out, or the far side of a
     * partition) never gathers the others', and a rival claim that came first somewhere else cannot gather this
     * one's.
     */
    boolean claimSeenByAll() {
        return holder >= 0 && claimSeenBy.containsAll(members);
    }

    void givenUp(int node) {
        if (!members.contains(node)) {
            givenUp.add(node);
        }
    }

    void fenced(int node) {
        lostHolders.remove(node);
    }

    void pcRecoveryFailed() {
        pcRecoveryFailed = true;
    }

    boolean inGroup() {
        return joined;
    }

    boolean isMember(int node) {
        return members.contains(node);
    }

    Election.Member member(int node) {
        return configured.get(node);
    }

    Election.Member member(String name) {
        return configured.values().stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst().orElse(null);
    }

    List<Election.Member> configured() {
        return List.copyOf(configured.values());
    }

    String name(int node) {
        Election.Member m = configured.get(node);
        return m != null ? m.name() : "node " + node;
    }

    Set<Integer> members() {
        return java.util.Collections.unmodifiableSet(members);
    }

    ClusterMessage.State stateOf(int node) {
        return states.get(node);
    }

    Set<Integer> givenUp() {
        return java.util.Collections.unmodifiableSet(givenUp);
    }

    Set<Integer> lostHolders() {
        return java.util.Collections.unmodifiableSet(lostHolders);
    }

    boolean pcRecoveryHasFailed() {
        return pcRecoveryFailed;
    }

    /** A configured member (other than {@code self}) whose Galera node is in the Primary Component, or -1. */
    int primaryMember(int self) {
        for (int m : members) {
            ClusterMessage.State s = states.get(m);
            if (m != self && configured.containsKey(m) && s != null && s.phase() == Phase.RUNNING && s.primary()) {
                return m;
            }
        }
        return -1;
    }

    /** The member holding the VIP, or whose claim on it came first in the agreed order; -1 for none. */
    int holder() {
        return holder;
    }

    /**
     * Who should claim the VIP: the holder when there is one, else the lowest node id among the members that say
     * they are eligible (Primary, Synced, ready); -1 for nobody.
     */
    int designatedHolder() {
        if (holder >= 0) {
            return holder;
        }
        for (int m : members) {
            ClusterMessage.State s = states.get(m);
            if (s != null && configured.containsKey(m) && s.eligible()) {
                return m;
            }
        }
        return -1;
    }

    /**
     * What holds an election up among the present members: a member whose state is not known yet or that is not
     * stopped with its report; null when every configured member present has reported.
     */
    String notReady() {
        List<String> waiting = new ArrayList<>();
        for (int m : members) {
            if (!configured.containsKey(m)) {
                continue;
            }
            ClusterMessage.State s = states.get(m);
            if (s == null) {
                waiting.add(name(m) + " (state not heard yet)");
            } else if (s.phase() != Phase.REPORTED || s.report() == null) {
                waiting.add(name(m) + " (" + s.phase() + (s.phase() == Phase.RUNNING ? s.primary() ? ", Primary"
                        : ", not Primary" : "") + ")");
            }
        }
        return waiting.isEmpty() ? null : String.join(", ", waiting);
    }

    /** The reports of the present configured members, by node id. */
    Map<Integer, Report> reports() {
        Map<Integer, Report> out = new TreeMap<>();
        for (int m : members) {
            ClusterMessage.State s = states.get(m);
            if (configured.containsKey(m) && s != null && s.report() != null) {
                out.put(m, s.report());
            }
        }
        return out;
    }

    /**
     * Whether Galera's own pc.recovery should get its chance: every configured member is present, none tried it
     * in this outage, and all of them saved the same Primary Component view (only then does every member of that
     * component come back, which pc.recovery needs).
     */
    boolean pcRecoveryPossible() {
        if (pcRecoveryFailed || !members.containsAll(configured.keySet())) {
            return false;
        }
        Object view = null;
        for (int m : configured.keySet()) {
            ClusterMessage.State s = states.get(m);
            if (s == null || s.report() == null || s.report().view() == null) {
                return false;
            }
            if (view != null && !view.equals(s.report().view())) {
                return false;
            }
            view = s.report().view();
        }
        return true;
    }

    /** Whether a present member is in Galera's pc.recovery (and nobody said it failed). */
    boolean pcRecoveryUnderWay() {
        if (pcRecoveryFailed) {
            return false;
        }
        for (int m : members) {
            ClusterMessage.State s = states.get(m);
            if (configured.containsKey(m) && s != null && s.phase() == Phase.PC_RECOVERY) {
                return true;
            }
        }
        return false;
    }

    /** A line per configured member: its phase and flags as last delivered, or why nothing is known. */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Election.Member m : configured.values()) {
            ClusterMessage.State s = states.get(m.nodeId());
            String what = !members.contains(m.nodeId()) ? (givenUp.contains(m.nodeId()) ? "given up (fenced)"
                    : "not in the group") + (lostHolders.contains(m.nodeId()) ? ", lost while holding the VIP" : "")
                    : s == null ? "in the group, state not heard yet"
                    : s.phase() + (s.primary() ? " Primary" : "") + (s.eligible() ? " eligible" : "")
                    + (s.vipHeld() ? (holder == m.nodeId() ? " holds the VIP" : " claims the VIP") : "")
                    + (s.report() != null ? " position " + s.report() : "");
            out.add(m.name() + " (node " + m.nodeId() + "): " + what);
        }
        return out;
    }
}
