package dev.palisade.fence.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.Netns;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener that can no longer serve never leaves a half-alive gateway behind: the kernel destroys its
 * listening socket ({@code ss -K}, as a network reconfiguration or an operator can), and the gateway opens it
 * again; when it cannot, the gateway exits non-zero so that systemd restarts it, naming the listener.
 */
class ListenerRecoveryTest {

    private static Path conf(Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        return Fixtures.write(dir.resolve("f.conf"), """
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "1229"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, Fixtures.domainsUri(dir)));
    }

    private static Commands.Result status(Netns ns, Path dir) throws Exception {
        return ns.run(20_000, List.of(Commands.require("fence_virt"), "-T", "127.0.0.1", "-p", "1229", "-k",
                dir.resolve("fence.key").toString(), "-t", "3", "-o", "status", "-H", "appliance-a"));
    }

    @Test
    void aListeningSocketDestroyedUnderTheGatewayIsOpenedAgain(@TempDir Path dir) throws Exception {
        Path conf = conf(dir);
        try (Netns ns = Netns.create("pal-lrc");
             DaemonProcess d = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf)), dir.resolve("d.log"))) {
            ns.awaitPort(1229, false, d.process(), 20_000);
            assertEquals(0, status(ns, dir).exit());
            // twice: one pass of ss can miss a socket while the kernel's table changes under it
            Commands.Result kill = ns.run(5000, List.of("bash", "-c",
                    "ss -K -tln 'sport = :1229' && ss -K -tln 'sport = :1229' >/dev/null"));
            assertEquals(0, kill.exit(), kill.toString());
            long deadline = System.nanoTime() + TestTime.millis(10_000) * 1_000_000;
            int rc;
            do {
                Thread.sleep(100);
                rc = status(ns, dir).exit();
            } while (rc != 0 && d.process().isAlive() && System.nanoTime() < deadline);
            assertEquals(0, rc, "served again:\n" + d.log());
            assertTrue(d.log().contains("tcp 127.0.0.1:1229") && d.log().contains("re-opened"), d.log());
        }
    }

    @Test
    void aListenerThatCannotBeOpenedAgainTakesTheGatewayDownNamingIt(@TempDir Path dir) throws Exception {
        Path conf = conf(dir);
        try (Netns ns = Netns.create("pal-lrx");
             DaemonProcess d = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf)), dir.resolve("d.log"))) {
            ns.awaitPort(1229, false, d.process(), 20_000);
            // every socket the gateway opens on the port is destroyed again at once
            try (DaemonProcess killer = DaemonProcess.start(ns.exec(List.of("bash", "-c",
                    "while :; do ss -K -tln 'sport = :1229' >/dev/null; sleep 0.02; done")), dir.resolve("k.log"))) {
                assertTrue(d.process().waitFor(TestTime.millis(30_000), TimeUnit.MILLISECONDS),
                        "the gateway exits:\n" + d.log());
            }
            assertNotEquals(0, d.process().exitValue());
            assertEquals(111, d.process().exitValue(), d.log());
            assertTrue(d.log().contains("tcp 127.0.0.1:1229"), d.log());
        }
    }
}
