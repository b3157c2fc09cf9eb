package dev.palisade.drivers.corosync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.net.NetNamespace;
import dev.palisade.drivers.testing.CorosyncRing;
import dev.palisade.drivers.testing.Scratch;
import dev.palisade.drivers.testing.TestTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The votequorum and CPG bindings against three real corosync daemons (knet over veth, token 300 ms): quorum
 * and node lists as they change, agreed-order delivery to every member, membership changes with their
 * reasons, a corosync that dies or freezes, and callbacks that keep working after garbage collection.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorosyncClientTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static Path dir;
    private static CorosyncRing ring;
    private static final Recorder[] recorders = new Recorder[3];
    private static final Cpg[] cpg = new Cpg[3];
    private static Votequorum quorum;
    private static final List<String> quorumEvents = new CopyOnWriteArrayList<>();

    /** Everything one CPG member heard, in order. */
    static final class Recorder implements Cpg.Listener {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final List<String> memberships = new CopyOnWriteArrayList<>();
        final List<String> rings = new CopyOnWriteArrayList<>();
        final List<String> closed = new CopyOnWriteArrayList<>();

        @Override
        public void deliver(int nodeId, int pid, byte[] message) {
            delivered.add(nodeId + ":" + new String(message, StandardCharsets.UTF_8));
        }

        @Override
        public void membership(List<Cpg.Member> members, List<Cpg.Member> left, List<Cpg.Member> joined) {
            memberships.add(members.stream().map(m -> String.valueOf(m.nodeId())).sorted().toList() + " left "
                    + left.stream().map(m -> m.nodeId() + "/" + m.reason()).toList());
        }

        @Override
        public void ring(RingId r, List<Integer> nodes) {
            rings.add(r + " " + nodes);
        }

        @Override
        public void closed(String reason) {
            closed.add(reason);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("corosync");
        ring = CorosyncRing.create(dir, 3, 300);
        for (int i = 1; i <= 3; i++) {
            ring.start(i);
        }
        assertTrue(await(Duration.ofSeconds(30), () -> ring.quorumtool(1) == 0), "not quorate" + ring.log(1));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Cpg c : cpg) {
            if (c != null) {
                c.close();
            }
        }
        if (quorum != null) {
            quorum.close();
        }
        if (ring != null) {
            ring.close();
        }
        Scratch.deleteTree(dir);
    }

    /** Runs {@code open} on a thread inside node {@code id}'s network namespace (the dispatch thread it starts inherits it). */
    static <T> T inNode(int id, Callable<T> open) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                NetNamespace.enter(ring.netns(id));
                f.complete(open.call());
            } catch (Exception | Error e) {
                f.completeExceptionally(e);
            }
        }, "client-n" + id);
        t.start();
        return f.get(TestTime.millis(20_000), TimeUnit.MILLISECONDS);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static boolean await(Duration max, Check c) throws Exception {
        long deadline = System.nanoTime() + TestTime.scaled(max).toNanos();
        while (System.nanoTime() < deadline) {
            if (c.ok()) {
                return true;
            }
            Thread.sleep(20);
        }
        return c.ok();
    }

    static boolean any(List<String> events, Predicate<String> p) {
        return events.stream().anyMatch(p);
    }

    @Test
    @Order(1)
    void votequorumReportsTheQuorateMembershipAtOnceAndAnswersGetinfo() throws Exception {
        quorum = inNode(1, () -> Votequorum.open(new Votequorum.Listener() {
            @Override
            public void quorum(boolean quorate, List<Votequorum.Node> nodes) {
                quorumEvents.add("quorate=" + quorate + " " + nodes.stream().filter(n -> n.state()
                        == Votequorum.NodeState.MEMBER).map(Votequorum.Node::nodeId).sorted().toList());
            }

            @Override
            public void nodeList(RingId r, List<Integer> members) {
                quorumEvents.add("ring " + r + " " + members.stream().sorted().toList());
            }

            @Override
            public void closed(String reason) {
                quorumEvents.add("closed " + reason);
            }
        }, DEADLINE));
        assertTrue(await(Duration.ofSeconds(5), () -> quorumEvents.contains("quorate=true [1, 2, 3]")), quorumEvents.toString());
        assertTrue(await(Duration.ofSeconds(5), () -> any(quorumEvents, e -> e.startsWith("ring ") && e.endsWith("[1, 2, 3]"))),
                quorumEvents.toString());
        Votequorum.Info me = quorum.info(0);
        assertEquals(1, me.nodeId());
        assertTrue(me.quorate());
        assertEquals(3, me.totalVotes());
        assertEquals(2, me.quorum());
        assertEquals(Votequorum.NodeState.MEMBER, quorum.info(2).state());
    }

    @Test
    @Order(2)
    void everyMemberDeliversEveryMessageInTheSameOrder() throws Exception {
        for (int i = 0; i < 3; i++) {
            int id = i + 1;
            recorders[i] = new Recorder();
            cpg[i] = inNode(id, () -> Cpg.open("palisade-test", recorders[id - 1], DEADLINE));
            assertEquals(id, cpg[i].localNodeId());
        }
        for (Recorder r : recorders) {
            assertTrue(await(Duration.ofSeconds(5), () -> any(r.memberships, m -> m.startsWith("[1, 2, 3]"))),
                    r.memberships.toString());
            assertTrue(await(Duration.ofSeconds(5), () -> any(r.rings, x -> x.endsWith("[1, 2, 3]"))),
                    r.rings.toString()); // the initial totem view
        }
        // votequorum and CPG name the same totem ring for the same membership (the cluster node matches them)
        String cpgRing = recorders[0].rings.get(recorders[0].rings.size() - 1).split(" ")[0];
        assertTrue(await(Duration.ofSeconds(5), () -> any(quorumEvents, e -> e.startsWith("ring " + cpgRing + " "))),
                cpgRing + " vs " + quorumEvents);
        // three senders at once, many messages each; garbage collection meanwhile must not free a callback
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int id = i;
            senders.add(new Thread(() -> {
                for (int k = 0; k < 200; k++) {
                    try {
                        cpg[id].send(("m" + k).getBytes(StandardCharsets.UTF_8));
                    } catch (CorosyncException e) {
                        throw new AssertionError(e);
                    }
                    if (k % 50 == 0) {
                        System.gc();
                    }
                }
            }));
        }
        senders.forEach(Thread::start);
        for (Thread t : senders) {
            t.join(TestTime.millis(30_000));
        }
        for (Recorder r : recorders) {
            assertTrue(await(Duration.ofSeconds(10), () -> r.delivered.size() == 600), "delivered " + r.delivered.size());
        }
        assertEquals(recorders[0].delivered, recorders[1].delivered);
        assertEquals(recorders[0].delivered, recorders[2].delivered);
        for (int i = 1; i <= 3; i++) { // each sender's own messages stay in the order sent
            String prefix = i + ":m";
            List<Integer> mine = recorders[0].delivered.stream().filter(s -> s.startsWith(prefix))
                    .map(s -> Integer.parseInt(s.substring(prefix.length()))).toList();
            assertEquals(200, mine.size());
            for (int k = 0; k < 200; k++) {
                assertEquals(k, mine.get(k));
            }
        }
    }

    @Test
    @Order(3)
    void aMessageLargerThanCorosyncDeliversWholeIsRefusedBeforeItIsSent() {
        byte[] big = new byte[cpg[0].maxMessage() + 1];
        assertThrows(CorosyncException.class, () -> cpg[0].send(big));
    }

    @Test
    @Order(8)
    void aFrozenCorosyncFailsTheCallAtItsDeadlineInsteadOfHangingTheCaller() throws Exception {
        ring.signal(1, "STOP");
        try {
            long t0 = System.nanoTime();
            CorosyncException e = assertThrows(CorosyncException.class, () -> quorum.info(0));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("did not return within 2000 ms"), e.getMessage());
            assertTrue(ms >= 1900 && ms < TestTime.millis(4000), "took " + ms + " ms");
        } finally {
            ring.signal(1, "CONT");
        }
        // the stuck call returns once corosync runs again (the others took it for dead meanwhile: a 2 s freeze is far
        // past a 300 ms token), and the handle goes on working
        assertTrue(await(Duration.ofSeconds(10), () -> {
            try {
                return quorum.info(0).quorate();
            } catch (CorosyncException again) {
                return false;
            }
        }));
    }

    @Test
    @Order(5)
    void aNodeThatDiesLeavesTheGroupAndItsClientsAreToldTheConnectionClosed() throws Exception {
        int before = recorders[0].memberships.size();
        ring.signal(3, "KILL");
        assertTrue(await(Duration.ofSeconds(10), () -> recorders[0].memberships.size() > before
                && any(recorders[0].memberships, m -> m.equals("[1, 2] left [3/NODEDOWN]"))), recorders[0].memberships.toString());
        assertTrue(await(Duration.ofSeconds(10), () -> quorumEvents.contains("quorate=true [1, 2]")), quorumEvents.toString());
        assertTrue(await(Duration.ofSeconds(10), () -> !recorders[2].closed.isEmpty()), "client of n3 not told");
        assertFalse(cpg[2].open());
        assertThrows(CorosyncException.class, () -> cpg[2].send(new byte[] {1}));
        cpg[2] = null;
    }

    @Test
    @Order(6)
    void withTwoOfThreeGoneThePartitionIsNoLongerQuorate() throws Exception {
        ring.signal(2, "KILL");
        assertTrue(await(Duration.ofSeconds(10), () -> quorumEvents.contains("quorate=false [1]")), quorumEvents.toString());
        assertFalse(quorum.info(0).quorate());
        ring.start(2);
        assertTrue(await(Duration.ofSeconds(15), () -> quorumEvents.lastIndexOf("quorate=true [1, 2]")
                > quorumEvents.indexOf("quorate=false [1]")), quorumEvents.toString());
    }

    @Test
    @Order(7)
    void aMemberThatLeavesIsSeenLeavingAndCloseIsIdempotent() throws Exception {
        assertFalse(cpg[1].open()); // its corosync was killed before
        recorders[1] = new Recorder();
        cpg[1] = inNode(2, () -> Cpg.open("palisade-test", recorders[1], DEADLINE));
        assertTrue(await(Duration.ofSeconds(10), () -> recorders[0].memberships.get(recorders[0].memberships.size() - 1)
                .startsWith("[1, 2] left []")), recorders[0].memberships.toString());
        cpg[1].close();
        assertTrue(await(Duration.ofSeconds(10), () -> any(recorders[0].memberships, m -> m.equals("[1] left [2/LEAVE]"))),
                recorders[0].memberships.toString());
        cpg[1].close();
        cpg[1] = null;
    }
}
