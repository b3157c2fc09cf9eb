package dev.palisade.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.supervisor.fencing.FencePlans;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fence password opens the peer's power: an inline secret in a configuration others can read is refused, and
 * so is a secret file others can write or that root does not own; each refusal says how to fix it.
 */
class SecretsTest {
    private static final String BASE = """
            supervisor { node = "pf1"; peer = "pf2"; }
            auth { key_file = "/etc/palisade/cluster.key"; }
            links { udp { peer = "10.10.100.2"; } }
            fencing { node { name = "pf2"; level { device { %s } } } }
            """;

    private static Path conf(Path dir, String device, String mode) throws IOException {
        Path p = Fixtures.write(dir.resolve("palisade.conf"), BASE.formatted(device));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    @Test
    void anInlinePasswordInAConfigOthersCanReadIsRefused(@TempDir Path dir) throws Exception {
        String ipmi = "type = \"ipmi\"; host = \"10.0.0.12\"; user = \"fence\"; password = \"s3cret\";";
        ConfigException e = assertThrows(ConfigException.class, () -> SupervisorConfig.load(conf(dir, ipmi, "rw-r--r--")));
        assertTrue(e.getMessage().contains("palisade.conf:4:") && e.getMessage().contains("chmod 600"), e.getMessage());
        SupervisorConfig.load(conf(dir, ipmi, "rw-------")); // root only: accepted
        String agent = "type = \"agent\"; agent = \"fence_apc\"; ip = \"10.0.0.40\"; passwd = \"apc\";";
        e = assertThrows(ConfigException.class, () -> SupervisorConfig.load(conf(dir, agent, "rw-r-----")));
        assertTrue(e.getMessage().contains("passwd"), e.getMessage());
    }

    @Test
    void aPasswordFileOrScriptNamedInAConfigOthersCanReadIsAccepted(@TempDir Path dir) throws Exception {
        // the secret is in its own file (or printed by a script): only that file must be root's alone
        String ipmi = "type = \"ipmi\"; host = \"10.0.0.12\"; user = \"fence\"; password_file = \"/etc/palisade/pf2.ipmi\";";
        assertEquals("pf2", SupervisorConfig.load(conf(dir, ipmi, "rw-r--r--")).fencing().node("pf2").orElseThrow().name());
        String agent = "type = \"agent\"; agent = \"fence_apc\"; ip = \"10.0.0.40\"; password_script = \"/etc/palisade/apc-pass\";";
        assertEquals("pf2", SupervisorConfig.load(conf(dir, agent, "rw-r--r--")).fencing().node("pf2").orElseThrow().name());
    }

    @Test
    void aSecretFileOthersCanWriteOrRootDoesNotOwnIsRefused(@TempDir Path dir) throws Exception {
        Path pw = Fixtures.write(dir.resolve("pf2.ipmi"), "s3cret\n");
        Path c = conf(dir, "type = \"ipmi\"; host = \"10.0.0.12\"; user = \"fence\"; password_file = \"" + pw + "\";",
                "rw-------");
        FencingConfig f = SupervisorConfig.load(c).fencing();
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw--w----"));
        IOException e = assertThrows(IOException.class, () -> FencePlans.plan(f, f.node("pf2").orElseThrow()));
        assertTrue(e.getMessage().contains("writable") && e.getMessage().contains("chmod 600"), e.getMessage());
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(pw, nobody);
        e = assertThrows(IOException.class, () -> FencePlans.plan(f, f.node("pf2").orElseThrow()));
        assertTrue(e.getMessage().contains("owned by nobody") && e.getMessage().contains("chown root"), e.getMessage());
    }

    @Test
    void checkConfigSaysTheSame(@TempDir Path dir) throws Exception {
        Path c = conf(dir, "type = \"ipmi\"; host = \"10.0.0.12\"; user = \"fence\"; password = \"s3cret\";", "rw-rw-r--");
        assertThrows(ConfigException.class, () -> SupervisorConfig.from(c, ConfigParser.parse(c)));
    }
}
