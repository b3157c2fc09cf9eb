package dev.palisade.supervisor.cluster;

import dev.palisade.supervisor.cluster.galera.GvwState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Three real {@link ClusterMachine}s over a simulated Corosync and a simulated Galera, under simulated time and a
 * seeded schedule of faults: power cuts and returns, partitions and heals, crashed servers, full outages, an
 * operator's force-bootstrap. What is simulated, and how:
 * <ul>
 * <li>Corosync: a partition of the three nodes into components; a component is quorate with two or more powered
 *     nodes. Each membership change reaches every member as the CPG ring and view and as votequorum's node list then
 *     its quorum answer, in a random order between the two services (as the real ones race). Messages broadcast
 *     into a component are delivered to its members in one order, before the next membership change.</li>
 * <li>Galera: a Primary Component (PC) of running nodes; committed seqnos; a PC split keeps only a side with more
 *     than half of its members; a crash leaves grastate.dat at -1 and the saved view; a clean stop writes the
 *     seqno (safe_to_bootstrap on the last member); a join needs a PC in the joiner's component; pc.recovery needs
 *     every node back with the same saved view.</li>
 * <li>The application: commits through the VIP holder while it is in the PC; each commit reaches every PC member.</li>
 * </ul>
 * After every event the safety rules are checked: at most one powered node holds the VIP; the VIP is taken only
 * in a quorate component; a bootstrap happens only with no PC anywhere, and from a node holding every commit of
 * the nodes not given up by an operator. {@link #run} returns the first rule broken, or null. When the faults end,
 * every node is powered on and the partitions heal; a node fenced after that (a holder lost just before the end) is
 * powered on by its operator 5 s after its fence, since a fence leaves a node off. A minute later every node must be
 * in one Primary Component with one VIP holder.
 */
final class ClusterSimulation {
    private static final int N = 3;
    private static final UUID CLUSTER = UUID.fromString("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c");
    private static final List<Election.Member> MEMBERS = List.of(new Election.Member("n1", 1),
            new Election.Member("n2", 2), new Election.Member("n3", 3));

    final List<String> trace = new ArrayList<>();
    final Random rnd;
    long now;
    long seq;
    int events;
    int bootstraps;
    int vipMoves;
    int fences;
    /** The nemesis waits for the next claim on the VIP to cut its sender off as it goes out. */
    private boolean cutNextClaimer;
    /** The faults have ended: from then on a node fenced off is powered back on by its operator. */
    private boolean faultsOver;
    int joins;
    String violation;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final Node[] nodes = new Node[N];
    private final int[] component = new int[N];
    private int ring;
    private int pcEpoch;
    private final Set<Integer> givenUp = new HashSet<>();

    private record Scheduled(long at, long order, Runnable what) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(order, o.order);
        }
    }

    /** One simulated node: its power, its machine (while powered), its Galera server and data. */
    private final class Node implements ClusterMachine.Effects {
        final int id;
        boolean powered;
        int boot;
        ClusterMachine machine;
        boolean running;
        boolean inPc;
        long seqno;
        boolean cleanStop = true;
        boolean safe;
        GvwState.View savedView;
        boolean vip;
        boolean busy;
        /** The ring from which its component has been a minority (-1: quorate), and the last ring votequorum answered. */
        int minoritySince = -1;
        int answeredRing;

        /** In a minority, and votequorum's answer for a ring of that minority has reached the machine. */
        boolean toldMinority() {
            return minoritySince >= 0 && answeredRing >= minoritySince;
        }

        /** CPG and votequorum each deliver in order on their connection: never earlier than what came before. */
        long cpgClock;
        long vqClock;

        Node(int id) {
            this.id = id;
        }

        void log(String s) {
            trace.add(now + " n" + id + ": " + s);
        }

        /** As {@link #later}, in order after every earlier CPG delivery to this node. */
        void cpg(long delay, Runnable r) {
            cpgClock = Math.max(now + delay, cpgClock);
            laterAt(cpgClock, r);
        }

        /** As {@link #later}, in order after every earlier votequorum notification to this node. */
        void votequorum(long delay, Runnable r) {
            vqClock = Math.max(now + delay, vqClock);
            laterAt(vqClock, r);
        }

        /** Schedules {@code r} for this boot of the node only (a power cut drops its pending work). */
        void later(long delay, Runnable r) {
            laterAt(now + delay, r);
        }

        void laterAt(long when, Runnable r) {
            int b = boot;
            at(when, () -> {
                if (powered && boot == b) {
                    r.run();
                }
            });
        }

        @Override
        public void recoverPosition() {
            later(20 + rnd.nextInt(80), () -> machine.positionRecovered(new Report(CLUSTER, seqno, safe && cleanStop,
                    !cleanStop, cleanStop ? null : savedView)));
        }

        @Override
        public void startGalera(ClusterMachine.StartMode mode, Report from) {
            log("start " + mode);
            busy = true;
            later(50 + rnd.nextInt(200), () -> {
                busy = false;
                switch (mode) {
                    case BOOTSTRAP -> bootstrap();
                    case JOIN -> {
                        Node pc = pcMemberIn(component[id - 1]);
                        if (pc == null || rnd.nextInt(20) == 0) {
                            machine.started(false, "no Primary Component to join");
                            return;
                        }
                        running = true;
                        inPc = true;
                        seqno = pc.seqno;
                        cleanStop = false;
                        joins++;
                        newPcView();
                        machine.started(true, "joined");
                    }
                    case PC_RECOVERY -> pcRecovery();
                }
            });
        }

        private void bootstrap() {
            for (Node o : nodes) {
                if (o.powered && o.inPc) {
                    violation("n" + id + " bootstrapped while n" + o.id + " is in a Primary Component");
                }
            }
            for (Node o : nodes) {
                if (o.seqno > seqno && !givenUp.contains(o.id)) {
                    violation("n" + id + " bootstrapped at seqno " + seqno + " while n" + o.id + " holds " + o.seqno
                            + " (given up: " + givenUp + ")");
                }
            }
            bootstraps++;
            running = true;
            inPc = true;
            cleanStop = false;
            givenUp.clear();
            newPcView();
            log("bootstrapped at " + seqno);
            machine.started(true, "bootstrapped");
        }

        private void pcRecovery() {
            boolean all = true;
            for (Node o : nodes) {
                all &= o.powered && component[o.id - 1] == component[id - 1] && o.machine.phase() == Phase.PC_RECOVERY
                        && java.util.Objects.equals(o.savedView, savedView) && !o.cleanStop;
            }
            if (all && pcMemberIn(component[id - 1]) == null) {
                long max = 0;
                for (Node o : nodes) {
                    max = Math.max(max, o.seqno);
                }
                for (Node o : nodes) {
                    o.running = true;
                    o.inPc = true;
                    o.seqno = max;
                }
                newPcView();
                log("pc.recovery re-formed the Primary Component at " + max);
            }
            if (inPc) {
                machine.started(true, "Primary again");
            } else if (pcMemberIn(component[id - 1]) != null) {
                running = true;
                inPc = true;
                seqno = pcMemberIn(component[id - 1]).seqno;
                machine.started(true, "joined during pc.recovery");
            } else {
                machine.started(false, "not Primary in time");
            }
        }

        @Override
        public void stopGalera(String reason) {
            busy = true;
            later(20 + rnd.nextInt(60), () -> {
                busy = false;
                if (running) {
                    int others = 0;
                    for (Node o : nodes) {
                        others += o != this && o.powered && o.inPc ? 1 : 0;
                    }
                    safe = inPc && others == 0;
                    cleanStop = true;
                    savedView = null;
                }
                boolean wasInPc = inPc;
                running = false;
                inPc = false;
                if (wasInPc) {
                    newPcView(); // a clean leave shrinks the component without a vote
                }
                machine.stopped(true, "stopped");
            });
        }

        @Override
        public void takeVip(String reason) {
            int quorate = 0;
            for (Node o : nodes) {
                quorate += o.powered && component[o.id - 1] == component[id - 1] ? 1 : 0;
            }
            if (quorate * 2 <= N && toldMinority()) {
                violation("n" + id + " took the VIP in a component of " + quorate + " after votequorum said so");
            }
            vip = true;
            vipMoves++;
            log("takes the VIP");
            checkVip();
        }

        @Override
        public void releaseVip(String reason) {
            vip = false;
            log("releases the VIP: " + reason);
        }

        @Override
        public void fence(Election.Member node, String reason) {
            log("fences " + node.name() + " (" + reason + ")");
            later(10 + rnd.nextInt(40), () -> {
                boolean fail = rnd.nextInt(10) == 0;
                if (!fail) {
                    Node fencedNode = nodes[node.nodeId() - 1];
                    powerOff(fencedNode, "fenced by n" + id);
                    fences++;
                    if (faultsOver) {
                        // a fence powers off and leaves it off (no reboot action): the operator brings it back
                        at(now + 5_000, () -> {
                            trace.add(now + " operator powers n" + fencedNode.id + " back on after its fence");
                            powerOn(fencedNode);
                        });
                    }
                }
                machine.fenced(node.nodeId(), !fail, fail ? "BMC timeout" : "verified off");
            });
        }

        @Override
        public void broadcast(ClusterMessage m) {
            if (m instanceof ClusterMessage.Forced f) {
                givenUp.add(f.nodeId());
            }
            int comp = component[id - 1];
            long d = 1 + rnd.nextInt(3);
            // a membership change before the delivery: the sender's side has what the sender ordered; whether the
            // far side got it is one coin for the whole side (members that move together deliver the same messages)
            boolean farSideGotIt = rnd.nextBoolean();
            if (cutNextClaimer && m instanceof ClusterMessage.State st && st.vipHeld() && !machine.vipHeld()) {
                // the nemesis cuts off a node whose claim on the VIP is on its way
                cutNextClaimer = false;
                int who = id;
                at(now + rnd.nextInt(3), () -> {
                    if (!faultsOver) {
                        partition(who - 1, "cut off while its claim on the VIP is on its way");
                    }
                });
            }
            for (Node o : nodes) {
                if (o.powered && component[o.id - 1] == comp) {
                    Node target = o;
                    target.cpg(d, () -> {
                        boolean senderSide = powered && component[target.id - 1] == component[id - 1];
                        if (senderSide || farSideGotIt) {
                            target.machine.delivered(id, m);
                        }
                    });
                }
            }
        }

        @Override
        public void transition(Phase from, Phase to, String reason) {
            log(from + " -> " + to + ": " + reason);
        }

        @Override
        public void decision(String what) {
            log(what);
        }

        @Override
        public void shutdownComplete() {
        }
    }

    ClusterSimulation(long seed) {
        this.rnd = new Random(seed);
        for (int i = 0; i < N; i++) {
            nodes[i] = new Node(i + 1);
            nodes[i].seqno = 0;
        }
    }

    private void at(long when, Runnable r) {
        queue.add(new Scheduled(when, seq++, r));
    }

    private void violation(String v) {
        if (violation == null) {
            violation = v + " (at " + now + " ms)";
            trace.add("VIOLATION: " + violation);
        }
    }

    private Node pcMemberIn(int comp) {
        for (Node o : nodes) {
            if (o.powered && o.inPc && component[o.id - 1] == comp) {
                return o;
            }
        }
        return null;
    }

    /** The PC's membership changed: its members save the new view (gvwstate.dat). */
    private void newPcView() {
        pcEpoch++;
        int size = 0;
        for (Node o : nodes) {
            if (o.powered && o.inPc) {
                o.savedView = new GvwState.View(3, CLUSTER, pcEpoch);
                size++;
            }
        }
        lastPcSize = Math.max(size, 1);
    }

    private void checkVip() {
        int holders = 0;
        for (Node o : nodes) {
            holders += o.powered && o.vip ? 1 : 0;
            if (o.powered && o.vip && o.toldMinority()) {
                violation("n" + o.id + " holds the VIP after votequorum said its component is a minority");
            }
        }
        if (holders > 1) {
            violation(holders + " powered nodes hold the VIP");
        }
    }

    // ------------------------------------------------------------------ the world changing

    private void powerOn(Node n) {
        if (n.powered) {
            return;
        }
        n.powered = true;
        n.boot++;
        n.minoritySince = -1;
        n.answeredRing = 0;
        n.busy = false;
        n.vip = false;
        n.machine = new ClusterMachine(new ClusterMachine.Settings(MEMBERS, n.id, Duration.ofSeconds(5),
                Duration.ofMillis(500), Duration.ofMillis(200), MEMBERS.get(0)), () -> now, n);
        n.log("power on");
        n.later(5, () -> n.machine.monitored(ClusterMachine.GaleraStatus.NOT_RUNNING));
        membershipChanged();
    }

    private void powerOff(Node n, String why) {
        if (!n.powered) {
            return;
        }
        n.powered = false;
        n.machine = null;
        n.vip = false;
        if (n.running) {
            n.cleanStop = false; // grastate.dat says -1; the saved view stays
        }
        n.running = false;
        n.inPc = false;
        n.log("power off (" + why + ")");
        galeraQuorum();
        membershipChanged();
    }

    /** A PC keeps going only on a side with more than half of its members (Galera's quorum, equal weights). */
    private void galeraQuorum() {
        boolean any = false;
        for (Node o : nodes) {
            any |= o.inPc;
        }
        if (!any) {
            return;
        }
        int lastSize = lastPcSize;
        for (Node o : nodes) {
            if (!o.inPc) {
                continue;
            }
            int side = 0;
            for (Node p : nodes) {
                side += p.inPc && p.powered && component[p.id - 1] == component[o.id - 1] ? 1 : 0;
            }
            if (side * 2 <= lastSize) {
                o.inPc = false; // non-Primary: it keeps running and refuses writes
                o.log("Galera non-Primary");
            }
        }
        newPcView();
    }

    private int lastPcSize = 1;

    /** Every powered node's component announces a new ring: CPG's view and votequorum's answer, in either order. */
    private void membershipChanged() {
        ring++;
        int r = ring;
        for (Node n : nodes) {
            if (!n.powered) {
                continue;
            }
            Set<Integer> members = new TreeSet<>();
            for (Node o : nodes) {
                if (o.powered && component[o.id - 1] == component[n.id - 1]) {
                    members.add(o.id);
                }
            }
            Set<Integer> left = new TreeSet<>(List.of(1, 2, 3));
            left.removeAll(members);
            boolean quorate = members.size() * 2 > N;
            String ringId = "1." + r;
            long cpg = 1 + rnd.nextInt(6);
            long vq = 1 + rnd.nextInt(6);
            n.cpg(cpg, () -> n.machine.view(members, left, true)); // CPG: the membership, then the ring
            n.cpg(rnd.nextInt(3), () -> n.machine.groupRing(ringId));
            n.votequorum(vq, () -> n.machine.quorumRing(ringId)); // votequorum: the node list, then the answer
            if (!quorate && n.minoritySince < 0) {
                n.minoritySince = r;
            } else if (quorate) {
                n.minoritySince = -1;
            }
            n.votequorum(rnd.nextInt(4), () -> {
                n.answeredRing = r;
                n.machine.quorum(quorate);
            });
        }
    }

    private void partition(int a, String why) {
        for (int i = 0; i < N; i++) {
            component[i] = i == a ? 1 : 0;
        }
        trace.add(now + " partition: n" + (a + 1) + " | the others" + (why.isEmpty() ? "" : " (" + why + ")"));
        galeraQuorum();
        membershipChanged();
    }

    private void heal() {
        java.util.Arrays.fill(component, 0);
        trace.add(now + " heal");
        // a non-Primary node that sees the PC again rejoins it by itself (IST)
        membershipChanged();
        Node pc = pcMemberIn(0);
        for (Node o : nodes) {
            if (pc != null && o.powered && o.running && !o.inPc) {
                o.inPc = true;
                o.seqno = pc.seqno;
                newPcView();
            }
        }
    }

    private void commit() {
        for (Node h : nodes) {
            if (h.powered && h.vip && h.inPc) {
                for (Node o : nodes) {
                    if (o.powered && o.inPc && component[o.id - 1] == component[h.id - 1]) {
                        o.seqno++;
                    }
                }
                return;
            }
        }
    }

    private void monitor(Node n) {
        if (n.powered && !n.busy) {
            n.machine.monitored(new ClusterMachine.GaleraStatus(n.running, n.inPc, n.inPc, n.inPc));
        }
    }

    /** Runs a schedule of faults for {@code millis}, then heals everything and checks the cluster recovers. */
    String run(long millis) {
        for (Node n : nodes) {
            powerOn(n);
        }
        for (long t = 0; t < millis + 60_000; t += 100) {
            long tick = t;
            at(t, () -> {
                for (Node n : nodes) {
                    if (n.powered) {
                        n.machine.tick();
                        if (tick % 500 == 0) {
                            monitor(n);
                        }
                    }
                }
                commit();
            });
        }
        for (long t = 2_000; t < millis; t += 500 + rnd.nextInt(3_000)) {
            at(t, this::fault);
        }
        at(millis, () -> {
            trace.add(now + " end of faults: heal, power everything on");
            faultsOver = true;
            cutNextClaimer = false;
            heal();
            for (Node n : nodes) {
                powerOn(n);
            }
        });
        while (!queue.isEmpty() && violation == null) {
            Scheduled s = queue.poll();
            now = s.at();
            events++;
            s.what().run();
            checkVip();
        }
        if (violation != null) {
            return violation;
        }
        int inPc = 0;
        int holders = 0;
        for (Node n : nodes) {
            inPc += n.powered && n.inPc ? 1 : 0;
            holders += n.powered && n.vip ? 1 : 0;
        }
        if (inPc != N || holders != 1) {
            return "not recovered a minute after the faults ended: " + inPc + " in the Primary Component, " + holders
                    + " VIP holders; phases " + phases();
        }
        return null;
    }

    private String phases() {
        List<String> p = new ArrayList<>();
        for (Node n : nodes) {
            p.add("n" + n.id + " " + (n.powered ? n.machine.phase() + " " + n.machine.lastDecision() : "off"));
        }
        return p.toString();
    }

    private void fault() {
        int k = rnd.nextInt(100);
        Node n = nodes[rnd.nextInt(N)];
        if (k < 25) {
            powerOff(n, "power cut");
        } else if (k < 50) {
            powerOn(n);
        } else if (k < 58) {
            partition(rnd.nextInt(N), "");
        } else if (k < 70) {
            heal();
        } else if (k < 76 && n.powered && n.running && !n.busy) {
            n.log("mariadbd crashed");
            n.running = false;
            n.cleanStop = false;
            n.inPc = false;
            // the VIP stays until the supervisor's monitor sees the crash and releases it
            galeraQuorum();
        } else if (k < 84) {
            trace.add(now + " full power loss");
            for (Node o : nodes) {
                powerOff(o, "full power loss");
            }
        } else if (k < 90) {
            for (Node o : nodes) {
                if (!o.powered && o.id != n.id && n.powered) {
                    n.log("operator: force-bootstrap n" + o.id);
                    n.machine.forceBootstrap("n" + o.id, answer -> n.log("answer: " + answer));
                    break;
                }
            }
        } else if (k < 96) {
            cutNextClaimer = true;
        }
    }
}
