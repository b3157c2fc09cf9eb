package dev.palisade.supervisor.cluster;

import dev.palisade.supervisor.cluster.galera.GvwState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * One {@link ClusterMachine} (node {@code self} of members n1..n3) under a hand-moved clock, with every effect
 * recorded as a line ("start BOOTSTRAP", "fence n3", "vip take", ...) and the group's deliveries fed by hand.
 */
final class MachineFixture implements ClusterMachine.Effects, ClusterMachine.Clock {
    static final UUID U = UUID.fromString("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c");
    static final GvwState.View VIEW_A = new GvwState.View(3, UUID.fromString("1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e"), 5);
    static final GvwState.View VIEW_B = new GvwState.View(3, UUID.fromString("1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e"), 7);
    static final List<Election.Member> MEMBERS = List.of(new Election.Member("n1", 1), new Election.Member("n2", 2),
            new Election.Member("n3", 3));

    final int self;
    final ClusterMachine m;
    final List<String> effects = new ArrayList<>();
    final List<ClusterMessage> sent = new ArrayList<>();
    final List<String> decisions = new ArrayList<>();
    final List<String> answers = new ArrayList<>();
    long now = 1_000_000;
    boolean shutdownComplete;

    MachineFixture(int self) {
        this.self = self;
        this.m = new ClusterMachine(new ClusterMachine.Settings(MEMBERS, self, Duration.ofSeconds(30),
                Duration.ofSeconds(5), Duration.ofSeconds(2), null), this, this);
    }

    @Override
    public long millis() {
        return now;
    }

    @Override
    public void recoverPosition() {
        effects.add("recover");
    }

    @Override
    public void startGalera(ClusterMachine.StartMode mode, Report from) {
        effects.add("start " + mode);
    }

    @Override
    public void stopGalera(String reason) {
        effects.add("stop");
    }

    @Override
    public void takeVip(String reason) {
        effects.add("vip take");
    }

    @Override
    public void releaseVip(String reason) {
        effects.add("vip release: " + reason);
    }

    @Override
    public void fence(Election.Member node, String reason) {
        effects.add("fence " + node.name());
    }

    @Override
    public void broadcast(ClusterMessage msg) {
        sent.add(msg);
    }

    @Override
    public void transition(Phase from, Phase to, String reason) {
    }

    @Override
    public void decision(String what) {
        decisions.add(what);
    }

    @Override
    public void shutdownComplete() {
        shutdownComplete = true;
    }

    static Report report(long seqno) {
        return new Report(U, seqno, false, false, null);
    }

    static Report report(long seqno, boolean safe, boolean recovered, GvwState.View view) {
        return new Report(U, seqno, safe, recovered, view);
    }

    static ClusterMessage.State reported(Report r) {
        return new ClusterMessage.State(Phase.REPORTED, false, false, false, r);
    }

    static ClusterMessage.State primary(boolean eligible, boolean vip) {
        return new ClusterMessage.State(Phase.RUNNING, true, eligible, vip, null);
    }

    static ClusterMessage.State phase(Phase p) {
        return new ClusterMessage.State(p, false, false, false, null);
    }

    /** Quorate, in a group of {@code members}, its server stopped with {@code mine} as its position (delivered back). */
    MachineFixture stoppedWith(Report mine, int... members) {
        m.monitored(ClusterMachine.GaleraStatus.NOT_RUNNING);
        settledQuorum();
        m.view(set(members), Set.of());
        m.positionRecovered(mine);
        deliverOwn();
        return this;
    }

    /** Quorate, in a group of {@code members}, its server running as {@code status}. */
    MachineFixture runningAs(ClusterMachine.GaleraStatus status, int... members) {
        m.monitored(status);
        settledQuorum();
        m.view(set(members), Set.of());
        deliverOwn();
        return this;
    }

    /**
     * Quorate, in a group of {@code members}, its server running as {@code status}, having heard {@code first}
     * (node id, state pairs) before its own state came back.
     */
    MachineFixture runningAfter(ClusterMachine.GaleraStatus status, int[] members, Object... first) {
        m.monitored(status);
        settledQuorum();
        m.view(set(members), Set.of());
        for (int i = 0; i < first.length; i += 2) {
            m.delivered((Integer) first[i], (ClusterMessage) first[i + 1]);
        }
        deliverOwn();
        return this;
    }

    private int ring = 1;

    /** Quorate, votequorum's answer and the group on the same ring. */
    void settledQuorum() {
        m.groupRing("1." + ring);
        votequorumSays(true);
    }

    /** A membership change as the group sees it: its ring moves on (votequorum has not told yet). */
    void ring(boolean quorate) {
        ring++;
        m.groupRing("1." + ring);
        votequorumSays(quorate);
    }

    /** A membership change seen by the group only. */
    void groupMoves() {
        ring++;
        m.groupRing("1." + ring);
    }

    /** votequorum's node list for the group's ring, then its quorum answer. */
    void votequorumSays(boolean quorate) {
        m.quorumRing("1." + ring);
        m.quorum(quorate);
    }

    private int deliveredUpTo;

    /**
     * Delivers this node's own STATEs back to it, as CPG does, until it sends no new one (a claim on the VIP goes
     * out and comes back before the VIP is taken); when it is the first claim, the other members of its group (in
     * the same stream) say they saw it. {@link #deliverOwnAlone} leaves them out.
     */
    void deliverOwn() {
        deliverOwn(true);
    }

    /** As {@link #deliverOwn}, with no other member saying it saw a claim (cut off as it went out). */
    void deliverOwnAlone() {
        deliverOwn(false);
    }

    private void deliverOwn(boolean othersSeeClaims) {
        for (int round = 0; round < 5 && deliveredUpTo < sent.size(); round++) {
            ClusterMessage.State last = null;
            for (int i = deliveredUpTo; i < sent.size(); i++) {
                if (sent.get(i) instanceof ClusterMessage.State st) {
                    last = st;
                }
            }
            deliveredUpTo = sent.size();
            if (last != null) {
                m.delivered(self, last);
                if (othersSeeClaims && last.vipHeld() && m.group().holder() == self) {
                    for (int other : m.group().members()) {
                        if (other != self) {
                            m.delivered(other, new ClusterMessage.ClaimSeen(self));
                        }
                    }
                }
            }
        }
    }

    /** Delivers every message this node sent (in order) back to it. */
    void deliverAllOwn(int from) {
        for (ClusterMessage msg : List.copyOf(sent.subList(from, sent.size()))) {
            m.delivered(self, msg);
        }
    }

    static Set<Integer> set(int... ids) {
        Set<Integer> s = new java.util.TreeSet<>();
        for (int i : ids) {
            s.add(i);
        }
        return s;
    }

    String lastEffect() {
        return effects.isEmpty() ? "" : effects.get(effects.size() - 1);
    }

    boolean did(String effect) {
        return effects.contains(effect);
    }
}
