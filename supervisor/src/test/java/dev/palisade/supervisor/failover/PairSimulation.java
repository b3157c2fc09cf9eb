package dev.palisade.supervisor.failover;

import dev.palisade.supervisor.cli.SupervisorCommand;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FenceDevice;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.Incarnation;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.membership.PeerWatch;
import dev.palisade.supervisor.node.ControlCommand;
import dev.palisade.supervisor.node.Lane;
import dev.palisade.supervisor.node.NodeLoop;
import dev.palisade.supervisor.node.NodeSettings;
import dev.palisade.supervisor.node.NodeStatus;
import dev.palisade.supervisor.node.PeerLink;
import dev.palisade.supervisor.node.Scheduler;
import dev.palisade.supervisor.resources.DrbdResource;
import dev.palisade.supervisor.resources.Resource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

/**
 * A deterministic simulation of the pair that runs the production node: on each node the real {@link NodeLoop}
 * (failover machine, fence worker, group runner, start-up check), the real {@link PeerWatch} and
 * {@link PeerTracker} fed with real {@link HeartbeatFrame}s, the real {@link DrbdResource} and DRBD handler exit
 * codes, the real {@link FenceCoordinator} steps, and the real incarnation counter; only time, the links, the
 * power, the processes, the devices and the disks are simulated. One seed gives one schedule, replayed exactly.
 *
 * <p>Faults: cut heartbeat links and partitions, delayed frames, power cuts and reboots, a whole site losing power
 * with the node that was behind booting first, the replication link cut, fence devices that fail, hang, or reach
 * the wrong target (refuse "off" and read OFF while the node runs), clocks two minutes behind after a reboot,
 * supervisor processes that crash (their resources stay) or stall (a pause of the whole JVM), a loop that dies,
 * monitors that cannot tell, resources started by hand on the standby, resources that fail, operator commands,
 * orderly shutdowns.
 *
 * <p>Invariants after every event: never two powered nodes holding resources; never two nodes writable; never a
 * promotion of a disk that lacks an acknowledged write (no acknowledged write lost); a peer heard again (and
 * neither FAILED nor holding) is not fenced afterwards; a fence that counts really powered the target off. After a
 * calm stretch at the end: exactly one node ACTIVE when one may be (its data is ready), every live node hears
 * the other, and no node that does not hold the group holds any of it.
 */
final class PairSimulation {
    static final long KEEPALIVE = 100;
    static final long DEADTIME = 500;
    static final long INITDEAD = 1000;
    static final long PRIORITY_DELAY = 300;
    /** The static delay of fencing node 0 (the home node): who wins when nobody holds the group. */
    static final long HOME_DELAY = 150;
    static final long MONITOR = 500;
    /** Every fence device is read this often (the production monitor, sharing the fence lane with real fences). */
    static final long FENCE_MONITOR = 3_000;
    static final long CALM = 15_000;

    enum Res { STOPPED, STARTING, STARTED, STOPPING, FAILED }

    enum DeviceMode { OK, FAILING, HANGING, WRONG_TARGET }

    private record Ev(long at, long seq, Runnable action) {
    }

    final long seed;
    private final Random rnd;
    private final PriorityQueue<Ev> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.seq, b.seq));
    private long seq;
    long now;
    final SimNode[] nodes = new SimNode[2];
    final boolean[] linkUp = {true, true};
    final SimDrbd drbd;
    final List<String> trace = new ArrayList<>();
    String violation;
    long events;
    int fences;
    int writes;
    private long calmFrom;
    /** When the latest boot happened: the calm is measured from it. */
    private long lastBoot;

    PairSimulation(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.drbd = new SimDrbd(new SimDrbd.World() {
            @Override
            public long now() {
                return now;
            }

            @Override
            public void at(long t, Runnable r) {
                PairSimulation.this.at(t, null, 0, r);
            }

            @Override
            public void fencePeerHandler(int n, IntConsumer exit) {
                nodes[n].handlerAsync(exit);
            }

            @Override
            public int fencePeerHandlerNow(int n) {
                return nodes[n].handlerNow();
            }

            @Override
            public void violation(String what) {
                fail(what);
            }

            @Override
            public void log(String what) {
                PairSimulation.this.log(what);
            }

            @Override
            public Random random() {
                return rnd;
            }
        });
        nodes[0] = new SimNode(0);
        nodes[1] = new SimNode(1);
    }

    /** Promotions of the disk: every time a node took the group. */
    int takeovers() {
        return drbd.promotions;
    }

    // ------------------------------------------------------------------ time

    /** Schedules {@code r}; with a node, only while that node is still in the same power life. */
    void at(long t, SimNode node, int epoch, Runnable r) {
        queue.add(new Ev(t, seq++, () -> {
            if (node == null || node.powered && node.epoch == epoch) {
                r.run();
            }
        }));
    }

    void log(String s) {
        if (trace.size() < 20_000) {
            trace.add(now + " ms " + s);
        }
    }

    void fail(String what) {
        if (violation == null) {
            violation = now + " ms: " + what;
            log("VIOLATION " + what);
        }
    }

    boolean faulty() {
        return now < calmFrom;
    }

    // ------------------------------------------------------------------ what a blocking call costs

    /** Set by a simulated device or resource during a lane call: how long it takes, and what happens at its end. */
    private long callTook = -1;
    private Runnable callEnds;
    /** A synchronous fence inside drbdadm primary: device calls take effect at once. */
    private boolean instant;

    private void costs(long ms, Runnable atEnd) {
        if (instant) {
            if (atEnd != null) {
                atEnd.run();
            }
            return;
        }
        callTook = ms;
        callEnds = atEnd;
    }

    private long quick() {
        return 5 + rnd.nextInt(rnd.nextInt(15) == 0 ? 1500 : 60);
    }

    // ------------------------------------------------------------------ one node

    final class SimNode {
        final int id;
        boolean powered;
        int epoch;
        /** The supervisor process: alive, and its life (tasks of an earlier life are void). */
        boolean alive;
        int life;
        long stalledUntil;
        /** Survives power cycles: the state directory's counter, and the wall clock's offset. */
        long incarnationStored = -1;
        long clockOffset;
        final Res[] res = {Res.STOPPED, Res.STOPPED};
        /** Started by hand on a node that does not hold the group (not the supervisor's doing until it acts). */
        final boolean[] stray = {false, false};
        boolean monitorsBlind;
        DeviceMode device = DeviceMode.OK;
        boolean reliableDevice;
        /** A fence of the peer asked by DRBD's handler is running (it may shoot a peer that is heard). */
        int handlerFences;
        NodeLoop node;
        PeerWatch watch;
        HeartbeatFrame.Status announced = HeartbeatFrame.Status.UNKNOWN;
        /** The last fresh frame this node's loop took from the peer, and when. */
        HeartbeatFrame.Status lastFresh = HeartbeatFrame.Status.UNKNOWN;
        long lastFreshAt = -1;
        long incarnation;
        long frameSeq;
        SimLane fenceLane;
        SimLane resourceLane;
        DrbdResource drbdResource;

        SimNode(int id) {
            this.id = id;
            this.reliableDevice = rnd.nextBoolean();
        }

        SimNode peer() {
            return nodes[1 - id];
        }

        /** Holds the group's resources (not counting what someone started by hand). */
        boolean holds() {
            return drbd.disks[id].primary || res[0] != Res.STOPPED && !stray[0] || res[1] != Res.STOPPED && !stray[1];
        }

        boolean holdsAnything() {
            return drbd.disks[id].primary || res[0] != Res.STOPPED || res[1] != Res.STOPPED;
        }

        boolean writable() {
            return powered && drbd.disks[id].primary && !drbd.disks[id].frozen && res[0] == Res.STARTED
                    && res[1] == Res.STARTED;
        }

        // ---- power and process

        void boot() {
            lastBoot = Math.max(lastBoot, now);
            powered = true;
            epoch++;
            res[0] = res[1] = Res.STOPPED;
            log("node " + id + " boots" + (clockOffset != 0 ? " (clock " + clockOffset / 1000 + " s off)" : ""));
            drbd.attach(id);
            int e = epoch;
            at(now + 200 + rnd.nextInt(800), this, e, this::startSupervisor);
        }

        void powerOff(String why) {
            if (!powered) {
                return;
            }
            powered = false;
            epoch++;
            alive = false;
            life++;
            res[0] = res[1] = Res.STOPPED;
            stray[0] = stray[1] = false;
            drbd.detach(id);
            log("node " + id + " powered off: " + why);
        }

        /** The supervisor process starts (at boot, or restarted by systemd). */
        void startSupervisor() {
            alive = true;
            life++;
            stalledUntil = 0;
            lastTraced = null;
            incarnationStored = Incarnation.after(incarnationStored, wall());
            incarnation = incarnationStored;
            frameSeq = 0;
            announced = HeartbeatFrame.Status.UNKNOWN;
            watch = new PeerWatch("n" + id, "n" + (1 - id), new PeerTracker((DEADTIME * 3 / 5) * MS, DEADTIME * MS,
                    INITDEAD * MS, DEADTIME / 2 * MS, now * MS, List.of("serial", "udp")));
            SimScheduler sched = new SimScheduler(this, life);
            fenceLane = new SimLane(this, life);
            resourceLane = new SimLane(this, life);
            drbdResource = new DrbdResource(SimDrbd.RESOURCE, new DrbdResource.Control() {
                @Override
                public dev.palisade.drivers.storage.DrbdState state(String r) throws IOException {
                    return drbd.state(id);
                }

                @Override
                public void primary(String r, boolean force) throws IOException {
                    drbd.primary(id, force);
                }

                @Override
                public void secondary(String r) throws IOException {
                    if (res[0] != Res.STOPPED) {
                        throw new IOException("0: State change failed: (-12) Device is held open by someone");
                    }
                    drbd.secondary(id);
                }
            });
            List<Resource> group = List.of(drbdResource, new SimResource(this, 0, "filesystem"),
                    new SimResource(this, 1, "mariadb"));
            FenceDevice dev = new SimFenceDevice(this);
            FenceCoordinator.Plan plan = new FenceCoordinator.Plan("n" + (1 - id),
                    Duration.ofMillis(1 - id == 0 ? HOME_DELAY : 0), List.of(new FenceCoordinator.Level(List.of(dev))),
                    Duration.ofMillis(2000), Duration.ofMillis(100));
            NodeSettings settings = new NodeSettings("n" + id, "n" + (1 - id), "n0", false,
                    FailoverMachine.FailurePolicy.DEFAULT, Duration.ofMillis(MONITOR), Duration.ofMillis(PRIORITY_DELAY),
                    Duration.ofMillis(1000), Duration.ofMillis(FENCE_MONITOR));
            node = new NodeLoop(settings, sched, fenceLane, resourceLane, group, plan, null, incarnation, new SimLink(),
                    List::of);
            int l = life;
            log("node " + id + " supervisor starts (incarnation " + incarnation + ")");
            sched.post(() -> node.startupCheck(refused -> {
                if (refused != null) {
                    log("node " + id + " supervisor exits: " + refused);
                    crashSupervisor(false);
                    return;
                }
                node.start();
                pulse(l, now);
                tick(l);
            }));
        }

        long wall() {
            return 1_800_000_000_000L + now + clockOffset;
        }

        private NodeStatus.Transition lastTraced;
        private String lastFence;
        /** When this node's fence device last read OFF for a peer that was running (a device that reached no target). */
        long offReadWhileOnAt = Long.MIN_VALUE / 2;

        /** Copies the node's new transitions into the trace; a fence that counts must have cut the power. */
        private void traceTransitions() {
            if (node == null) {
                return;
            }
            String fence = node.status().fencing().last();
            if (fence != null && !fence.equals(lastFence)) {
                lastFence = fence;
                log("node " + id + ": fence " + fence);
                if (fence.contains(" fenced: power verified off") && now - offReadWhileOnAt <= fenceMillis(fence) + 1) {
                    fail("node " + id + "'s fence counted (" + fence + ") on a device that read OFF while node "
                            + (1 - id) + " ran (it reached no target)");
                }
            }
            List<NodeStatus.Transition> ts = node.status().transitions();
            int from = lastTraced == null ? 0 : ts.lastIndexOf(lastTraced) + 1;
            for (int i = from; i < ts.size(); i++) {
                NodeStatus.Transition t = ts.get(i);
                log("node " + id + ": " + t.from() + " -> " + t.to() + ": " + t.reason());
            }
            if (!ts.isEmpty()) {
                lastTraced = ts.get(ts.size() - 1);
            }
        }

        /** The process dies (a crash, an exit, a halt after a fatal error); systemd restarts it. */
        void crashSupervisor(boolean log) {
            if (!alive) {
                return;
            }
            if (log) {
                log("node " + id + " supervisor process dies; its mount, DRBD role and addresses stay");
            }
            alive = false;
            life++;
            // systemd ends what is left of the service's control group (KillMode=mixed): MariaDB, a child of the
            // supervisor, dies with it; kernel state (the mount, DRBD's role, addresses) stays
            if (res[1] != Res.STOPPED && !stray[1]) {
                res[1] = Res.STOPPED;
            }
            int e = epoch;
            at(now + 1000 + rnd.nextInt(2000), this, e, () -> {
                if (!alive) {
                    startSupervisor();
                }
            });
        }

        /** Runs {@code r} in this process life, deferred past a stall of the whole process. */
        void inProcess(int l, Runnable r) {
            if (!alive || life != l) {
                return;
            }
            if (now < stalledUntil) {
                int e = epoch;
                at(stalledUntil + rnd.nextInt(20), this, e, () -> inProcess(l, r));
                return;
            }
            try {
                r.run();
                traceTransitions();
            } catch (Throwable t) {
                // LoopThread: anything a task throws is fatal; the process halts (the peer fences it)
                log("node " + id + " fatal: " + t);
                crashSupervisor(false);
            }
        }

        // ---- membership: the production pulse's timing, frames through PeerWatch

        void pulse(int l, long scheduledAt) {
            send(l);
            int e = epoch;
            at(scheduledAt + KEEPALIVE, this, e, () -> inProcess(l, () -> pulse(l, now)));
        }

        void send(int l) {
            if (!alive || life != l) {
                return;
            }
            HeartbeatFrame f = new HeartbeatFrame(announced, "n" + id, incarnation, ++frameSeq, wall(),
                    (int) KEEPALIVE, (int) DEADTIME);
            SimNode to = peer();
            for (int link = 0; link < 2; link++) {
                if (linkUp[link]) {
                    int k = link;
                    long delay = 1 + rnd.nextInt(rnd.nextInt(20) == 0 ? 400 : 20);
                    at(now + delay, to, to.epoch, () -> to.receive(k, f));
                }
            }
        }

        void receive(int link, HeartbeatFrame f) {
            if (!linkUp[link]) {
                return;
            }
            int l = life;
            inProcess(l, () -> {
                PeerWatch.Accepted a = watch.accept(link == 0 ? "serial" : "udp", f, now * MS);
                for (PeerTracker.Event e : a.events()) {
                    node.peerEvent(e);
                }
                if (a.verdict() == PeerWatch.Verdict.FRESH) {
                    lastFresh = f.status();
                    lastFreshAt = now;
                    node.peerFrame(f);
                }
            });
        }

        void tick(int l) {
            int e = epoch;
            at(now + KEEPALIVE / 4, this, e, () -> inProcess(l, () -> {
                for (PeerTracker.Event ev : watch.tick(now * MS)) {
                    node.peerEvent(ev);
                }
                tick(l);
            }));
        }

        /** What production's membership gives the node loop. */
        final class SimLink implements PeerLink {
            @Override
            public void announce(HeartbeatFrame.Status status) {
                boolean changed = !status.equals(announced);
                announced = status;
                if (changed) {
                    send(life); // production's pulse sends a changed status at once
                }
            }

            @Override
            public PeerTracker.PeerState peerState() {
                return watch.state();
            }

            @Override
            public List<PeerTracker.LinkView> links() {
                return watch.links(now * MS);
            }

            @Override
            public long peerIncarnation() {
                return watch.incarnation();
            }
        }

        // ---- DRBD's fence-peer handler, as `palisade drbd-fence-peer` asks this node's supervisor

        void handlerAsync(IntConsumer exit) {
            if (!alive) {
                exit.accept(SupervisorCommand.drbdExitCode(null)); // nobody answers the control socket
                return;
            }
            handlerFences++;
            int l = life;
            inProcess(l, () -> node.fencePeerForReplication(SimDrbd.RESOURCE, answer -> {
                handlerFences--;
                exit.accept(SupervisorCommand.drbdExitCode(answer));
            }));
        }

        /** During drbdadm primary: the handler's answer, the fence's device calls taking effect at once. */
        int handlerNow() {
            if (!alive) {
                return SupervisorCommand.drbdExitCode(null);
            }
            try {
                String refusal = drbdResource.fencePeerRefusal();
                if (refusal != null) {
                    return SupervisorCommand.drbdExitCode("error: refusing to fence: " + refusal);
                }
                instant = true;
                handlerFences++;
                FenceCoordinator.Outcome o = new FenceCoordinator(new FenceCoordinator.Clock() {
                    @Override
                    public long nanos() {
                        return now * MS;
                    }

                    @Override
                    public void sleep(Duration d) {
                        // time stands still inside this call
                    }
                }).fence(nodePlan(), FenceCoordinator.Action.OFF, Duration.ZERO,
                        () -> true, s -> { });
                return SupervisorCommand.drbdExitCode(o.fenced() ? "fenced: " + o.summary() : "error: " + o.summary());
            } catch (IOException | InterruptedException e) {
                return SupervisorCommand.drbdExitCode(null);
            } finally {
                instant = false;
                handlerFences--;
            }
        }

        private FenceCoordinator.Plan nodePlan() {
            // a short verify: with time standing still, a status that does not read off fails at once
            return new FenceCoordinator.Plan("n" + (1 - id), Duration.ZERO, List.of(new FenceCoordinator.Level(
                    List.of(new SimFenceDevice(this)))), Duration.ZERO, Duration.ofMillis(1));
        }
    }

    static final long MS = 1_000_000L;

    // ------------------------------------------------------------------ the loop's scheduler and lanes

    /** The node loop's {@link Scheduler} in virtual time, bound to one process life. */
    final class SimScheduler implements Scheduler {
        private final SimNode n;
        private final int life;

        SimScheduler(SimNode n, int life) {
            this.n = n;
            this.life = life;
        }

        @Override
        public long nanos() {
            return now * MS;
        }

        @Override
        public long wallMillis() {
            return n.wall();
        }

        @Override
        public void post(Runnable task) {
            int e = n.epoch;
            at(now, n, e, () -> n.inProcess(life, task));
        }

        @Override
        public Timer schedule(long delayMillis, Runnable task) {
            boolean[] cancelled = {false};
            int e = n.epoch;
            at(now + delayMillis, n, e, () -> n.inProcess(life, () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            }));
            return () -> cancelled[0] = true;
        }
    }

    /**
     * A {@link Lane} in virtual time: one call at a time; the call's work runs when it begins (what it changes
     * counts from then on), its end effects and its result come after what the device or resource says it costs.
     */
    final class SimLane implements Lane {
        private final SimNode n;
        private final int life;
        private final Deque<Runnable> waiting = new ArrayDeque<>();
        private boolean busy;

        SimLane(SimNode n, int life) {
            this.n = n;
            this.life = life;
        }

        @Override
        public <T> void call(Callable<T> work, Done<T> done) {
            waiting.addLast(() -> begin(work, done));
            if (!busy) {
                next();
            }
        }

        private void next() {
            Runnable r = waiting.pollFirst();
            busy = r != null;
            if (r != null) {
                r.run();
            }
        }

        private <T> void begin(Callable<T> work, Done<T> done) {
            callTook = -1;
            callEnds = null;
            T value = null;
            Exception failure = null;
            try {
                value = work.call();
            } catch (Exception e) {
                failure = e;
            }
            long took = callTook >= 0 ? callTook : 1 + rnd.nextInt(5);
            Runnable ends = callEnds;
            T v = value;
            Exception f = failure;
            int e = n.epoch;
            at(now + took, n, e, () -> {
                if (ends != null) {
                    ends.run();
                }
                check();
                n.inProcess(life, () -> {
                    done.accept(v, f);
                    next();
                });
            });
        }
    }

    // ------------------------------------------------------------------ simulated devices and resources

    /** The filesystem and MariaDB of the group on one node. */
    final class SimResource implements Resource {
        private final SimNode n;
        private final int i;
        private final String name;

        SimResource(SimNode n, int i, String name) {
            this.n = n;
            this.i = i;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start() throws IOException {
            if (n.res[i] == Res.STARTED) {
                costs(1, null);
                return;
            }
            if (!drbd.disks[n.id].primary) {
                // the file system is on the DRBD device (and the database on the file system): a Secondary refuses
                throw new IOException(name + ": the DRBD device is not Primary here");
            }
            boolean ok = !faulty() || rnd.nextInt(25) != 0;
            n.res[i] = Res.STARTING; // held from now on
            n.stray[i] = false;
            check();
            costs(5 + rnd.nextInt(rnd.nextInt(15) == 0 ? 2000 : 100), () -> {
                // a mount that raced a demotion finds no device
                n.res[i] = !drbd.disks[n.id].primary ? Res.STOPPED : ok ? Res.STARTED : Res.FAILED;
            });
            if (!ok) {
                throw new IOException(name + " did not start (half up)");
            }
        }

        @Override
        public void stop() throws IOException {
            if (n.res[i] == Res.STOPPED) {
                costs(1, null);
                return;
            }
            boolean ok = !faulty() || rnd.nextInt(40) != 0;
            Res before = n.res[i];
            n.res[i] = Res.STOPPING;
            costs(5 + rnd.nextInt(rnd.nextInt(15) == 0 ? 2000 : 100), () -> {
                n.res[i] = ok ? Res.STOPPED : before == Res.STOPPING ? Res.STARTED : before;
                n.stray[i] &= !ok;
            });
            if (!ok) {
                throw new IOException(name + " would not stop");
            }
        }

        @Override
        public Status monitor() throws IOException {
            costs(2 + rnd.nextInt(20), null);
            if (n.monitorsBlind) {
                throw new IOException(name + ": monitor cannot tell");
            }
            return switch (n.res[i]) {
                case STOPPED -> Status.STOPPED;
                case FAILED -> Status.FAILED;
                default -> Status.RUNNING;
            };
        }
    }

    /**
     * The power of the peer of {@code owner}: an IPMI-like device (reads off reliably) or a stock fence_virt-like
     * one (answers OFF for a domain it does not know), each OK, failing, hanging, or reaching the wrong target.
     */
    final class SimFenceDevice implements FenceDevice {
        private final SimNode owner;

        SimFenceDevice(SimNode owner) {
            this.owner = owner;
        }

        private SimNode target() {
            return owner.peer();
        }

        @Override
        public String describe() {
            return (owner.reliableDevice ? "ipmi" : "fence_virt") + " of n" + target().id;
        }

        @Override
        public boolean offIsReliable() {
            return owner.reliableDevice;
        }

        private void trouble(String what) throws IOException {
            switch (owner.device) {
                case FAILING -> {
                    costs(20 + rnd.nextInt(300), null);
                    throw new IOException(what + ": no answer");
                }
                case HANGING -> {
                    costs(2000 + rnd.nextInt(3000), null);
                    throw new IOException(what + ": timed out");
                }
                default -> costs(quick(), null);
            }
        }

        @Override
        public void checkTarget() throws IOException {
            trouble("list");
            if (owner.device == DeviceMode.WRONG_TARGET && !owner.reliableDevice) {
                throw new IOException("domain not in the gateway's list");
            }
        }

        @Override
        public Power status() throws IOException {
            trouble("status");
            if (owner.device == DeviceMode.WRONG_TARGET) {
                if (target().powered) {
                    owner.offReadWhileOnAt = now;
                }
                return Power.OFF; // the stock protocol's answer for a domain it does not know
            }
            return target().powered ? Power.ON : Power.OFF;
        }

        @Override
        public void off() throws IOException {
            trouble("off");
            if (owner.device == DeviceMode.WRONG_TARGET) {
                throw new IOException("gateway answered FAIL");
            }
            SimNode t = target();
            if (owner.handlerFences == 0 && owner.watch != null && heardAgain(owner, t)) {
                fail("node " + owner.id + " fences node " + t.id + " although it hears it again ("
                        + State.fromWire(owner.lastFresh.state()) + ", " + (now - owner.lastFreshAt) + " ms ago)");
            }
            costs(20 + rnd.nextInt(rnd.nextInt(10) == 0 ? 2000 : 200), () -> {
                fences++;
                t.powerOff("fenced by node " + owner.id);
                if (faulty() && rnd.nextInt(3) == 0) {
                    bootLater(t, 500 + rnd.nextInt(4000));
                }
            });
        }

        @Override
        public void on() throws IOException {
            trouble("on");
        }
    }

    /** The duration a fence outcome's summary states ("... in 247 ms"). */
    private static long fenceMillis(String summary) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" in (\\d+) ms").matcher(summary);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Whether {@code n} now hears {@code t} alive in a state that does not ask for a fence. */
    private boolean heardAgain(SimNode n, SimNode t) {
        PeerTracker.PeerState s = n.watch.state();
        if (!s.heard()) {
            return false;
        }
        State said = State.fromWire(n.lastFresh.state());
        return said != State.FAILED && (said == null || !said.holds() || !n.holds());
    }

    // ------------------------------------------------------------------ invariants

    void check() {
        SimNode a = nodes[0];
        SimNode b = nodes[1];
        if (a.powered && b.powered && a.holds() && b.holds()) {
            fail("both nodes hold resources");
        }
        if (a.writable() && b.writable()) {
            fail("both nodes are writable");
        }
    }

    private void liveness() {
        boolean bothUp = true;
        int active = 0;
        boolean someoneMay = false;
        for (SimNode n : nodes) {
            if (!n.powered || !n.alive || n.node == null) {
                bothUp = false;
                continue;
            }
            State s = n.node.state();
            active += s == State.ACTIVE ? 1 : 0;
            boolean eligible = s != State.FAILED && n.announced.desire() >= 0;
            boolean dataReady = drbd.disks[n.id].disk.equals("UpToDate");
            someoneMay |= eligible && dataReady;
            if ((s == State.STANDBY || s == State.INITDEAD) && !n.node.holding() && n.holdsAnything()) {
                fail("after the calm, node " + n.id + " holds resources while " + s);
            }
        }
        if (someoneMay && active != 1) {
            fail("after the calm, " + active + " nodes are ACTIVE (node 0 " + describe(nodes[0]) + "; node 1 "
                    + describe(nodes[1]) + ")");
        }
        if (bothUp) {
            for (SimNode n : nodes) {
                if (n.watch.state() != PeerTracker.PeerState.ALIVE) {
                    fail("after the calm, node " + n.id + " does not hear node " + (1 - n.id) + " ("
                            + n.watch.state() + ", peer incarnation " + n.peer().incarnation + ", refused as older: "
                            + n.watch.counters().oldIncarnation.get() + ")");
                }
            }
        }
    }

    private String describe(SimNode n) {
        if (!n.powered) {
            return "off";
        }
        if (!n.alive || n.node == null) {
            return "supervisor down";
        }
        return n.node.state() + ", desire " + n.announced.desire() + ", disk " + drbd.disks[n.id].disk
                + (n.node.status().blocked() != null ? ", waiting: " + n.node.status().blocked() : "");
    }

    // ------------------------------------------------------------------ schedules and faults

    /** Runs a random fault schedule for {@code duration} simulated ms; returns the violation or null. */
    String run(long duration) {
        calmFrom = duration - CALM;
        at(rnd.nextInt(200), null, 0, nodes[0]::boot);
        at(rnd.nextInt(200), null, 0, nodes[1]::boot);
        at(0, null, 0, this::writer);
        int faults = 2 + rnd.nextInt(8);
        for (int f = 0; f < faults; f++) {
            long t = 2500 + rnd.nextInt((int) (calmFrom - 2500));
            int kind = rnd.nextInt(17);
            int who = rnd.nextInt(2);
            at(t, null, 0, () -> fault(kind, who));
        }
        at(calmFrom, null, 0, this::calm);
        while (!queue.isEmpty() && violation == null) {
            if (++events > 5_000_000) {
                fail("runaway: five million events (a loop at one instant?)");
                break;
            }
            Ev e = queue.poll();
            // the calm lasts CALM after the last boot a fault had scheduled (at most 30 s more)
            if (e.at > Math.min(Math.max(duration, lastBoot + CALM), duration + 30_000)) {
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

    /** The application writes a row every 40 ms through whichever node is writable. */
    private void writer() {
        for (SimNode n : nodes) {
            if (n.writable() && drbd.write(n.id)) {
                writes++;
            }
        }
        at(now + 40, null, 0, this::writer);
    }

    /** The calm: every fault ends; what is off stays off unless a reboot was already due. */
    private void calm() {
        log("calm: faults end");
        linkUp[0] = linkUp[1] = true;
        drbd.replication(true);
        for (SimNode n : nodes) {
            n.device = DeviceMode.OK;
            n.monitorsBlind = false;
            n.stalledUntil = Math.min(n.stalledUntil, now);
        }
    }

    private void bootLater(SimNode n, long delay) {
        at(now + delay, null, 0, () -> {
            if (!n.powered) {
                n.boot();
            }
        });
    }

    private void later(long delay, Runnable r) {
        at(now + delay, null, 0, () -> {
            if (faulty()) {
                r.run();
            }
        });
    }

    private void command(SimNode n, ControlCommand.Kind c) {
        if (n.powered && n.alive && n.node != null) {
            int l = n.life;
            n.inProcess(l, () -> log("operator on node " + n.id + ": " + c + ": " + n.node.command(new ControlCommand(c, null))));
        }
    }

    private void fault(int kind, int who) {
        SimNode n = nodes[who];
        switch (kind) {
            case 0 -> { // cut one heartbeat link for a while
                int l = rnd.nextInt(2);
                linkUp[l] = false;
                log("heartbeat link " + l + " cut");
                later(200 + rnd.nextInt(3000), () -> linkUp[l] = true);
            }
            case 1 -> { // both heartbeat links cut
                linkUp[0] = linkUp[1] = false;
                log("both heartbeat links cut");
                later(300 + rnd.nextInt(4000), () -> linkUp[0] = linkUp[1] = true);
            }
            case 2 -> { // crash, and maybe a reboot (sometimes with the clock two minutes behind)
                n.powerOff("crash");
                if (rnd.nextBoolean()) {
                    n.clockOffset = rnd.nextInt(3) == 0 ? -120_000 : 0;
                    bootLater(n, 500 + rnd.nextInt(3000));
                }
            }
            case 3 -> command(n, ControlCommand.Kind.STANDBY);
            case 4 -> command(n, ControlCommand.Kind.SWITCHOVER);
            case 5 -> command(n, ControlCommand.Kind.UNSTANDBY);
            case 6 -> { // orderly shutdown: standby, leave once idle, power off, maybe boot again
                command(n, ControlCommand.Kind.STANDBY);
                leaveWhenIdle(n, n.epoch, 0);
            }
            case 7 -> { // a resource of the active node fails (MariaDB crashes)
                if (n.powered && n.res[1] == Res.STARTED) {
                    log("node " + n.id + ": mariadb crashes");
                    n.res[1] = Res.STOPPED;
                }
            }
            case 8 -> { // the replication link is cut for a while; sometimes the fence devices fail meanwhile
                drbd.replication(false);
                log("replication link cut");
                if (rnd.nextBoolean()) {
                    nodes[0].device = nodes[1].device = DeviceMode.FAILING;
                    log("fence devices fail");
                    later(500 + rnd.nextInt(4000), () -> nodes[0].device = nodes[1].device = DeviceMode.OK);
                }
                later(500 + rnd.nextInt(5000), () -> drbd.replication(true));
                if (rnd.nextBoolean()) { // and later the node that wrote alone loses power
                    later(1000 + rnd.nextInt(3000), () -> {
                        for (SimNode x : nodes) {
                            if (drbd.disks[x.id].primary) {
                                x.powerOff("crash after the replication link was cut");
                                bootLater(x, 1000 + rnd.nextInt(6000));
                            }
                        }
                    });
                }
            }
            case 9 -> { // the site loses power; the node that is behind boots first
                boolean cutFirst = rnd.nextBoolean();
                if (cutFirst) {
                    drbd.replication(false);
                    log("replication link cut (site power loss follows)");
                }
                later(cutFirst ? 500 + rnd.nextInt(2000) : 0, () -> {
                    nodes[0].powerOff("site power loss");
                    nodes[1].powerOff("site power loss");
                    drbd.replication(true);
                    SimNode behind = drbd.disks[0].data.cardinality() < drbd.disks[1].data.cardinality() ? nodes[0]
                            : drbd.disks[1].data.cardinality() < drbd.disks[0].data.cardinality() ? nodes[1] : n;
                    bootLater(behind, 300 + rnd.nextInt(1000));
                    if (rnd.nextInt(4) != 0) {
                        bootLater(behind.peer(), 3000 + rnd.nextInt(8000));
                    }
                });
            }
            case 10 -> { // the supervisor process crashes; its resources stay; sometimes its monitors cannot tell
                if (n.powered && n.alive) {
                    if (rnd.nextBoolean()) {
                        n.monitorsBlind = true;
                        log("node " + n.id + ": monitors cannot tell");
                        later(1500 + rnd.nextInt(4000), () -> n.monitorsBlind = false);
                        if (rnd.nextBoolean()) {
                            n.peer().device = DeviceMode.FAILING;
                            later(2000 + rnd.nextInt(4000), () -> n.peer().device = DeviceMode.OK);
                        }
                    }
                    n.crashSupervisor(true);
                }
            }
            case 11 -> { // the whole process stalls (a long pause)
                if (n.powered && n.alive) {
                    long p = 200 + rnd.nextInt(900);
                    n.stalledUntil = now + p;
                    log("node " + n.id + " stalls for " + p + " ms");
                }
            }
            case 12 -> { // a fence device goes wrong for a while; sometimes during a partition, the peer's failing
                n.device = DeviceMode.values()[1 + rnd.nextInt(3)];
                if (n.device == DeviceMode.WRONG_TARGET && n.reliableDevice) {
                    // a BMC that reads its own chassis cannot be told from the right one by what it answers
                    n.device = DeviceMode.HANGING;
                }
                log("node " + n.id + "'s fence device: " + n.device);
                later(1000 + rnd.nextInt(5000), () -> n.device = DeviceMode.OK);
                if (rnd.nextBoolean()) {
                    SimNode p = n.peer();
                    p.device = DeviceMode.FAILING;
                    log("node " + p.id + "'s fence device: FAILING");
                    later(1500 + rnd.nextInt(4000), () -> p.device = DeviceMode.OK);
                }
                if (rnd.nextBoolean()) {
                    later(rnd.nextInt(500), () -> {
                        linkUp[0] = linkUp[1] = false;
                        log("both heartbeat links cut");
                    });
                    later(1500 + rnd.nextInt(3000), () -> linkUp[0] = linkUp[1] = true);
                }
            }
            case 13 -> { // monitors cannot tell for a while
                n.monitorsBlind = true;
                log("node " + n.id + ": monitors cannot tell");
                later(500 + rnd.nextInt(3000), () -> n.monitorsBlind = false);
            }
            case 14 -> { // someone starts MariaDB's filesystem by hand on a node that does not hold the group
                if (n.powered && !n.holds() && !n.peer().holds()) {
                    log("node " + n.id + ": the filesystem is mounted by hand");
                    n.res[0] = Res.STARTED;
                    n.stray[0] = true;
                }
            }
            case 15 -> { // the node loop dies (an Error in a task): the process halts
                if (n.powered && n.alive) {
                    log("node " + n.id + ": its loop dies");
                    n.inProcess(n.life, () -> {
                        throw new OutOfMemoryError("simulated");
                    });
                }
            }
            default -> { // power cycle with the clock two minutes behind (no RTC battery, NTP not yet synced)
                n.powerOff("power cycle");
                n.clockOffset = -120_000;
                bootLater(n, 300 + rnd.nextInt(1500));
            }
        }
    }

    private void leaveWhenIdle(SimNode n, int epoch, int tries) {
        at(now + 50, n, epoch, () -> {
            if (!n.alive || n.node == null) {
                return;
            }
            int l = n.life;
            n.inProcess(l, () -> {
                if (n.node.leave()) {
                    log("node " + n.id + " leaves in order");
                    at(now + 20 + rnd.nextInt(300), n, epoch, () -> {
                        n.powerOff("orderly shutdown");
                        if (rnd.nextBoolean()) {
                            bootLater(n, 500 + rnd.nextInt(3000));
                        }
                    });
                } else if (tries < 200) {
                    leaveWhenIdle(n, epoch, tries + 1);
                }
            });
        });
    }
}
