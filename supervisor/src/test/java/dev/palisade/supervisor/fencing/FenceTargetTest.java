package dev.palisade.supervisor.fencing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.config.FencingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fence that touched nothing never counts: a fence_virt device whose domain the gateway does not know (a
 * typo, a renamed or re-created VM) fails, legacy and hardened alike. On the legacy wire the gateway answers OFF
 * to a status of an unknown domain (as the stock fence_virtd does), so a legacy device's OFF is not proof; on the
 * hardened wire it answers UNKNOWN_DOMAIN, which the device reports as "target not found".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FenceTargetTest {
    Path dir;
    FenceDaemon daemon;
    Path key;
    int hardened;
    int legacy;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        key = Fixtures.key(dir, "fence.key");
        hardened = Fixtures.freePort();
        legacy = Fixtures.freePort();
        Path gw = Fixtures.write(dir.resolve("fence_virt.conf"), """
                listeners {
                  tcp { key_file = "%1$s"; port = "%2$d"; auth = "hardened"; }
                  tcp { key_file = "%1$s"; port = "%3$d"; }
                }
                backends { libvirt { uri = "%4$s"; } }
                """.formatted(key, hardened, legacy, Fixtures.domainsUri(dir)));
        daemon = FenceDaemon.create(FenceDaemonConfig.load(gw));
        daemon.start(Duration.ofSeconds(10));
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    private FenceCoordinator.Plan plan(String domain, boolean legacyAuth) throws Exception {
        Path conf = Fixtures.write(dir.resolve("virt-" + domain + legacyAuth + ".conf"), """
                fencing {
                  verify_timeout = "2s"; poll_interval = "100ms";
                  node { name = "pf2";
                    level { device { type = "fence_virt"; address = "127.0.0.1"; port = "%d"; key_file = "%s"; %s domain = "%s"; } }
                  }
                }
                """.formatted(legacyAuth ? legacy : hardened, key, legacyAuth ? "auth = \"sha256\"; hash = \"sha256\";" : "",
                domain));
        FencingConfig fc = FencingConfig.from(ConfigParser.parse(conf));
        return FencePlans.plan(fc, fc.node("pf2").orElseThrow());
    }

    @Test
    void aDomainTheGatewayDoesNotKnowIsNeverFencedLegacyOrHardened() throws Exception {
        for (boolean legacyAuth : new boolean[] {true, false}) {
            FenceCoordinator.Plan p = plan("appliance-x", legacyAuth); // a typo of appliance-b
            FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM)
                    .fence(p, FenceCoordinator.Action.OFF, () -> true, s -> { });
            assertFalse(o.fenced(), (legacyAuth ? "legacy: " : "hardened: ") + o.steps());
            assertTrue(o.steps().toString().contains("appliance-x"), o.steps().toString());
        }
    }

    @Test
    void hardenedStatusOfAnUnknownDomainIsTargetNotFoundNeverOff() throws Exception {
        FenceDevice hardenedDevice = plan("appliance-x", false).levels().get(0).devices().get(0);
        IOException e = assertThrows(IOException.class, hardenedDevice::status);
        assertTrue(e.getMessage().startsWith("target not found") && e.getMessage().contains("appliance-x"),
                e.getMessage());
        IOException off = assertThrows(IOException.class, hardenedDevice::off);
        assertTrue(off.getMessage().startsWith("target not found"), off.getMessage());
        assertTrue(hardenedDevice.offIsReliable(), "hardened: OFF means off");
    }

    @Test
    void legacyStatusOfAnUnknownDomainReadsOffSoOffIsNotReliable() throws Exception {
        FenceDevice legacyDevice = plan("appliance-x", true).levels().get(0).devices().get(0);
        // the stock wire, byte for byte as fence_virtd: OFF for a domain no hypervisor knows
        assertEquals(FenceDevice.Power.OFF, legacyDevice.status());
        assertFalse(legacyDevice.offIsReliable(), "legacy: OFF may mean 'no such domain'");
    }

    @Test
    void aKnownDomainIsStillFencedAndVerifiedOff() throws Exception {
        FenceCoordinator.Plan p = plan("db-standby", true);
        FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM)
                .fence(p, FenceCoordinator.Action.OFF, () -> true, s -> { });
        assertTrue(o.fenced(), o.steps().toString());
        assertEquals(FenceDevice.Power.OFF, p.levels().get(0).devices().get(0).status());
    }

    @Test
    void theDoctorSaysWhichConfiguredDomainTheGatewayDoesNotList() throws Exception {
        Path conf = Fixtures.write(dir.resolve("doctor.conf"), """
                fencing {
                  node { name = "pf2";
                    level { device { type = "fence_virt"; address = "127.0.0.1"; port = "%1$d"; key_file = "%2$s"; domain = "appliance-x"; } }
                    level { device { type = "fence_virt"; address = "127.0.0.1"; port = "%1$d"; key_file = "%2$s"; domain = "appliance-b"; } }
                  }
                }
                """.formatted(hardened, key));
        var checks = dev.palisade.supervisor.config.Doctor.fenceVirtDomains(FencingConfig.from(ConfigParser.parse(conf)));
        assertEquals(2, checks.size(), checks.toString());
        assertFalse(checks.get(0).ok());
        assertTrue(checks.get(0).what().contains("'appliance-x' is NOT in the gateway's list")
                && checks.get(0).what().contains("appliance-b"), checks.get(0).what());
        assertTrue(checks.get(1).ok(), checks.get(1).what());
    }
}
