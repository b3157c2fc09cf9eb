package dev.palisade.supervisor.node;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.config.VrrpConfig;
import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.failover.FailoverMachine.Event;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.fencing.FenceCoordinator;
import dev.palisade.supervisor.fencing.FencePlans;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import dev.palisade.supervisor.membership.Membership;
import dev.palisade.supervisor.membership.PeerTracker;
import dev.palisade.supervisor.resources.GroupRun;
import dev.palisade.supervisor.resources.Resource;
import dev.palisade.supervisor.resources.ResourceFactory;
import dev.palisade.supervisor.vrrp.VrrpInstance;
import dev.palisade.supervisor.vrrp.VrrpMachine;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * One running supervisor: heartbeat membership, the failover machine, fencing, the resource group and the
 * VRRP instances, wired together. One loop thread owns the machine and is the only one to touch it; the
 * heartbeat threads, the fencing worker, the resource worker, the monitor and the control socket only post
 * events to it. Slow work runs on its own thread and answers with an event; the resource worker runs starts,
 * stops and monitors one at a time, so a monitor never races a stop.
 */
public final class SupervisorNode implements AutoCloseable {
    /** How long a failed fence waits before it is tried again. */
    private static final long FENCE_RETRY_MILLIS = 2000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    /** One transition, for status output. */
    public record Transition(long atMillis, State from, State to, String reason) {
        @Override
        public String toString() {
            return TIME.format(Instant.ofEpochMilli(atMillis)) + " " + from + " -> " + to + ": " + reason;
        }
    }

    private final SupervisorConfig config;
    private final FenceKey key;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final ExecutorService fenceWorker = Executors.newSingleThreadExecutor(daemon("fence"));
    private final ExecutorService resourceWorker = Executors.newSingleThreadExecutor(daemon("resources"));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemon("timers"));
    private final Map<String, VrrpInstance> vrrp = new LinkedHashMap<>();
    private final List<Resource> resources = new ArrayList<>();
    private final Map<String, Resource.Status> lastMonitor = new LinkedHashMap<>();
    private final Deque<Transition> history = new ArrayDeque<>();
    private final boolean home;
    private volatile Membership membership;
    private volatile FailoverMachine machine;
    private FenceCoordinator.Plan peerPlan;
    private String peerPlanError;
    private Thread loop;
    private volatile boolean closed;
    private volatile boolean fenceWanted;
    private volatile boolean holding;
    private final java.util.concurrent.atomic.AtomicBoolean monitorQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** One fence of the peer at a time, whoever asks (the failover machine or DRBD's handler). */
    private final Object fenceLock = new Object();
    /** The peer's power was verified off and it has not been heard since. */
    private volatile boolean peerFenced;
    private volatile State state = State.INITDEAD;
    private volatile HeartbeatFrame.Status peerStatus = HeartbeatFrame.Status.UNKNOWN;
    private volatile long peerHeardAt = -1;
    private volatile long stateSince = System.currentTimeMillis();
    private volatile FenceCoordinator.Outcome lastFence;
    private boolean fencing;

    public SupervisorNode(SupervisorConfig config, FenceKey key) {
        this.config = config;
        this.key = key;
        this.home = !config.groups().isEmpty() && config.groups().get(0).home().equalsIgnoreCase(config.node());
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, "supervisor-" + name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts everything; resources are built (and their lines checked) before anything else runs. */
    public void start() throws IOException {
        if (config.groups().size() > 1) {
            throw new IOException(config.groups().get(1).position() + ": a second resource group (the first is at "
                    + config.groups().get(0).position() + "); the supervisor runs one group per pair: put every "
                    + "resource in it, in start order");
        }
        List<String> vipInstances = config.groups().isEmpty() ? List.of() : config.groups().get(0).vipInstances();
        try {
            for (VrrpConfig.Instance i : config.vrrp().instances()) {
                // an instance that moves with the group runs released until the group takes it
                vrrp.put(i.name(), vipInstances.contains(i.name()) ? VrrpInstance.startReleased(i, line -> { })
                        : VrrpInstance.start(i, line -> { }));
            }
            ResourceFactory factory = new ResourceFactory(ResourceFactory.Paths.SYSTEM, vrrp, new ResourceFactory.Drbd(
                    "/usr/sbin/drbdadm", "/usr/sbin/drbdsetup", () -> peerFenced));
            if (!config.groups().isEmpty()) {
                for (String line : config.groups().get(0).resources()) {
                    try {
                        resources.add(factory.create(line));
                    } catch (IllegalArgumentException e) {
                        throw new IOException(config.groups().get(0).position() + ": " + e.getMessage(), e);
                    }
                }
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        var peerFencing = config.fencing().node(config.peer());
        if (peerFencing.isPresent()) {
            try {
                peerPlan = FencePlans.plan(config.fencing(), peerFencing.get());
            } catch (IOException e) {
                peerPlanError = e.getMessage();
            }
        } else {
            peerPlanError = "no fencing configured for " + config.peer() + "; it can never be taken over from";
        }
        if (peerPlanError != null) {
            Logger.error("fencing: {}", peerPlanError);
        }
        try {
            stopLeftovers();
        } catch (IOException e) {
            close();
            throw e;
        }
        membership = new Membership(config, key, new Membership.Listener() {
            @Override
            public void event(PeerTracker.Event e) {
                if (e.kind() == PeerTracker.Event.Kind.PEER_DEAD) {
                    post(() -> {
                        handle(Event.PEER_DEAD, null);
                        if (machine.state() == State.INITDEAD) {
                            handle(Event.INITDEAD_EXPIRED, null);
                        }
                    });
                }
            }

            @Override
            public void frame(HeartbeatFrame f) {
                peerHeardAt = System.nanoTime();
                peerFenced = false;
                peerStatus = f.status();
                HeartbeatFrame.Status s = f.status();
                FailoverMachine.PeerView view = new FailoverMachine.PeerView(State.fromWire(s.state()), s.desire(), s.claim(), s.grant(),
                        s.wantsRelease(), s.leaving(), f.incarnation(), f.seqno());
                post(() -> handle(Event.PEER_HEARD, view));
            }
        });
        machine = new FailoverMachine(home, config.autoFailback(), membership.incarnation(), new Effects());
        publish();
        loop = new Thread(this::loop, "supervisor-loop");
        loop.setDaemon(true);
        loop.setPriority(Thread.MAX_PRIORITY);
        loop.start();
        membership.start();
        long every = config.monitorInterval().toMillis();
        timers.scheduleWithFixedDelay(this::monitorAll, every, every, TimeUnit.MILLISECONDS);
        Logger.info("supervisor {} (peer {}): {} resource(s){}, home node {}, auto_failback {}", config.node(),
                config.peer(), resources.size(), resources.isEmpty() ? "" : " " + resources.stream()
                        .map(Resource::name).toList(), home ? "yes" : "no", config.autoFailback() ? "on" : "off");
    }

    /**
     * Before this node joins, nothing of the group may still run here (a supervisor restarted while the machine
     * kept running): the peer could otherwise start it on the same data. Whatever a monitor finds is stopped,
     * right to left; what will not stop keeps the supervisor from starting (the peer, no longer hearing it,
     * fences this node, which stops it for good).
     */
    private void stopLeftovers() throws IOException {
        List<String> found = new ArrayList<>();
        for (Resource r : resources) {
            Resource.Status s;
            try {
                s = r.monitor();
            } catch (IOException | RuntimeException e) {
                Logger.warn("start-up: cannot tell whether {} runs ({}); taking it as not running", r.name(),
                        e.getMessage());
                continue;
            }
            if (s != Resource.Status.STOPPED) {
                found.add(r.name() + " (" + s + ")");
            }
        }
        if (found.isEmpty()) {
            return;
        }
        Logger.warn("start-up: found {} still here; stopping the group before joining the peer", found);
        if (!run(GroupRun.stop(resources.size()))) {
            throw new IOException("start-up: " + found + " found running and would not stop; not joining (the peer "
                    + "will fence this node)");
        }
        Logger.info("start-up: the group is verified stopped");
    }

    private void loop() {
        while (!closed) {
            Runnable r;
            try {
                r = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (r != null) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    Logger.error(e, "supervisor loop: an event failed");
                }
            }
        }
    }

    private void post(Runnable r) {
        if (!closed) {
            queue.add(r);
        }
    }

    /** On the loop thread only. */
    private void handle(Event e, FailoverMachine.PeerView view) {
        machine.handle(e, view);
        publish();
    }

    /** On the loop thread: what the heartbeats say and what other threads may read. */
    private void publish() {
        FailoverMachine.PeerView me = machine.announce();
        state = machine.state();
        fenceWanted = machine.fenceStillWanted();
        holding = machine.holding();
        membership.announce(new HeartbeatFrame.Status(me.state().wire(), me.desire(), me.claim(), me.grant(),
                me.wantsRelease(), me.leaving()));
    }

    /** An operator command, handed to the machine; returns what the node is doing now. */
    public String command(String cmd) {
        if (machine == null) {
            return "error: the supervisor is still starting; try again in a moment";
        }
        Event e = switch (cmd) {
            case "standby" -> Event.CMD_STANDBY;
            case "unstandby", "online" -> Event.CMD_UNSTANDBY;
            case "switchover", "takeover" -> Event.CMD_SWITCHOVER;
            case "maintenance on", "maintenance" -> Event.CMD_MAINTENANCE_ON;
            case "maintenance off" -> Event.CMD_MAINTENANCE_OFF;
            default -> null;
        };
        if (e == null) {
            return null;
        }
        State now = onLoop(() -> {
            handle(e, null);
            return machine.state();
        }, null);
        return now == null ? "error: the supervisor loop did not take the command within 5 s"
                : "ok: " + cmd + " -> " + now;
    }

    /** Runs {@code work} on the loop thread and waits up to 5 s for its result; {@code ifLate} when none came. */
    private <T> T onLoop(java.util.function.Supplier<T> work, T ifLate) {
        java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
        post(() -> done.complete(work.get()));
        try {
            return done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return ifLate;
        }
    }

    public State state() {
        return state;
    }

    /**
     * For DRBD's fence-peer handler: fences the peer now (its levels, verified off; no race delay, since DRBD
     * already froze I/O and only the handler's answer releases it). Returns the outcome's summary; the caller
     * maps it to DRBD's exit codes.
     */
    public FenceCoordinator.Outcome fencePeerForReplication() throws InterruptedException {
        if (peerPlan == null) {
            return new FenceCoordinator.Outcome(config.peer(), false, false, 0, 0, List.of());
        }
        Logger.warn("fence {}: asked by DRBD's fence-peer handler (replication link lost)", config.peer());
        return fenceOnce(peerPlan.withoutDelay(), () -> true);
    }

    /** Fences the peer by {@code plan}, one fence at a time, and keeps the outcome for status. */
    private FenceCoordinator.Outcome fenceOnce(FenceCoordinator.Plan plan, java.util.function.BooleanSupplier wanted)
            throws InterruptedException {
        synchronized (fenceLock) {
            FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM).fence(plan,
                    FenceCoordinator.Action.OFF, wanted, step -> { });
            lastFence = o;
            if (o.fenced()) {
                peerFenced = true;
            }
            return o;
        }
    }

    /** Everything an operator asks about at 3 a.m., as text. */
    public String status() {
        if (membership == null) {
            return "node " + config.node() + ": starting (checking for leftovers of the group before joining)\n";
        }
        StringBuilder sb = new StringBuilder();
        long now = System.nanoTime();
        sb.append("node ").append(config.node()).append(": ").append(state).append(" since ")
                .append(TIME.format(Instant.ofEpochMilli(stateSince)));
        Transition last;
        synchronized (history) {
            last = history.peekLast();
        }
        if (last != null) {
            sb.append(" (").append(last.reason()).append(")");
        }
        sb.append("\n");
        HeartbeatFrame.Status ps = peerStatus;
        State said = State.fromWire(ps.state());
        String peerState = said == null ? "UNKNOWN" : said.toString();
        PeerTracker.PeerState ms = membership.peerState();
        boolean heardNow = ms == PeerTracker.PeerState.ALIVE || ms == PeerTracker.PeerState.WARNED;
        sb.append("peer ").append(config.peer()).append(": ").append(heardNow ? peerState
                        : "not heard" + (ps.state() == 0 ? "" : " (last said " + peerState + ")"))
                .append(", membership ").append(ms.toString().toLowerCase());
        long heard = peerHeardAt;
        sb.append(heard < 0 ? ", never heard" : ", heard " + (now - heard) / 1_000_000 + " ms ago").append("\n");
        sb.append("links: ").append(membership.describeLinks()).append("\n");
        FenceCoordinator.Outcome f = lastFence;
        sb.append("fencing ").append(config.peer()).append(": ").append(peerPlanError != null ? peerPlanError
                : peerPlan.levels().size() + " level(s), race delay " + peerPlan.delay().toMillis() + " ms")
                .append(f == null ? "" : "; last: " + f.summary()).append("\n");
        sb.append("resources").append(config.groups().isEmpty() ? ": none\n" : " (home "
                + config.groups().get(0).home() + "):\n");
        synchronized (lastMonitor) {
            for (Resource r : resources) {
                sb.append("  ").append(r.name()).append(": ").append(lastMonitor.getOrDefault(r.name(),
                        Resource.Status.STOPPED)).append("\n");
            }
        }
        for (VrrpInstance i : vrrp.values()) {
            boolean here = i.state() == VrrpMachine.State.MASTER;
            sb.append("vip ").append(i.name()).append(" ").append(i.config().vips()).append(": ")
                    .append(here ? "held by " + config.node() + " (this node, VRRP MASTER)"
                            : "not here (VRRP " + i.state() + (heardNow && peerState.equals("ACTIVE") ? "; peer "
                            + config.peer() + " is ACTIVE" : "") + ")").append("\n");
        }
        sb.append("recent transitions:\n");
        synchronized (history) {
            for (Transition t : history) {
                sb.append("  ").append(t).append("\n");
            }
        }
        return sb.toString();
    }

    /** One monitor call; a monitor that cannot tell is a failure. */
    private static Resource.Status monitor(Resource r) {
        try {
            return r.monitor();
        } catch (IOException | RuntimeException e) {
            Logger.warn("monitor {}: {}", r.name(), e.getMessage());
            return Resource.Status.FAILED;
        }
    }

    private void monitorAll() {
        if (!monitorQueued.compareAndSet(false, true)) {
            return; // the last pass has not run yet (a slow monitor, or a start or stop in progress): skip this one
        }
        resourceWorker.execute(() -> {
            monitorQueued.set(false);
            for (Resource r : resources) {
                Resource.Status s = monitor(r);
                Resource.Status before;
                synchronized (lastMonitor) {
                    before = lastMonitor.put(r.name(), s);
                }
                if (state == State.ACTIVE && s != Resource.Status.RUNNING) {
                    Logger.error("monitor: {} is {} on the active node", r.name(), s);
                    post(() -> {
                        if (machine.state() == State.ACTIVE) {
                            handle(Event.RESOURCE_FAILED, null);
                        }
                    });
                    return;
                }
                if (before != null && before != s) {
                    Logger.info("monitor: {} {} -> {}", r.name(), before, s);
                }
            }
        });
    }

    private final class Effects implements FailoverMachine.Effects {
        @Override
        public void fencePeer() {
            if (fencing) {
                return; // one fence at a time; its outcome is the answer
            }
            fencing = true;
            fenceWorker.execute(() -> {
                Event result;
                try {
                    if (peerPlan == null) {
                        Logger.error("fence {}: {}", config.peer(), peerPlanError);
                        result = Event.FENCE_FAILED;
                    } else {
                        FenceCoordinator.Outcome o = fenceOnce(peerPlan, () -> fenceWanted && !closed);
                        if (o.cancelled()) {
                            // the coordinator logs what it fenced or failed to; a cancellation is said here
                            Logger.info("fence {}", o.summary());
                        }
                        result = o.fenced() ? Event.FENCE_OK : o.cancelled() ? Event.FENCE_CANCELLED
                                : Event.FENCE_FAILED;
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    Logger.error(e, "fence {}: failed", config.peer());
                    result = Event.FENCE_FAILED;
                }
                Event r = result;
                post(() -> {
                    fencing = false;
                    handle(r, null);
                });
            });
        }

        @Override
        public void startResources() {
            resourceWorker.execute(() -> {
                boolean ok = run(GroupRun.start(resources.size()));
                post(() -> handle(ok ? Event.START_OK : Event.START_FAILED, null));
            });
        }

        @Override
        public void stopResources() {
            resourceWorker.execute(() -> {
                boolean ok = run(GroupRun.stop(resources.size()));
                post(() -> handle(ok ? Event.STOP_OK : Event.STOP_FAILED, null));
            });
        }

        @Override
        public void retryLater() {
            timers.schedule(() -> post(() -> handle(Event.RETRY, null)), FENCE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void transition(State from, State to, String reason) {
            long now = System.currentTimeMillis();
            stateSince = now;
            Transition t = new Transition(now, from, to, reason);
            synchronized (history) {
                history.addLast(t);
                while (history.size() > 20) {
                    history.removeFirst();
                }
            }
            if (to == State.FAILED) {
                Logger.error("failover: {} -> {}: {}", from, to, reason);
            } else {
                Logger.info("failover: {} -> {}: {}", from, to, reason);
            }
        }
    }

    /** Runs one start or stop of the group on the resource worker; true when it did all it was asked. */
    private boolean run(GroupRun run) {
        GroupRun.Step step;
        while ((step = run.next()) != null) {
            Resource r = resources.get(step.index());
            long t0 = System.nanoTime();
            boolean ok;
            try {
                if (step.start()) {
                    r.start();
                } else {
                    r.stop();
                }
                ok = true;
                Logger.info("resource {} {} in {} ms", r.name(), step.start() ? "started and ready" : "stopped",
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                ok = false;
                Logger.error("resource {}: {} failed: {}", r.name(), step.start() ? "start" : "stop", e.getMessage());
            }
            synchronized (lastMonitor) {
                lastMonitor.put(r.name(), ok == step.start() ? Resource.Status.RUNNING
                        : ok ? Resource.Status.STOPPED : Resource.Status.FAILED);
            }
            run.done(ok);
        }
        return run.succeeded();
    }

    /**
     * Graceful stop: an active node stops its group first (the peer takes over), waiting at most
     * {@code maxWaitMillis}; then everything closes.
     */
    public void shutdown(long maxWaitMillis) {
        if (machine != null && !closed) {
            command("standby");
            long deadline = System.nanoTime() + maxWaitMillis * 1_000_000;
            while (System.nanoTime() < deadline && (holding || state == State.RELEASING
                    || state == State.STARTING) && state != State.FAILED) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    break;
                }
            }
            boolean leaving = onLoop(() -> {
                boolean ok = machine.leave();
                publish();
                return ok;
            }, false);
            if (leaving) {
                Logger.info("supervisor: leaving in order (nothing held); the peer needs no fence for our silence");
            } else {
                Logger.warn("supervisor: stopping while {}: the peer will fence this node when it falls silent", state);
            }
            try {
                Thread.sleep(Math.max(50, config.keepalive().toMillis() * 2)); // the peer hears it on every link
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        if (membership != null) {
            membership.close();
        }
        timers.shutdownNow();
        fenceWorker.shutdownNow();
        resourceWorker.shutdownNow();
        for (VrrpInstance i : vrrp.values()) {
            i.close();
        }
        if (loop != null) {
            loop.interrupt();
        }
    }
}
