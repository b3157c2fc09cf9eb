package dev.palisade.drivers.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libvirt driver against libvirt's built-in test driver (a real libvirt, no daemon needed). */
class LibvirtHypervisorTest {
    private static final String A = "11111111-1111-4111-8111-111111111111";
    LibvirtHypervisor hv;

    @BeforeEach
    void connect(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("domains.xml");
        try (InputStream in = getClass().getResourceAsStream("/domains.xml")) {
            Files.copy(in, xml);
        }
        hv = new LibvirtHypervisor("test://" + xml);
        assertTrue(hv.awaitConnected(Duration.ofSeconds(10)), hv.lastError());
    }

    @AfterEach
    void close() {
        hv.close();
    }

    @Test
    void listsActiveAndInactiveDomainsWithRawStates() throws Exception {
        List<DomainRecord> all = hv.domains();
        assertEquals(4, all.size());
        assertTrue(all.contains(new DomainRecord("appliance-a", A, DomainRecord.RUNNING)));
        assertTrue(all.contains(new DomainRecord("Build_box", "33333333-3333-4333-8333-333333333333", DomainRecord.SHUTOFF)));
        assertTrue(all.contains(new DomainRecord("db-standby", "44444444-4444-4444-8444-444444444444", DomainRecord.PAUSED)));
    }

    @Test
    void stateByNameOrUuidAndUnknown() throws Exception {
        assertEquals(DomainRecord.RUNNING, hv.state("appliance-a"));
        assertEquals(DomainRecord.RUNNING, hv.state(A));
        assertEquals(DomainRecord.PAUSED, hv.state("db-standby"));
        assertEquals(DomainRecord.SHUTOFF, hv.state("Build_box"));
        assertEquals(-1, hv.state("no-such-domain"));
        assertEquals(-1, hv.state("99999999-9999-4999-8999-999999999999"));
        assertEquals(-1, hv.state("APPLIANCE-A"), "libvirt names are case-sensitive");
        assertEquals("appliance-a", hv.lookup(A).orElseThrow().name());
        assertTrue(hv.lookup("nope").isEmpty());
    }

    @Test
    void destroyAndCreateChangeTheState() throws Exception {
        hv.destroy("appliance-a");
        assertEquals(DomainRecord.SHUTOFF, hv.state("appliance-a"));
        hv.create(A);
        assertEquals(DomainRecord.RUNNING, hv.state("appliance-a"));
        assertThrows(HypervisorException.class, () -> hv.destroy("no-such-domain"));
        assertThrows(HypervisorException.class, () -> hv.create("appliance-b"), "already running");
    }

    @Test
    void closedConnectionFailsAtOnceAndSaysSo() {
        hv.close();
        assertFalse(hv.connected());
        assertThrows(HypervisorUnavailableException.class, () -> hv.state("appliance-a"));
        assertThrows(HypervisorUnavailableException.class, () -> hv.domains());
    }

    @Test
    void anOperationBeforeTheFirstConnectionWaitsForItInsteadOfFailing(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("domains.xml");
        try (InputStream in = getClass().getResourceAsStream("/domains.xml")) {
            Files.copy(in, xml);
        }
        for (int i = 0; i < 5; i++) {
            LibvirtHypervisor fresh = new LibvirtHypervisor("test://" + xml);
            try {
                // at once, while the connector thread is still connecting (as a gateway's first request can)
                assertEquals(DomainRecord.RUNNING, fresh.state("appliance-a"));
            } finally {
                fresh.close();
            }
        }
    }

    @Test
    void aFirstConnectionThatFailsFailsTheWaitingOperationWithItsReason(@TempDir Path dir) {
        LibvirtHypervisor broken = new LibvirtHypervisor("test://" + dir.resolve("missing.xml"),
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30));
        try {
            long start = System.nanoTime();
            HypervisorUnavailableException e = assertThrows(HypervisorUnavailableException.class,
                    () -> broken.state("appliance-a"));
            assertTrue(e.getMessage().contains("connect failed"), e.getMessage());
            assertTrue(System.nanoTime() - start < LibvirtHypervisor.FIRST_ATTEMPT_WAIT.toNanos(),
                    "the failed attempt ends the wait, not the bound");
        } finally {
            broken.close();
        }
    }

    @Test
    void uuidShape() {
        assertTrue(LibvirtHypervisor.looksLikeUuid(A));
        assertFalse(LibvirtHypervisor.looksLikeUuid("11111111111141118111111111111111"));
        assertFalse(LibvirtHypervisor.looksLikeUuid("1111111g-1111-4111-8111-111111111111"));
        assertFalse(LibvirtHypervisor.looksLikeUuid("appliance-a"));
    }
}
