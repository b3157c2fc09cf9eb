package dev.palisade.supervisor.status;

import dev.palisade.drivers.http.ListenAddress;
import dev.palisade.drivers.http.StatusServer;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.failover.FailoverMachine.State;
import dev.palisade.supervisor.node.ControlSocket;
import dev.palisade.supervisor.node.SupervisorNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Two production supervisors (pf1, pf2) in this JVM, joined by one UDP heartbeat link on loopback (127.0.0.1 and
 * 127.0.0.2), each with its own control socket, state directory and, when asked, its HTTP status endpoint; no
 * resources and no fencing, so pf1 (home) goes ACTIVE and pf2 STANDBY within a few seconds. What the operator's
 * surface is tested against: real nodes, real sockets.
 */
public final class LoopbackPair implements AutoCloseable {
    public static final String[] NODES = {"pf1", "pf2"};

    private final Path dir;
    private final Path[] configs = new Path[2];
    private final SupervisorNode[] nodes = new SupervisorNode[2];
    private final ControlSocket[] controls = new ControlSocket[2];
    private final StatusServer[] http = new StatusServer[2];
    private final List<AutoCloseable> closing = new ArrayList<>();

    /** Writes both configurations; {@code http}: whether pf1 serves its status endpoint on a free loopback port. */
    public LoopbackPair(Path dir, boolean http) throws Exception {
        this(dir, http, "10m");
    }

    /** As {@link #LoopbackPair(Path, boolean)}, the console's idle timeout {@code consoleIdle}. */
    public LoopbackPair(Path dir, boolean http, String consoleIdle) throws Exception {
        this.dir = dir;
        Path key = Fixtures.key(dir, "cluster.key");
        int port = Fixtures.freePort();
        String[] self = {"127.0.0.1", "127.0.0.2"};
        for (int i = 0; i < 2; i++) {
            configs[i] = Fixtures.write(dir.resolve(NODES[i] + ".conf"), """
                    supervisor { node = "%s"; peer = "%s"; keepalive = "100ms"; deadtime = "1s"; initdead = "3s";
                                 monitor_interval = "500ms"; control_socket = "%s"; state_dir = "%s"; }
                    auth { key_file = "%s"; }
                    links { udp { peer = "%s"; bind = "%s"; port = "%d"; } }
                    resources { group { home = "pf1"; resource = "ocf:heartbeat:Dummy::state=%s"; } }
                    console { idle_timeout = "%s"; }
                    %s
                    """.formatted(NODES[i], NODES[1 - i], controlSocket(i), dir.resolve(NODES[i] + "-state"), key,
                    self[1 - i], self[i], port, dir.resolve(NODES[i] + "-dummy.state"), consoleIdle,
                    http && i == 0 ? "http { listen = \"127.0.0.1:" + Fixtures.freePort() + "\"; }" : ""));
        }
    }

    public Path config(int i) {
        return configs[i];
    }

    public Path controlSocket(int i) {
        return dir.resolve(NODES[i] + ".sock");
    }

    public SupervisorNode node(int i) {
        return nodes[i];
    }

    /** Starts node {@code i}: control socket, status endpoint (when configured), the node. */
    public void start(int i) throws Exception {
        SupervisorConfig c = SupervisorConfig.load(configs[i]);
        nodes[i] = new SupervisorNode(c, FenceKey.load(c.keyFile()), (where, e) -> {
            throw new AssertionError(NODES[i] + ": " + where + " died", e);
        });
        controls[i] = ControlSocket.open(c.controlSocket(), nodes[i]::command);
        if (c.http() != null) {
            http[i] = StatusServer.start(c.http().listen(), StatusEndpoints.pages(nodes[i]::view, nodes[i].counters()),
                    "status-http-" + NODES[i], (where, e) -> {
                        throw new AssertionError(where, e);
                    });
        }
        nodes[i].start();
    }

    /** Starts both and waits until pf1 is ACTIVE and pf2 STANDBY. */
    public LoopbackPair startBoth() throws Exception {
        start(0);
        start(1);
        await(() -> nodes[0].state() == State.ACTIVE && nodes[1].state() == State.STANDBY
                && nodes[1].snapshot().peer().said() == State.ACTIVE, 20_000, "pf1 ACTIVE and pf2 STANDBY");
        return this;
    }

    /** pf1's status endpoint, {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://" + http[0].listen();
    }

    public ListenAddress listen() {
        return http[0].listen();
    }

    public static void await(BooleanSupplier done, long millis, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TestTime.millis(millis) * 1_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Stops node {@code i} as a crash would: everything closes, nothing is handed over. */
    public void stop(int i) {
        if (http[i] != null) {
            http[i].close();
            http[i] = null;
        }
        if (nodes[i] != null) {
            nodes[i].close();
            nodes[i] = null;
        }
        if (controls[i] != null) {
            controls[i].close();
            controls[i] = null;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            stop(i);
        }
    }
}
