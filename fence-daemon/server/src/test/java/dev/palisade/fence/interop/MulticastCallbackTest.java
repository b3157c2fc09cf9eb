package dev.palisade.fence.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The multicast client (fence_palisade, and the supervisor's fence_virt device) waits for a call-back from
 * whoever received its request. A host without the key that connects first must not make the fence fail:
 * the client keeps accepting until its deadline and takes the call-back that proves the key.
 */
class MulticastCallbackTest {

    @Test
    void aCallBackThatCannotProveTheKeyIsDroppedAndTheGatewaysIsTaken(@TempDir Path dir) throws Exception {
        Path key = Fixtures.key(dir, "fence_xvm.key");
        Path conf = Fixtures.write(dir.resolve("f.conf"), """
                listeners { multicast { key_file = "%s"; address = "225.0.0.12"; port = "1229"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, Fixtures.domainsUri(dir)));
        try (Netns ns = Netns.create("pal-mcb");
             // the rogue: connects to the agent's call-back port as soon as it opens and answers with zeros
             DaemonProcess rogue = DaemonProcess.start(ns.exec(List.of(Commands.require("socat"), "-u",
                     "OPEN:/dev/zero", "TCP:127.0.0.1:1229,retry=3000,interval=0.01")), dir.resolve("rogue.log"));
             DaemonProcess agent = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceAgent("-k", key.toString(),
                     "-t", "20", "-r", "5", "-o", "status", "-H", "appliance-a")), dir.resolve("agent.log"))) {
            // the rogue's call-back is in before the gateway even runs
            long deadline = System.nanoTime() + TestTime.millis(10_000) * 1_000_000;
            while (!ns.run(5000, List.of("ss", "-Htn", "state", "established", "dport = :1229")).stdout().contains(":1229")
                    && agent.process().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            try (DaemonProcess gateway = DaemonProcess.start(ns.exec(DaemonProcess.ourFenceDaemon(conf)),
                    dir.resolve("gateway.log"))) {
                assertTrue(agent.process().waitFor(TestTime.millis(30_000), TimeUnit.MILLISECONDS), "agent finished");
                assertEquals(0, agent.process().exitValue(), "agent: " + agent.log() + "\ngateway: " + gateway.log());
                // stdout and stderr together: the agent's warning about the rogue, then its answer
                assertTrue(agent.log().endsWith("Status: ON\n"), agent.log());
                assertTrue(agent.log().contains("call-back from /127.0.0.1:"), agent.log());
                assertTrue(agent.log().contains("dropped: Invalid response to challenge"), agent.log());
            }
        }
    }
}
