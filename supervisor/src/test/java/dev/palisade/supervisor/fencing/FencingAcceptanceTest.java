package dev.palisade.supervisor.fencing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.cli.PalisadeProcess;
import dev.palisade.supervisor.config.FencingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every device kind against its real peer: native IPMI and Debian's fence_ipmilan against ipmi_sim whose
 * power control kills and starts a real process, and fence_virt against the fence gateway on libvirt's test
 * driver; the operator's {@code palisade fence} command end to end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencingAcceptanceTest {
    IpmiSim sim;
    Path dir;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        sim = IpmiSim.start();
        Fixtures.write(dir.resolve("pf2.ipmi"), IpmiSim.PASSWORD + "\n");
    }

    @AfterAll
    void stop() throws Exception {
        sim.close();
    }

    private Path config(String levels) throws Exception {
        return Fixtures.write(dir.resolve("fence.conf"), """
                fencing {
                  verify_timeout = "10s";
                  poll_interval = "100ms";
                  node {
                    name = "pf2";
                %s
                  }
                }
                """.formatted(levels));
    }

    private String ipmiLevel(int port) {
        return "level { device { type = \"ipmi\"; host = \"127.0.0.1\"; port = \"" + port + "\"; user = \"fence\";"
                + " password_file = \"" + dir.resolve("pf2.ipmi") + "\"; timeout = \"300ms\"; retries = \"2\"; } }";
    }

    @Test
    void palisadeFenceKillsTheHostAndVerifiesItThenRebootsAndReportsStatus() throws Exception {
        Path conf = config(ipmiLevel(sim.port()));
        long host = sim.hostPid();
        assertTrue(host > 0);
        Commands.Result r = PalisadeProcess.run(60_000, "fence", "-f", conf.toString(), "pf2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("level 1 ipmi fence@127.0.0.1:" + sim.port() + " (suite 3): off accepted"), r.stdout());
        assertTrue(r.stdout().contains("power verified off"), r.stdout());
        assertTrue(r.stdout().contains("pf2 fenced: power verified off by level 1"), r.stdout());
        assertFalse(IpmiSim.alive(host), "the host process is dead");

        r = PalisadeProcess.run(60_000, "fence", "-f", conf.toString(), "-o", "status", "pf2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("power off"), r.stdout());

        r = PalisadeProcess.run(60_000, "fence", "-f", conf.toString(), "-o", "reboot", "pf2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("on accepted"), r.stdout());
        assertTrue(sim.hostPid() > 0, "reboot of an off node powered it on");
    }

    @Test
    void aDeadFirstLevelFallsThroughToTheSecondAndAllFailingExitsOne() throws Exception {
        int nobody = Fixtures.freePort();
        Path conf = config(ipmiLevel(nobody) + "\n" + ipmiLevel(sim.port()));
        sim.hostPid();
        Commands.Result r = PalisadeProcess.run(60_000, "fence", "-f", conf.toString(), "pf2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("level 1 ipmi fence@127.0.0.1:" + nobody + " (suite 3): off FAILED"), r.stdout());
        assertTrue(r.stdout().contains("by level 2"), r.stdout());

        r = PalisadeProcess.run(60_000, "fence", "-f", config(ipmiLevel(nobody)).toString(), "pf2");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stdout().contains("pf2 NOT fenced"), r.stdout());
        powerOn();
    }

    @Test
    void debiansFenceIpmilanThroughTheAgentDevice() throws Exception {
        powerOn();
        long host = sim.hostPid();
        FencingConfig.Agent spec = new FencingConfig.Agent("fence_ipmilan", java.util.Map.of("ip", "127.0.0.1",
                "ipport", String.valueOf(sim.port()), "username", IpmiSim.USER, "password", IpmiSim.PASSWORD,
                "lanplus", "1", "cipher", "3"), Duration.ofSeconds(60), null);
        Commands.require("fence_ipmilan");
        FenceDevice d = FencePlans.device(spec);
        assertEquals(FenceDevice.Power.ON, d.status());
        FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM).fence(
                new FenceCoordinator.Plan("pf2", Duration.ZERO, List.of(new FenceCoordinator.Level(List.of(d))),
                        Duration.ofSeconds(30), Duration.ofMillis(200)), FenceCoordinator.Action.OFF, () -> true, s -> { });
        assertTrue(o.fenced(), o.steps().toString());
        assertFalse(IpmiSim.alive(host));
        assertEquals(FenceDevice.Power.OFF, d.status());
        d.on();
        assertTrue(sim.hostPid() > 0);
    }

    @Test
    void aVmThroughTheFenceGatewayHardenedAndLegacy() throws Exception {
        Path key = Fixtures.key(dir, "fence.key");
        int port = Fixtures.freePort();
        int legacy = Fixtures.freePort();
        Path gw = Fixtures.write(dir.resolve("fence_virt.conf"), """
                listeners {
                  tcp { key_file = "%1$s"; port = "%2$d"; auth = "hardened"; }
                  tcp { key_file = "%1$s"; port = "%3$d"; }
                }
                backends { libvirt { uri = "%4$s"; } }
                """.formatted(key, port, legacy, Fixtures.domainsUri(dir)));
        try (FenceDaemon daemon = FenceDaemon.create(FenceDaemonConfig.load(gw))) {
            daemon.start(Duration.ofSeconds(10));
            Path conf = Fixtures.write(dir.resolve("virt.conf"), """
                    fencing {
                      node { name = "appliance-b";
                        level { device { type = "fence_virt"; address = "127.0.0.1"; port = "%2$d"; key_file = "%1$s"; domain = "appliance-b"; } }
                      }
                      node { name = "appliance-a";
                        level { device { type = "fence_virt"; address = "127.0.0.1"; port = "%3$d"; key_file = "%1$s";
                                         auth = "sha256"; hash = "sha256"; domain = "appliance-a"; } }
                      }
                    }
                    """.formatted(key, port, legacy));
            FencingConfig fc = FencingConfig.from(ConfigParser.parse(conf));
            for (String vm : List.of("appliance-b", "appliance-a")) {
                FenceCoordinator.Plan p = FencePlans.plan(fc, fc.node(vm).orElseThrow());
                FenceDevice d = p.levels().get(0).devices().get(0);
                assertEquals(FenceDevice.Power.ON, d.status(), vm);
                FenceCoordinator.Outcome o = new FenceCoordinator(FenceCoordinator.SYSTEM)
                        .fence(p, FenceCoordinator.Action.OFF, () -> true, s -> { });
                assertTrue(o.fenced(), o.steps().toString());
                assertEquals(FenceDevice.Power.OFF, d.status(), vm);
            }
        }
    }

    private void powerOn() throws Exception {
        if (sim.hostPid() <= 0) {
            FencePlans.device(new FencingConfig.Ipmi("127.0.0.1", sim.port(), IpmiSim.USER, IpmiSim.PASSWORD, null,
                    null, 3, false, "administrator", Duration.ofSeconds(1), 4, null)).on();
        }
    }
}
