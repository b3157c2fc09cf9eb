package dev.palisade.fence.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.config.FenceDaemonConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FenceKeygenTest {
    private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        return FenceKeygen.run(args, new PrintStream(out, true), new PrintStream(err, true));
    }

    @Test
    void writesAKeyTheLoaderAcceptsAndAHardenedConfig(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("etc/cluster/fence_xvm.key");
        Path conf = dir.resolve("fence_virt.conf");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(out, err, "-f", key.toString(), "-c", conf.toString()), err.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(0, Files.getAttribute(key, "unix:uid"));
        FenceKey k = FenceKey.load(key);
        assertTrue(k.madeByKeygen());
        assertTrue(k.length() >= 256 + 21);
        assertTrue(out.toString().contains(k.fingerprint()), out.toString());
        FenceDaemonConfig c = FenceDaemonConfig.load(conf);
        assertEquals(AuthPolicy.HARDENED, c.listeners().get(0).policy());
        assertEquals(key.toAbsolutePath(), c.listeners().get(0).keyFile());
    }

    @Test
    void refusesToReplaceAKeyWithoutForce(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("k");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(out, err, "-f", key.toString()));
        byte[] first = Files.readAllBytes(key);
        assertEquals(100, run(out, err, "-f", key.toString()));
        assertTrue(err.toString().contains("--force"), err.toString());
        assertEquals(0, run(out, err, "-f", key.toString(), "--force"));
        assertTrue(!java.util.Arrays.equals(first, Files.readAllBytes(key)), "a new key");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
