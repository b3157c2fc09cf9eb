package dev.palisade.supervisor.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.storage.Mounts;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.Scratch;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.failover.FailoverMachine;
import dev.palisade.supervisor.resources.FilesystemResource;
import dev.palisade.supervisor.resources.Resource;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One supervisor on its own (its peer never answers): what it does before it joins. */
class SupervisorNodeTest {
    @Test
    void aGroupFoundRunningAtStartUpIsStoppedBeforeTheNodeJoins(@TempDir Path dir) throws Exception {
        Path img = Scratch.ext4Image(dir.resolve("data.img"), 32);
        Path mnt = dir.resolve("mnt");
        FilesystemResource leftover = new FilesystemResource(img, mnt, "ext4", null, Duration.ofSeconds(20));
        leftover.start(); // as a supervisor that crashed while active left it
        Path key = Fixtures.key(dir, "cluster.key");
        Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "60s";
                             control_socket = "%s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links { udp { peer = "127.0.0.1"; port = "%d"; bind = "127.0.0.1"; } }
                resources { group { home = "pf1"; resource = "Filesystem::%s::%s::ext4"; } }
                """.formatted(dir.resolve("control.sock"), dir.resolve("state"), key, Fixtures.freePort(), img, mnt));
        SupervisorNode node = new SupervisorNode(SupervisorConfig.load(conf), FenceKey.load(key));
        try {
            node.start();
            assertEquals(Resource.Status.STOPPED, leftover.monitor(), "the leftover mount was stopped before joining");
            assertTrue(Mounts.sourceAt(mnt).isEmpty());
            assertEquals(FailoverMachine.State.INITDEAD, node.state(), "and the node waits for its peer");
            assertTrue(node.status().contains("filesystem " + img + " on " + mnt + ": STOPPED"), node.status());
        } finally {
            node.close();
            leftover.stop();
        }
    }

    @Test
    void aSecondSupervisorOnTheSameControlSocketExitsBeforeTouchingTheGroup(@TempDir Path dir) throws Exception {
        Path img = Scratch.ext4Image(dir.resolve("data.img"), 32);
        Path mnt = dir.resolve("mnt");
        FilesystemResource running = new FilesystemResource(img, mnt, "ext4", null, Duration.ofSeconds(20));
        running.start(); // the first supervisor's group
        Path key = Fixtures.key(dir, "cluster.key");
        Path sock = dir.resolve("control.sock");
        Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                supervisor { node = "pf1"; peer = "pf2"; control_socket = "%s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links { udp { peer = "127.0.0.1"; port = "%d"; bind = "127.0.0.1"; } }
                resources { group { home = "pf1"; resource = "Filesystem::%s::%s::ext4"; } }
                """.formatted(sock, dir.resolve("state"), key, Fixtures.freePort(), img, mnt));
        try (ControlSocket first = ControlSocket.open(sock, line -> "ok")) {
            Commands.Result r = dev.palisade.supervisor.cli.PalisadeProcess.run(60_000, "supervisor", "-f",
                    conf.toString());
            assertEquals(111, r.exit(), r.toString());
            assertTrue(r.stderr().contains("another supervisor answers"), r.toString());
            assertEquals(Resource.Status.RUNNING, running.monitor(), "the running group was not touched");
        } finally {
            running.stop();
        }
    }

    @Test
    void aResourceFoundRunningOnANodeThatDoesNotHoldTheGroupIsStopped(@TempDir Path dir) throws Exception {
        Path img = Scratch.ext4Image(dir.resolve("data.img"), 32);
        Path mnt = dir.resolve("mnt");
        Path key = Fixtures.key(dir, "cluster.key");
        Path conf = Fixtures.write(dir.resolve("pf1.conf"), """
                supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "60s";
                             monitor_interval = "200ms"; control_socket = "%s";
                             state_dir = "%s"; }
                auth { key_file = "%s"; }
                links { udp { peer = "127.0.0.1"; port = "%d"; bind = "127.0.0.1"; } }
                resources { group { home = "pf1"; resource = "Filesystem::%s::%s::ext4"; } }
                """.formatted(dir.resolve("control.sock"), dir.resolve("state"), key, Fixtures.freePort(), img, mnt));
        SupervisorNode node = new SupervisorNode(SupervisorConfig.load(conf), FenceKey.load(key));
        FilesystemResource byHand = new FilesystemResource(img, mnt, "ext4", null, Duration.ofSeconds(20));
        try {
            node.start();
            assertEquals(FailoverMachine.State.INITDEAD, node.state());
            byHand.start(); // someone mounts the group's data on a node that does not hold the group
            long deadline = System.nanoTime() + dev.palisade.drivers.testing.TestTime.millis(5000) * 1_000_000L;
            while (byHand.monitor() != Resource.Status.STOPPED && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(Resource.Status.STOPPED, byHand.monitor(), "the stray mount was stopped: " + node.status());
        } finally {
            node.close();
            byHand.stop();
        }
    }
}
