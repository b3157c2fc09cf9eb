package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.drivers.testing.TestTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vsock listener as far as this machine allows: it binds and listens on AF_VSOCK, resolves a caller's
 * CID to its domain, and stops promptly. A round trip needs a vsock peer (a guest, or the loopback
 * transport), which this machine does not have.
 */
class VsockListenerTest {

    /** Whether this kernel offers AF_VSOCK at all (it does on the machines CI runs on). */
    private static boolean vsockAvailable() {
        try (var s = dev.palisade.drivers.net.Vsock.Server.listen(dev.palisade.drivers.net.Vsock.PORT_ANY, 1)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void listensResolvesCidsToDomainsAndStopsPromptly(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(vsockAvailable(), "this kernel has no AF_VSOCK");
        Path xml = dir.resolve("vms.xml");
        Files.writeString(xml, """
                <node>
                  <domain type='test'>
                    <name>guest-v</name><uuid>bbbbbbbb-0000-4000-8000-00000000000b</uuid>
                    <memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
                    <devices><vsock model='virtio'><cid auto='no' address='42'/></vsock></devices>
                  </domain>
                </node>
                """);
        Path key = Fixtures.key(dir, "k");
        int port = 20_000 + (int) (ProcessHandle.current().pid() % 20_000);
        Path conf = Fixtures.write(dir.resolve("v.conf"), """
                listeners {
                  vsock { key_file = "%1$s"; port = "%2$d"; group = "by-cid"; }
                  vsock { key_file = "%1$s"; port = "%3$d"; group = "by-name"; }
                }
                backends { libvirt { uri = "test://%4$s"; } }
                groups {
                  group { name = "by-cid"; ip = "42"; uuid = "guest-v"; }
                  group { name = "by-name"; uuid = "guest-v"; }
                }
                """.formatted(key, port, port + 1, xml));
        try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
            d.start(Duration.ofSeconds(10));
            // the port is taken: our listener holds it (ss has no vsock diagnostics on this kernel)
            java.io.IOException taken = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> dev.palisade.drivers.net.Vsock.Server.listen(port, 1));
            assertTrue(taken.getMessage().contains("errno 98"), taken.getMessage());
            VsockListener byCid = (VsockListener) d.listeners().get(0);
            VsockListener byName = (VsockListener) d.listeners().get(1);
            assertEquals("42", byCid.identity(42), "a group that lists the CID sees the CID");
            assertEquals("bbbbbbbb-0000-4000-8000-00000000000b", byName.identity(42), "otherwise the domain's UUID");
            assertEquals("7", byName.identity(7), "a CID no domain has stays a CID");
            long t0 = System.nanoTime();
            d.close();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < TestTime.millis(1000), "stopped in " + ms + " ms");
        }
    }
}
