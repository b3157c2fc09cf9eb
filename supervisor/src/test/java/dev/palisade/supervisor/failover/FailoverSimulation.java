package dev.palisade.supervisor.failover;

import dev.palisade.supervisor.failover.FailoverMachine.Event;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.resources.GroupRun;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic simulation of the pair: the real {@link FailoverMachine} and {@link GroupRun} on each
 * node, driven by simulated time, two heartbeat links (each can be cut, and delays vary), fence devices
 * that fail or are slow, resources that fail to start or to stop, node crashes and reboots, and operator
 * commands. One seed gives one schedule, replayed exactly. Invariants are checked after every event.
 */
final class FailoverSimulation {
    static final int RESOURCES = 3;
    static final long KEEPALIVE = 100;
    static final long DEADTIME = 500;
    static final long INITDEAD = 1000;
    /** Fencing node 0 (the home node) waits this long: node 0 wins a mutual fence race. */
    static final long RACE_DELAY = 300;
    /** The last stretch of every schedule has no new faults: then exactly one node must end up ACTIVE. */
    static final long CALM = 12_000;

    enum Res { STOPPED, STARTING, STARTED, STOPPING }

    private record Ev(long at, long seq, Runnable action) {
    }

    final long seed;
    private final Random rnd;
    private final PriorityQueue<Ev> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.seq, b.seq));
    private long seq;
    long now;
    final Node[] nodes = new Node[2];
    /** linkUp[l]: link l carries frames in both directions. */
    final boolean[] linkUp = {true, true};
    final List<String> trace = new ArrayList<>();
    String violation;
    int takeovers;
    long events;
    int fences;

    final class Node {
        final int id;
        boolean powered;
        int epoch; // bumps at every power cycle: events of an earlier life are void
        FailoverMachine machine;
        final Res[] res = new Res[RESOURCES];
        final long[] lastHeard = {Long.MIN_VALUE / 2, Long.MIN_VALUE / 2};
        boolean heardEver;
        boolean peerDeadReported;
        GroupRun run;
        boolean fencingInProgress;

        Node(int id) {
            this.id = id;
            java.util.Arrays.fill(res, Res.STOPPED);
        }

        Node peer() {
            return nodes[1 - id];
        }

        void boot() {
            powered = true;
            epoch++;
            java.util.Arrays.fill(res, Res.STOPPED);
            heardEver = false;
            peerDeadReported = false;
            lastHeard[0] = lastHeard[1] = Long.MIN_VALUE / 2;
            run = null;
            fencingInProgress = false;
            int e = epoch;
            machine = new FailoverMachine(id == 0, false, id * 100_000L + epoch, new Effects(this));
            log("node " + id + " boots");
            at(now + INITDEAD, this, e, () -> {
                if (!heardEver) {
                    machine.handle(Event.INITDEAD_EXPIRED, null);
                }
            });
            heartbeat(e);
            deadCheck(e);
        }

        void powerOff(String why) {
            if (!powered) {
                return;
            }
            powered = false;
            epoch++;
            java.util.Arrays.fill(res, Res.STOPPED); // power loss stops everything at once
            log("node " + id + " powered off: " + why);
        }

        void heartbeat(int e) {
            at(now + KEEPALIVE, this, e, () -> heartbeat(e));
            FailoverMachine.PeerView v = machine.announce();
            for (int l = 0; l < 2; l++) {
                if (linkUp[l]) {
                    int link = l;
                    Node to = peer();
                    int toEpoch = to.epoch;
                    long delay = 1 + rnd.nextInt(rnd.nextInt(20) == 0 ? 400 : 20);
                    at(now + delay, to, toEpoch, () -> to.receive(link, v));
                }
            }
        }

        void receive(int link, FailoverMachine.PeerView v) {
            if (!powered || !linkUp[link]) {
                return;
            }
            lastHeard[link] = now;
            heardEver = true;
            peerDeadReported = false;
            machine.handle(Event.PEER_HEARD, v);
        }

        void deadCheck(int e) {
            at(now + KEEPALIVE / 2, this, e, () -> deadCheck(e));
            boolean silent = now - Math.max(lastHeard[0], lastHeard[1]) > DEADTIME;
            if (heardEver && silent && !peerDeadReported) {
                peerDeadReported = true;
                machine.handle(Event.PEER_DEAD, null);
            }
        }

        boolean holdsAnything() {
            for (Res r : res) {
                if (r != Res.STOPPED) {
                    return true;
                }
            }
            return false;
        }
    }

    final class Effects implements FailoverMachine.Effects {
        private final Node n;

        Effects(Node n) {
            this.n = n;
        }

        @Override
        public void fencePeer() {
            if (n.fencingInProgress) {
                return;
            }
            n.fencingInProgress = true;
            int e = n.epoch;
            Node target = n.peer();
            long delay = target.id == 0 ? RACE_DELAY : 0;
            at(now + delay, n, e, () -> {
                // the supervisor cancels a fence for silence once the peer is heard again (not one it asked for)
                if (!n.machine.fenceStillWanted()) {
                    n.fencingInProgress = false;
                    n.machine.handle(Event.FENCE_CANCELLED, null);
                    return;
                }
                boolean fails = faulty() && rnd.nextInt(6) == 0;
                long took = 20 + rnd.nextInt(rnd.nextInt(10) == 0 ? 3000 : 300);
                // the device acts at the end of its run whatever happens to the node that asked
                at(now + took, null, 0, () -> {
                    if (!fails) {
                        fences++;
                        target.powerOff("fenced by node " + n.id);
                        if (faulty() && rnd.nextInt(3) == 0) {
                            bootLater(target, 500 + rnd.nextInt(4000));
                        }
                    }
                    if (n.powered && n.epoch == e) {
                        n.fencingInProgress = false;
                        n.machine.handle(fails ? Event.FENCE_FAILED : Event.FENCE_OK, null);
                    }
                });
            });
        }

        @Override
        public void startResources() {
            n.run = GroupRun.start(RESOURCES);
            step(n, n.epoch, n.run, true);
        }

        @Override
        public void stopResources() {
            n.run = GroupRun.stop(RESOURCES);
            step(n, n.epoch, n.run, false);
        }

        @Override
        public void retryLater() {
            int e = n.epoch;
            at(now + 1000, n, e, () -> n.machine.handle(Event.RETRY, null));
        }

        @Override
        public void transition(State from, State to, String reason) {
            log("node " + n.id + ": " + from + " -> " + to + ": " + reason);
            if (to == State.STARTING && n.peer().powered && n.peer().holdsAnything()) {
                fail("node " + n.id + " starts while node " + n.peer().id + " holds resources and is powered");
            }
            if (to == State.STANDBY && n.holdsAnything()) {
                fail("node " + n.id + " reports STANDBY while a resource is not stopped (a failed stop reported as success)");
            }
            if (to == State.ACTIVE) {
                takeovers++;
            }
        }
    }

    private void step(Node n, int e, GroupRun run, boolean starting) {
        GroupRun.Step s = run.next();
        if (s == null) {
            Event done = starting ? (run.succeeded() ? Event.START_OK : Event.START_FAILED)
                    : (run.succeeded() ? Event.STOP_OK : Event.STOP_FAILED);
            n.machine.handle(done, null);
            return;
        }
        int i = s.index();
        if (s.start()) {
            for (int j = 0; j < i; j++) {
                if (n.res[j] != Res.STARTED) {
                    fail("node " + n.id + " starts resource " + i + " before resource " + j + " is ready");
                }
            }
            n.res[i] = Res.STARTING;
        } else {
            n.res[i] = Res.STOPPING;
        }
        boolean ok = !faulty() || rnd.nextInt(s.start() ? 25 : 40) != 0;
        long took = 5 + rnd.nextInt(rnd.nextInt(15) == 0 ? 2000 : 100);
        at(now + took, n, e, () -> {
            if (run != n.run) {
                return;
            }
            if (s.start()) {
                n.res[i] = ok ? Res.STARTED : Res.STARTING; // a failed start may leave it half up
            } else {
                n.res[i] = ok ? Res.STOPPED : Res.STARTED; // a failed stop leaves it running
            }
            check();
            run.done(ok);
            step(n, e, run, starting);
        });
    }

    FailoverSimulation(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
        nodes[0] = new Node(0);
        nodes[1] = new Node(1);
    }

    /** Schedules {@code r}; with a node, only if that node is still in the same life (no reboot since). */
    private void at(long t, Node node, int epoch, Runnable r) {
        queue.add(new Ev(t, seq++, () -> {
            if (node == null || node.powered && node.epoch == epoch) {
                r.run();
            }
        }));
    }

    private void log(String s) {
        if (trace.size() < 5000) {
            trace.add(now + " ms " + s);
        }
    }

    private void fail(String what) {
        if (violation == null) {
            violation = now + " ms: " + what;
        }
    }

    /** The invariant that matters most: never two powered nodes holding resources. */
    private void check() {
        if (nodes[0].powered && nodes[1].powered && nodes[0].holdsAnything() && nodes[1].holdsAnything()) {
            fail("both nodes hold resources");
        }
    }

    /** Faults (failing fences, starts, stops; reboots) happen before the calm at the end of a schedule. */
    private long calmFrom;

    private boolean faulty() {
        return now < calmFrom;
    }

    /** Runs a random fault schedule for {@code duration} simulated ms; returns the violation or null. */
    String run(long duration) {
        calmFrom = duration - CALM;
        at(rnd.nextInt(200), null, 0, nodes[0]::boot);
        at(rnd.nextInt(200), null, 0, nodes[1]::boot);
        int faults = 2 + rnd.nextInt(8);
        for (int f = 0; f < faults; f++) {
            long t = 1500 + rnd.nextInt((int) (calmFrom - 1500));
            int kind = rnd.nextInt(8);
            int who = rnd.nextInt(2);
            at(t, null, 0, () -> fault(kind, who));
        }
        while (!queue.isEmpty() && violation == null) {
            if (++events > 2_000_000) {
                fail("runaway: two million events without simulated time running out (a loop at one instant?)");
                break;
            }
            Ev e = queue.poll();
            if (e.at > duration) {
                break;
            }
            now = e.at;
            e.action.run();
            check();
        }
        if (violation == null) {
            liveness();
        }
        return violation;
    }

    /**
     * After the calm at the end of every schedule: when some powered node may run the resources (eligible and
     * not FAILED), exactly one node is ACTIVE. A failed node is the peer's to fence; it may be rebooting.
     */
    private void liveness() {
        int active = 0;
        boolean someoneEligible = false;
        for (Node n : nodes) {
            if (n.powered) {
                active += n.machine.state() == State.ACTIVE ? 1 : 0;
                FailoverMachine.PeerView v = n.machine.announce();
                someoneEligible |= v.eligible() && v.state() != State.FAILED;
            }
        }
        if (someoneEligible && active != 1) {
            fail("after the calm, " + active + " nodes are ACTIVE (node 0 " + describe(nodes[0]) + ", node 1 "
                    + describe(nodes[1]) + ")");
        }
    }

    private String describe(Node n) {
        return n.powered ? n.machine.state() + ", desire " + n.machine.announce().desire() : "off";
    }

    private void fault(int kind, int who) {
        Node n = nodes[who];
        switch (kind) {
            case 0 -> { // cut one link for a while
                int l = rnd.nextInt(2);
                linkUp[l] = false;
                log("link " + l + " cut");
                at(now + 200 + rnd.nextInt(3000), null, 0, () -> {
                    linkUp[l] = true;
                    log("link " + l + " restored");
                });
            }
            case 1 -> { // full partition
                linkUp[0] = false;
                linkUp[1] = false;
                log("both links cut");
                at(now + 300 + rnd.nextInt(4000), null, 0, () -> {
                    linkUp[0] = true;
                    linkUp[1] = true;
                    log("links restored");
                });
            }
            case 2 -> { // crash and maybe reboot
                n.powerOff("crash");
                if (rnd.nextBoolean()) {
                    bootLater(n, 500 + rnd.nextInt(3000));
                }
            }
            case 3 -> command(n, Event.CMD_STANDBY);
            case 4 -> command(n, Event.CMD_SWITCHOVER);
            case 5 -> command(n, Event.CMD_UNSTANDBY);
            case 6 -> { // orderly shutdown: standby, leave once idle, power off, maybe boot again
                command(n, Event.CMD_STANDBY);
                int e = n.epoch;
                leaveWhenIdle(n, e, 0);
            }
            default -> {
                if (n.powered && n.machine.state() == State.ACTIVE) {
                    log("node " + n.id + ": a resource fails its monitor");
                    n.machine.handle(Event.RESOURCE_FAILED, null);
                }
            }
        }
    }

    /** Powers {@code n} on after {@code delay} ms unless something else has by then. */
    private void bootLater(Node n, long delay) {
        at(now + delay, null, 0, () -> {
            if (!n.powered) {
                n.boot();
            }
        });
    }

    private void leaveWhenIdle(Node n, int epoch, int tries) {
        at(now + 50, n, epoch, () -> {
            if (n.machine.leave()) {
                log("node " + n.id + " leaves in order");
                at(now + 20 + rnd.nextInt(300), n, epoch, () -> {
                    n.powerOff("orderly shutdown");
                    if (rnd.nextBoolean()) {
                        bootLater(n, 500 + rnd.nextInt(3000));
                    }
                });
            } else if (tries < 200) {
                leaveWhenIdle(n, epoch, tries + 1); // still releasing (or failed: then it never leaves)
            }
        });
    }

    private void command(Node n, Event e) {
        if (n.powered) {
            log("operator on node " + n.id + ": " + e);
            n.machine.handle(e, null);
        }
    }
}
