package dev.palisade.supervisor.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.storage.Mounts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem resource on a real ext4 image through a loop device. */
class FilesystemResourceTest {
    private static Path image(Path dir) throws Exception {
        return dev.palisade.drivers.testing.Scratch.ext4Image(dir.resolve("data.img"), 32);
    }

    @Test
    void mountsIsReadyStopsIdempotentlyAndNeverKillsTheHoldersOfABusyMount(@TempDir Path dir) throws Exception {
        Path img = image(dir);
        Path mnt = dir.resolve("mnt");
        FilesystemResource fs = new FilesystemResource(img, mnt, "ext4", null, Duration.ofSeconds(20));
        assertEquals(Resource.Status.STOPPED, fs.monitor());
        fs.stop(); // stopping a stopped resource is success
        fs.start();
        try {
            assertEquals(Resource.Status.RUNNING, fs.monitor());
            fs.start(); // and starting a running one
            Files.writeString(mnt.resolve("row"), "1");
            Process holder = new ProcessBuilder("sleep", "60").directory(mnt.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                Mounts.MountException e = assertThrows(Mounts.MountException.class, fs::stop);
                assertTrue(e.getMessage().contains("pid " + holder.pid() + " (sleep) working directory"), e.getMessage());
                assertEquals(holder.pid(), e.holders().get(0).pid());
                assertTrue(holder.isAlive(), "the holder was not killed");
                assertEquals(Resource.Status.RUNNING, fs.monitor(), "still mounted, and says so");
            } finally {
                holder.destroyForcibly().waitFor();
            }
            fs.stop();
            assertEquals(Resource.Status.STOPPED, fs.monitor());
            fs.start();
            assertEquals("1", Files.readString(mnt.resolve("row")), "the data survived unmount and mount");
        } finally {
            fs.stop();
        }
    }

    @Test
    void aSecondMountOfOneFilesystemOrAForeignMountIsRefused(@TempDir Path dir) throws Exception {
        Path img = image(dir);
        Path other = image(Files.createDirectories(dir.resolve("other")));
        Path mnt = dir.resolve("mnt");
        FilesystemResource mine = new FilesystemResource(img, mnt, "ext4", null, Duration.ofSeconds(20));
        FilesystemResource foreign = new FilesystemResource(other, mnt, "ext4", null, Duration.ofSeconds(20));
        mine.start();
        try {
            assertEquals(Resource.Status.FAILED, foreign.monitor(), "another filesystem sits on the directory");
            IOException e = assertThrows(IOException.class, foreign::start);
            assertTrue(e.getMessage().contains("already has"), e.getMessage());
        } finally {
            mine.stop();
        }
        IOException bad = assertThrows(IOException.class, () -> new FilesystemResource(dir.resolve("nothing.img"),
                dir.resolve("m2"), "ext4", null, Duration.ofSeconds(20)).start());
        assertTrue(bad.getMessage().contains("failed"), bad.getMessage());
    }
}
