package dev.palisade.supervisor.cluster;

import static dev.palisade.supervisor.cluster.MachineFixture.VIEW_A;
import static dev.palisade.supervisor.cluster.MachineFixture.VIEW_B;
import static dev.palisade.supervisor.cluster.MachineFixture.phase;
import static dev.palisade.supervisor.cluster.MachineFixture.primary;
import static dev.palisade.supervisor.cluster.MachineFixture.report;
import static dev.palisade.supervisor.cluster.MachineFixture.reported;
import static dev.palisade.supervisor.cluster.MachineFixture.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.cluster.ClusterMachine.GaleraStatus;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decision machine of one node, event by event, with the group's deliveries fed by hand. */
class ClusterMachineTest {
    private static final GaleraStatus SYNCED = new GaleraStatus(true, true, true, true);
    private static final GaleraStatus DONOR = new GaleraStatus(true, true, false, true);
    private static final GaleraStatus NON_PRIMARY = new GaleraStatus(true, false, false, false);

    @Test
    void everyPhaseAndEventHasAHandlerOrIsDeclaredIgnored() {
        MachineFixture f = new MachineFixture(1);
        for (Phase p : Phase.values()) {
            for (ClusterMachine.Event e : ClusterMachine.Event.values()) {
                assertNotNull(f.m.table().get(p).get(e), p + " x " + e);
            }
        }
    }

    @Test
    void aServerFoundRunningAtStartIsAdoptedAndAStoppedOneHasItsPositionRead() {
        MachineFixture running = new MachineFixture(1);
        running.m.monitored(SYNCED);
        assertEquals(Phase.RUNNING, running.m.phase());
        assertFalse(running.did("recover"));
        MachineFixture stopped = new MachineFixture(1);
        stopped.m.monitored(GaleraStatus.NOT_RUNNING);
        assertEquals(Phase.RECOVERING, stopped.m.phase());
        assertEquals("recover", stopped.lastEffect());
    }

    @Test
    void aStoppedNodeJoinsAPrimaryMemberAndNeverBootstrapsThen() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(99), 1, 2, 3);
        f.m.delivered(2, primary(true, true));
        assertEquals("start JOIN", f.lastEffect());
        assertEquals(Phase.JOINING, f.m.phase());
        assertFalse(f.did("start BOOTSTRAP"));
        f.m.delivered(3, reported(report(5))); // anything after: it is joining
        assertEquals(1, f.effects.stream().filter(e -> e.startsWith("start")).count());
        f.m.started(true, "Synced");
        assertEquals(Phase.RUNNING, f.m.phase());
    }

    @Test
    void aMinorityNeverStartsGaleraEvenWhenItHearsAPrimaryMember() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2);
        f.m.quorum(false);
        f.m.delivered(2, primary(true, true));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")), f.effects.toString());
        assertTrue(f.m.lastDecision().contains("waiting for quorum"), f.m.lastDecision());
        f.m.quorum(true);
        assertEquals("start JOIN", f.lastEffect());
    }

    @Test
    void afterAFullOutageTheElectedNodeBootstrapsOnceAndTheOthersJoinIt() {
        MachineFixture winner = new MachineFixture(2).stoppedWith(report(7, false, true, null), 1, 2, 3);
        MachineFixture other = new MachineFixture(1).stoppedWith(report(5, false, true, null), 1, 2, 3);
        for (MachineFixture f : List.of(winner, other)) {
            f.m.delivered(1, reported(report(5, false, true, null)));
            f.m.delivered(2, reported(report(7, false, true, null)));
            assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")), "n3 has not reported yet");
            f.m.delivered(3, reported(report(6, false, true, null)));
        }
        assertEquals("start BOOTSTRAP", winner.lastEffect());
        assertEquals(Phase.BOOTSTRAPPING, winner.m.phase());
        assertTrue(other.m.lastDecision().contains("n2 bootstraps"), other.m.lastDecision());
        assertFalse(other.effects.stream().anyMatch(e -> e.startsWith("start")));
        other.m.delivered(2, phase(Phase.BOOTSTRAPPING));
        assertFalse(other.effects.stream().anyMatch(e -> e.startsWith("start")));
        other.m.delivered(2, primary(true, false));
        assertEquals("start JOIN", other.lastEffect());
        winner.m.started(true, "Primary");
        winner.m.delivered(3, reported(report(99))); // a late report never re-runs the election for a running node
        assertEquals(1, winner.effects.stream().filter(e -> e.startsWith("start")).count());
    }

    @Test
    void aMissingMemberBlocksTheElectionUntilItComesBack() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2);
        f.m.delivered(2, reported(report(5)));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        assertTrue(f.m.lastDecision().contains("waiting for n3") && f.m.lastDecision()
                .contains("palisade ctl force-bootstrap n3"), f.m.lastDecision());
        f.now += 600_000; // waiting longer changes nothing
        f.m.tick();
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        f.m.view(set(1, 2, 3), Set.of());
        f.m.delivered(3, reported(report(4)));
        assertEquals("start BOOTSTRAP", f.lastEffect());
    }

    @Test
    void aStaleNodeThatComesBackFirstWaits() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(3), 1);
        f.m.quorum(false); // alone of three
        f.now += 300_000;
        f.m.tick();
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        f.m.quorum(true);
        f.m.view(set(1, 2), Set.of());
        f.m.delivered(2, reported(report(2)));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")), "n3 may hold the latest commits");
        f.m.view(set(1, 2, 3), Set.of());
        f.m.delivered(3, reported(report(8)));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        assertTrue(f.m.lastDecision().contains("n3 bootstraps"), f.m.lastDecision());
        f.m.delivered(3, primary(true, false));
        assertEquals("start JOIN", f.lastEffect());
    }

    @Test
    void aMemberMarkedSafeToBootstrapLetsTheElectionGoOnWithoutTheMissingOne() {
        MachineFixture f = new MachineFixture(2).stoppedWith(report(12, true, false, null), 1, 2);
        f.m.delivered(1, reported(report(11)));
        assertEquals("start BOOTSTRAP", f.lastEffect());
    }

    @Test
    void forceBootstrapFencesTheMissingMemberFirstThenTheElectionGoesOnWithoutIt() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9, false, true, null), 1, 2);
        f.m.delivered(2, reported(report(5, false, true, null)));
        int mark = f.sent.size();
        f.m.forceBootstrap("n3", f.answers::add);
        assertEquals("fence n3", f.lastEffect());
        assertTrue(f.answers.isEmpty(), "answered when fenced");
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        f.m.fenced(3, true, "power verified off by level 1");
        assertEquals(1, f.answers.size());
        assertTrue(f.answers.get(0).startsWith("n3 fenced"), f.answers.toString());
        assertTrue(f.sent.subList(mark, f.sent.size()).contains(new ClusterMessage.Forced(3)), f.sent.toString());
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")), "only once the group agreed");
        f.deliverAllOwn(mark);
        assertEquals("start BOOTSTRAP", f.lastEffect());
    }

    @Test
    void forceBootstrapIsRefusedWhereItWouldBeWrong() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2);
        f.m.forceBootstrap("n2", f.answers::add);
        f.m.forceBootstrap("n1", f.answers::add);
        f.m.forceBootstrap("n9", f.answers::add);
        f.m.quorum(false);
        f.m.forceBootstrap("n3", f.answers::add);
        f.m.quorum(true);
        f.m.delivered(2, primary(true, true));
        f.m.forceBootstrap("n3", f.answers::add);
        assertEquals(5, f.answers.size());
        assertTrue(f.answers.get(0).contains("n2 is in the group"), f.answers.get(0));
        assertTrue(f.answers.get(1).contains("this node"), f.answers.get(1));
        assertTrue(f.answers.get(2).contains("no member 'n9'"), f.answers.get(2));
        assertTrue(f.answers.get(3).contains("not quorate"), f.answers.get(3));
        assertTrue(f.answers.get(4).contains("the cluster is up"), f.answers.get(4));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("fence")));
    }

    @Test
    void aForceWhoseFenceFailsForcesNothing() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2);
        f.m.delivered(2, reported(report(5)));
        f.m.forceBootstrap("n3", f.answers::add);
        f.m.fenced(3, false, "BMC does not answer");
        assertTrue(f.answers.get(0).startsWith("error: n3 NOT fenced"), f.answers.toString());
        assertFalse(f.sent.stream().anyMatch(s -> s instanceof ClusterMessage.Forced));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
    }

    @Test
    void galerasOwnRecoveryGetsOneBoundedTryWhenEveryMemberSavedTheSameView() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9, false, true, VIEW_A), 1, 2, 3);
        f.m.delivered(2, reported(report(9, false, true, VIEW_A)));
        f.m.delivered(3, reported(report(9, false, true, VIEW_A)));
        assertEquals("start PC_RECOVERY", f.lastEffect());
        int mark = f.sent.size();
        f.m.started(false, "not Primary within 30 s");
        assertTrue(f.sent.subList(mark, f.sent.size()).contains(new ClusterMessage.PcRecoveryFailed()));
        assertEquals("recover", f.lastEffect());
        f.m.positionRecovered(report(9, false, true, VIEW_A));
        f.deliverOwn();
        f.m.delivered(2, reported(report(9, false, true, VIEW_A)));
        f.m.delivered(3, reported(report(9, false, true, VIEW_A)));
        assertEquals("start BOOTSTRAP", f.lastEffect(), "no second try: the election");
    }

    /**
     * Found on the lab: a node that joined the group last heard n2's PC_RECOVERY before n1's report and waited for
     * n2 to report again, while n1 and n2 waited in pc.recovery for it.
     */
    @Test
    void aNodeThatHeardTheReportsLateTakesPartInThePcRecoveryTheOthersStarted() {
        MachineFixture f = new MachineFixture(3).stoppedWith(report(9, false, true, VIEW_A), 1, 2, 3);
        f.m.delivered(2, pcRecovery(report(9, false, true, VIEW_A)));
        f.m.delivered(1, pcRecovery(report(7, false, true, VIEW_A)));
        assertEquals("start PC_RECOVERY", f.lastEffect());
        assertEquals(Phase.PC_RECOVERY, f.m.phase());
    }

    @Test
    void aPcRecoveryOfAnotherViewOrOneThatFailedIsNotJoined() {
        MachineFixture other = new MachineFixture(3).stoppedWith(report(9, false, true, VIEW_A), 1, 2, 3);
        other.m.delivered(2, pcRecovery(report(9, false, true, VIEW_B)));
        other.m.delivered(1, reported(report(9, false, true, VIEW_B)));
        assertFalse(other.did("start PC_RECOVERY"));
        assertEquals(Phase.REPORTED, other.m.phase());
        MachineFixture failed = new MachineFixture(3).stoppedWith(report(9, false, true, VIEW_A), 1, 2, 3);
        failed.m.delivered(1, new ClusterMessage.PcRecoveryFailed());
        failed.m.delivered(2, pcRecovery(report(9, false, true, VIEW_A)));
        failed.m.delivered(1, reported(report(9, false, true, VIEW_A)));
        assertFalse(failed.did("start PC_RECOVERY"));
    }

    static ClusterMessage.State pcRecovery(Report r) {
        return new ClusterMessage.State(Phase.PC_RECOVERY, false, false, false, r);
    }

    @Test
    void differentSavedViewsGoStraightToTheElection() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(4, false, true, VIEW_A), 1, 2, 3);
        f.m.delivered(2, reported(report(9, false, true, VIEW_B)));
        f.m.delivered(3, reported(report(9, false, true, VIEW_B)));
        assertFalse(f.did("start PC_RECOVERY"));
        assertTrue(f.m.lastDecision().contains("n2 bootstraps"), f.m.lastDecision());
    }

    @Test
    void theDesignatedEligibleNodeTakesTheVipAndReleasesItAtOnceWhenItIsNoLongerSynced() {
        MachineFixture f = new MachineFixture(1).runningAs(SYNCED, 1, 2, 3);
        assertEquals("vip take", f.lastEffect());
        assertTrue(f.m.vipHeld());
        assertTrue(((ClusterMessage.State) f.sent.get(f.sent.size() - 1)).vipHeld(), "its claim went out first");
        f.m.monitored(DONOR);
        assertTrue(f.lastEffect().startsWith("vip release: Galera is not Primary, Synced and ready"), f.lastEffect());
        f.deliverOwn();
        f.m.monitored(SYNCED);
        f.deliverOwn();
        assertEquals("vip take", f.lastEffect());
        f.m.quorum(false);
        assertEquals("vip release: the partition is not quorate", f.lastEffect());
    }

    @Test
    void theLowestEligibleNodeTakesTheVipAndAHolderKeepsItWhenALowerOneBecomesEligible() {
        MachineFixture n2 = new MachineFixture(2).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, false));
        assertFalse(n2.did("vip take"), "n1 is eligible and lower");
        MachineFixture held = new MachineFixture(2).runningAs(SYNCED, 2, 3);
        assertTrue(held.m.vipHeld(), "the lowest eligible of those heard");
        held.m.view(set(1, 2, 3), Set.of());
        held.deliverOwn();
        held.m.delivered(1, primary(true, false));
        assertTrue(held.m.vipHeld());
        assertEquals(1, held.effects.stream().filter(e -> e.equals("vip take")).count());
        MachineFixture n1 = new MachineFixture(1).runningAfter(SYNCED, new int[] {1, 2, 3}, 2, primary(true, true));
        assertFalse(n1.did("vip take"), "n2 holds it");
    }

    @Test
    void theVipOfAMemberLostWhileHoldingItIsTakenOnlyAfterThatMemberIsFenced() {
        MachineFixture f = new MachineFixture(1).runningAfter(SYNCED, new int[] {1, 2, 3}, 2, primary(true, true));
        assertFalse(f.m.vipHeld());
        f.effects.clear();
        f.m.view(set(1, 3), set(2));
        assertEquals(List.of("fence n2"), f.effects);
        assertFalse(f.m.vipHeld());
        assertTrue(f.m.fencing(), "a fence is under way (fence devices are not read meanwhile)");
        f.m.fenced(2, false, "BMC timeout");
        assertFalse(f.m.fencing());
        assertFalse(f.m.vipHeld());
        f.now += 2_000;
        f.m.tick();
        assertEquals("fence n2", f.lastEffect(), "retried");
        f.m.fenced(2, true, "power verified off");
        f.m.delivered(1, new ClusterMessage.Fenced(2));
        f.deliverOwn();
        assertEquals("vip take", f.lastEffect());
        assertTrue(f.sent.contains(new ClusterMessage.Fenced(2)));
        MachineFixture other = new MachineFixture(3).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, false),
                2, primary(true, true));
        other.effects.clear();
        other.m.view(set(1, 3), set(2));
        assertTrue(other.effects.isEmpty(), "only the designated holder fences: " + other.effects);
        other.m.delivered(1, new ClusterMessage.Fenced(2));
        other.m.delivered(1, primary(true, true));
        assertFalse(other.m.vipHeld());
    }

    @Test
    void aNodeCutOffThatSeesTheOthersLeaveBeforeVotequorumAnswersNeverFencesNorTakesOver() {
        // n2 is cut off from n1 (the holder) and n3: its group shrinks to itself, and votequorum announces the new
        // node list, a moment before votequorum says it lost quorum; in that moment it must not act as the majority
        MachineFixture f = new MachineFixture(2).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, true));
        f.effects.clear();
        f.groupMoves();
        f.m.view(set(2), set(1, 3));
        f.m.quorumRing("1.2"); // votequorum's node list for the new ring: its quorum answer is still to come
        f.now += 1_000;
        f.m.tick();
        assertTrue(f.effects.isEmpty(), "a minority acted as the majority: " + f.effects);
        f.m.quorum(false);
        assertTrue(f.effects.stream().noneMatch(e -> e.startsWith("fence") || e.equals("vip take")), f.effects.toString());
        // the majority's side of the same change: once votequorum answers for the new ring, n2 (the lowest eligible)
        // fences the holder before it takes over, and n3 leaves it to n2
        for (int self : new int[] {2, 3}) {
            MachineFixture m = new MachineFixture(self).runningAfter(SYNCED, new int[] {1, 2, 3}, 1,
                    primary(true, true), 5 - self, primary(true, false));
            m.effects.clear();
            m.groupMoves();
            m.m.view(set(2, 3), set(1));
            assertTrue(m.effects.isEmpty(), m.effects.toString());
            m.votequorumSays(true);
            assertEquals(self == 2 ? List.of("fence n1") : List.of(), m.effects);
        }
    }

    @Test
    void aNodeCutOffActsOnNothingBetweenCpgsMembershipAndItsRing() {
        // corosync's CPG tells who left before it tells the new ring; votequorum's answer for the new ring is later
        MachineFixture f = new MachineFixture(2).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, true));
        f.effects.clear();
        f.m.view(set(2), set(1, 3), true);
        f.now += 1_000;
        f.m.tick();
        assertTrue(f.effects.isEmpty(), "acted on the old quorum: " + f.effects);
        f.groupMoves();
        assertTrue(f.effects.isEmpty(), f.effects.toString());
        f.votequorumSays(false);
        assertTrue(f.effects.stream().noneMatch(e -> e.startsWith("fence") || e.equals("vip take")), f.effects.toString());
    }

    @Test
    void noBootstrapWhileTheMembershipIsChanging() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2, 3);
        f.groupMoves();
        f.m.delivered(2, reported(report(5)));
        f.m.delivered(3, reported(report(7)));
        assertFalse(f.did("start BOOTSTRAP"));
        assertTrue(f.m.lastDecision().contains("agree on the membership"), f.m.lastDecision());
        f.votequorumSays(true);
        assertEquals("start BOOTSTRAP", f.lastEffect());
    }

    @Test
    void aLostHolderThatComesBackHoldingNothingIsNotFencedAgain() {
        MachineFixture f = new MachineFixture(1).runningAfter(SYNCED, new int[] {1, 2, 3}, 2, primary(true, true));
        f.effects.clear();
        f.m.view(set(1, 3), set(2));
        assertEquals(List.of("fence n2"), f.effects);
        f.m.view(set(1, 2, 3), Set.of()); // a moment's split: it is back
        f.m.delivered(2, primary(false, false)); // it released when it lost quorum
        f.m.fenced(2, false, "not fenced: back in the group");
        f.now += 10_000;
        f.m.tick();
        assertEquals(1, f.effects.stream().filter(e -> e.equals("fence n2")).count(), f.effects.toString());
        f.deliverOwn();
        assertTrue(f.m.vipHeld(), "nobody holds it now: the lowest eligible claims and takes it");
    }

    @Test
    void twoNodesThatDecideAtDifferentPointsOfTheStreamNeverBothTakeTheVip() {
        // n1 released it; n3 decides (n2 not yet eligible) and claims; n2 becomes eligible and, the lowest, claims too
        MachineFixture n2 = new MachineFixture(2).runningAfter(DONOR, new int[] {1, 2, 3}, 1, primary(true, true),
                3, primary(true, false));
        n2.m.delivered(1, primary(false, false));
        n2.m.monitored(SYNCED);
        ClusterMessage.State claim3 = new ClusterMessage.State(Phase.RUNNING, true, true, true, null);
        n2.m.delivered(3, claim3); // n3's claim reaches the stream first
        n2.deliverOwn();
        assertFalse(n2.did("vip take"), "n3's claim came first: " + n2.effects);
        ClusterMessage.State last = n2.sent.stream().filter(ClusterMessage.State.class::isInstance)
                .map(ClusterMessage.State.class::cast).reduce((x, y) -> y).orElseThrow();
        assertFalse(last.vipHeld(), "n2 withdrew its claim");
        assertTrue(n2.sent.contains(new ClusterMessage.ClaimSeen(3)), "n2 says it saw n3's claim first: " + n2.sent);
    }

    @Test
    void aMemberThatSawAWithdrawnClaimFirstAnswersTheClaimThatStands() {
        // n3 joins as claims cross: the first claim in its stream is n2's, which n2 then withdraws (n1's came first
        // for the others); n1's claim was said once and is not said again, so n3 must take it from n1's last STATE
        MachineFixture n3 = new MachineFixture(3).runningAs(DONOR, 1, 2, 3);
        n3.m.delivered(2, primary(true, true));
        assertTrue(n3.sent.contains(new ClusterMessage.ClaimSeen(2)), n3.sent.toString());
        n3.m.delivered(1, primary(true, true)); // n1's claim, after n2's in this stream
        assertFalse(n3.sent.contains(new ClusterMessage.ClaimSeen(1)), "n2's came first here");
        n3.m.delivered(2, primary(true, false)); // n2 withdraws
        assertTrue(n3.sent.contains(new ClusterMessage.ClaimSeen(1)), "n1's claim stands: " + n3.sent);
        assertTrue(n3.m.members().stream().anyMatch(l -> l.startsWith("n1") && l.contains("holds the VIP")),
                n3.m.members().toString());
        // the first claimer leaves the group before it took the VIP: the claim that lost to it stands, and n1 said
        // it only once
        MachineFixture n5 = new MachineFixture(3).runningAs(DONOR, 1, 2, 3);
        n5.m.delivered(2, primary(true, true));
        n5.m.delivered(1, primary(true, true));
        assertFalse(n5.sent.contains(new ClusterMessage.ClaimSeen(1)), n5.sent.toString());
        n5.m.view(set(1, 3), set(2));
        assertTrue(n5.sent.contains(new ClusterMessage.ClaimSeen(1)), "n1's claim stands: " + n5.sent);
    }

    @Test
    void aClaimThatOnlyItsSenderDeliveredIsNeverTaken() {
        // n1 held the VIP and released it; n2, the lowest eligible, claims; a partition cuts n2 off as the claim goes
        // out: totem ordered it, so n2 delivers it to itself, but n1 and n3 never receive it
        MachineFixture n2 = new MachineFixture(2).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, true),
                3, primary(true, false));
        n2.m.delivered(1, primary(false, false));
        n2.deliverOwnAlone();
        assertTrue(n2.sent.stream().anyMatch(m -> m instanceof ClusterMessage.State st && st.vipHeld()), "it claimed");
        n2.now += 1_000;
        n2.m.tick();
        assertFalse(n2.did("vip take"), "taken on a claim n1 and n3 never saw: " + n2.effects);
        assertTrue(n2.m.lastDecision().contains("every member has seen the claim"), n2.m.lastDecision());
        n2.m.view(set(2), set(1, 3), true); // then it learns it is alone
        n2.groupMoves();
        n2.votequorumSays(false);
        assertFalse(n2.did("vip take"), n2.effects.toString());
        // the majority's side never saw n2's claim: n3 (now the lowest eligible there) claims; n2 is still in its
        // group until corosync says otherwise, so the claim waits for n2 too, then goes ahead without it
        MachineFixture n3 = new MachineFixture(3).runningAfter(SYNCED, new int[] {1, 2, 3}, 1, primary(true, true),
                2, primary(true, false));
        n3.m.delivered(1, primary(false, false));
        n3.m.delivered(2, primary(false, false)); // n2 not eligible in what n3 saw last
        n3.deliverOwnAlone();
        n3.m.delivered(1, new ClusterMessage.ClaimSeen(3));
        assertFalse(n3.did("vip take"), "n2 has not said it saw n3's claim: " + n3.effects);
        n3.m.delivered(2, new ClusterMessage.ClaimSeen(2)); // a rival claim's: it does not count for n3's
        assertFalse(n3.did("vip take"), n3.effects.toString());
        n3.groupMoves();
        n3.m.view(set(1, 3), set(2));
        n3.votequorumSays(true);
        assertEquals("vip take", n3.lastEffect(), "every present member saw n3's claim first");
    }

    @Test
    void aHolderThatLeftCleanlyIsNotFenced() {
        MachineFixture f = new MachineFixture(1).runningAfter(SYNCED, new int[] {1, 2, 3}, 2, primary(true, true));
        f.m.delivered(2, primary(false, false)); // it released before it left
        f.deliverOwn();
        assertEquals("vip take", f.lastEffect(), "the lowest eligible once nobody holds it");
        MachineFixture g = new MachineFixture(1).runningAfter(SYNCED, new int[] {1, 2, 3}, 2, primary(true, true));
        g.effects.clear();
        g.m.delivered(2, new ClusterMessage.State(Phase.STOPPING, false, false, false, null));
        g.m.view(set(1, 3), set(2));
        g.deliverOwn();
        assertEquals(List.of("vip take"), g.effects);
    }

    @Test
    void aNodeNotPrimaryForTooLongWhileQuorateStopsToRejoinButAMinorityKeepsWaiting() {
        MachineFixture f = new MachineFixture(1).runningAs(NON_PRIMARY, 1, 2, 3);
        f.now += 29_000;
        f.m.tick();
        assertFalse(f.did("stop"));
        f.now += 2_000;
        f.m.tick();
        assertEquals("stop", f.lastEffect());
        f.m.stopped(true, "");
        assertEquals("recover", f.lastEffect());
        MachineFixture minority = new MachineFixture(1).runningAs(NON_PRIMARY, 1);
        minority.m.quorum(false);
        minority.now += 600_000;
        minority.m.tick();
        assertFalse(minority.did("stop"));
    }

    @Test
    void aFailedBootstrapIsRetriedLaterAndNeverHandedToAnotherNode() {
        MachineFixture f = new MachineFixture(1).stoppedWith(report(9), 1, 2, 3);
        f.m.delivered(2, reported(report(5)));
        f.m.delivered(3, reported(report(7)));
        assertEquals("start BOOTSTRAP", f.lastEffect());
        f.m.started(false, "mariadbd exited");
        f.m.positionRecovered(report(9));
        f.deliverOwn();
        assertEquals(1, f.effects.stream().filter(e -> e.equals("start BOOTSTRAP")).count());
        assertTrue(f.m.lastDecision().contains("before starting again"), f.m.lastDecision());
        f.now += 5_000;
        f.m.tick();
        assertEquals("start BOOTSTRAP", f.lastEffect());
        MachineFixture n3 = new MachineFixture(3).stoppedWith(report(7), 1, 2, 3);
        n3.m.delivered(1, reported(report(9)));
        n3.m.delivered(2, reported(report(5)));
        n3.m.delivered(1, phase(Phase.BOOTSTRAPPING));
        n3.m.delivered(1, phase(Phase.DOWN));
        n3.m.delivered(1, reported(report(9)));
        assertFalse(n3.effects.stream().anyMatch(e -> e.startsWith("start")), n3.effects.toString());
    }

    @Test
    void anUnrecoverablePositionIsReportedAndNeverWins() {
        MachineFixture f = new MachineFixture(1);
        f.m.monitored(GaleraStatus.NOT_RUNNING);
        f.settledQuorum();
        f.m.view(set(1, 2), Set.of());
        f.m.positionFailed("no 'Recovered position' line", MachineFixture.U);
        assertEquals(Phase.REPORTED, f.m.phase());
        assertEquals(-1, f.m.report().seqno());
        f.deliverOwn();
        f.m.view(set(1, 2, 3), Set.of());
        f.m.delivered(2, reported(report(3)));
        f.m.delivered(3, reported(report(2)));
        assertFalse(f.did("start BOOTSTRAP"));
        assertTrue(f.m.lastDecision().contains("n2 bootstraps"), f.m.lastDecision());
    }

    @Test
    void shutdownReleasesTheVipStopsTheServerThenReportsDone() {
        MachineFixture f = new MachineFixture(1).runningAs(SYNCED, 1, 2, 3);
        assertTrue(f.m.vipHeld());
        f.m.shutdown();
        assertEquals(List.of("vip release: shutting down", "stop"), f.effects.subList(f.effects.size() - 2,
                f.effects.size()));
        assertFalse(f.shutdownComplete);
        f.m.stopped(true, "");
        assertTrue(f.shutdownComplete);
        assertFalse(f.did("recover"));
        MachineFixture joining = new MachineFixture(1).stoppedWith(report(3), 1, 2, 3);
        joining.m.delivered(2, primary(true, true));
        joining.m.shutdown();
        assertFalse(joining.shutdownComplete, "the join must answer first");
        joining.m.started(true, "");
        assertEquals("stop", joining.lastEffect());
        joining.m.stopped(true, "");
        assertTrue(joining.shutdownComplete);
    }

    @Test
    void aStopThatFailsLeavesTheNodeFailedUntilTheServerIsGone() {
        MachineFixture f = new MachineFixture(1).runningAs(NON_PRIMARY, 1, 2, 3);
        f.now += 31_000;
        f.m.tick();
        f.m.stopped(false, "still runs after 120 s");
        assertEquals(Phase.FAILED, f.m.phase());
        f.m.delivered(2, primary(true, true));
        assertFalse(f.effects.stream().anyMatch(e -> e.startsWith("start")));
        f.m.monitored(GaleraStatus.NOT_RUNNING);
        assertEquals("recover", f.lastEffect());
    }

    @Test
    void everyMemberHearsTheStatesAgainWhenSomeoneJoins() {
        MachineFixture f = new MachineFixture(1).runningAs(SYNCED, 1, 2);
        int before = f.sent.size();
        f.m.view(set(1, 2), Set.of());
        assertEquals(before, f.sent.size(), "nothing changed, nothing sent");
        f.m.view(set(1, 2, 3), Set.of());
        assertEquals(before + 1, f.sent.size());
        assertTrue(f.sent.get(f.sent.size() - 1) instanceof ClusterMessage.State);
    }
}
