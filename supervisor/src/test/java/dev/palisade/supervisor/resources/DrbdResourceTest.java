package dev.palisade.supervisor.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drbd resource's promotion rules, against {@link FakeDrbd} (no DRBD kernel module here). */
class DrbdResourceTest {
    private DrbdResource resource(FakeDrbd fake) {
        Resource r = new ResourceFactory(new ResourceFactory.Paths(fake.dir, fake.dir, fake.dir, Duration.ofSeconds(10)),
                Map.of(), new DrbdResource.Tools(fake.drbdadm.toString(), fake.drbdsetup.toString(),
                Duration.ofSeconds(10))).create("drbddisk::r0");
        return assertInstanceOf(DrbdResource.class, r);
    }

    @Test
    void anUpToDateDiskIsPromotedAndDemotedAndBothAreIdempotent(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        DrbdResource r = resource(fake);
        assertEquals(Resource.Status.STOPPED, r.monitor());
        r.stop();
        r.start();
        assertEquals(Resource.Status.RUNNING, r.monitor());
        r.start();
        r.stop();
        assertEquals(Resource.Status.STOPPED, r.monitor());
        assertEquals("primary r0\nsecondary r0\n", fake.calls(), "one promotion, one demotion, nothing forced");
    }

    @Test
    void outdatedOrInconsistentDataIsNeverPromotedEvenWithThePeerFenced(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        DrbdResource r = resource(fake);
        for (String disk : new String[] {"Outdated", "Inconsistent", "Diskless", "Failed"}) {
            fake.state("Secondary", disk, "StandAlone", "DUnknown");
            IOException e = assertThrows(IOException.class, r::start, disk);
            assertTrue(e.getMessage().contains("never promoted"), e.getMessage());
        }
        assertEquals("", fake.calls(), "drbdadm was never asked to promote");
    }

    @Test
    void aConsistentDiskIsNeverPromotedAutomaticallyEvenWithThePeerVerifiedFenced(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        DrbdResource r = resource(fake);
        // after a site power loss the node that was behind boots first: its disk is only Consistent, the peer
        // is off (fenced, "verified"), and its data may be older than every write the peer acknowledged since
        fake.state("Secondary", "Consistent", "Connecting", "DUnknown");
        IOException e = assertThrows(IOException.class, r::start);
        assertTrue(e.getMessage().contains("Consistent") && e.getMessage().contains("promote-consistent"),
                e.getMessage());
        fake.state("Secondary", "Consistent", "Connected", "UpToDate");
        assertThrows(IOException.class, r::start, "connected, DRBD itself says which disk is newer");
        assertEquals("", fake.calls(), "drbdadm was never asked to promote, least of all with --force");
    }

    @Test
    void aDemotionThatFailsIsAFailedStopNamingDrbdsReason(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        DrbdResource r = resource(fake);
        r.start();
        fake.heldOpen(true);
        IOException e = assertThrows(IOException.class, r::stop);
        assertTrue(e.getMessage().contains("held open") && e.getMessage().contains("still Primary"), e.getMessage());
        assertEquals(Resource.Status.RUNNING, r.monitor());
        fake.heldOpen(false);
        r.stop();
        fake.undefine();
        assertEquals(Resource.Status.STOPPED, r.monitor(), "a resource not up on this node is not running here");
        assertTrue(assertThrows(IOException.class, r::start).getMessage().contains("not defined"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ResourceFactory(ResourceFactory.Paths.SYSTEM,
                Map.of()).create("drbd::r0;rm")).getMessage().contains("not a resource name"));
    }

    @Test
    void anOperatorMayForceAConsistentDiskOnceAndTheHandlerRefusesToFenceForIt(@TempDir Path dir) throws Exception {
        FakeDrbd fake = new FakeDrbd(dir, "r0");
        DrbdResource r = resource(fake);
        fake.state("Secondary", "Consistent", "Connecting", "DUnknown");
        assertInstanceOf(StartRefusedException.class, assertThrows(IOException.class, r::start));
        assertTrue(r.startBlocker().contains("Consistent"), r.startBlocker());
        assertTrue(r.fencePeerRefusal().contains("not UpToDate"), "a fence now would let DRBD promote stale data");
        r.allowConsistentOnce();
        assertEquals(null, r.startBlocker(), "the operator decided");
        r.start();
        assertEquals("primary --force r0\n", fake.calls());
        assertEquals(null, r.fencePeerRefusal(), "a Primary that lost its peer may have it fenced");
        r.stop();
        fake.state("Secondary", "Consistent", "Connecting", "DUnknown");
        assertInstanceOf(StartRefusedException.class, assertThrows(IOException.class, r::start), "only once");
        fake.state("Secondary", "UpToDate", "Connecting", "DUnknown");
        assertEquals(null, r.fencePeerRefusal(), "an UpToDate disk being promoted may have the peer fenced");
    }
}
