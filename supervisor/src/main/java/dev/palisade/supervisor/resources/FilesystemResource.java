package dev.palisade.supervisor.resources;

import dev.palisade.drivers.storage.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code filesystem}: a block device (or image file) mounted on a directory. Ready when the mount is visible;
 * refuses to mount a device that is mounted somewhere else; a busy unmount fails naming the processes that
 * hold it and kills none of them.
 */
public final class FilesystemResource implements Resource {
    private final Path device;
    private final Path directory;
    private final String fstype;
    private final String options;
    private final Duration timeout;

    public FilesystemResource(Path device, Path directory, String fstype, String options, Duration timeout) {
        this.device = device;
        this.directory = directory;
        this.fstype = fstype;
        this.options = options;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "filesystem " + device + " on " + directory;
    }

    @Override
    public void start() throws IOException {
        Optional<String> here = mountedHere();
        if (status(here) == Status.RUNNING) {
            return;
        }
        if (here.isPresent()) {
            throw new IOException(directory + " already has " + here.get() + " mounted on it, not " + device);
        }
        if (!Files.isRegularFile(device)) {
            List<Path> elsewhere = Mounts.mountPointsOf(device.toString());
            if (!elsewhere.isEmpty()) {
                throw new IOException(device + " is already mounted on " + elsewhere
                        + ": refusing a second mount of one filesystem");
            }
        }
        Files.createDirectories(directory);
        Mounts.mount(device, directory, fstype, options, timeout);
        if (monitor() != Status.RUNNING) {
            throw new IOException("mount of " + device + " on " + directory + " reported success but is not visible");
        }
    }

    @Override
    public void stop() throws IOException {
        if (monitor() == Status.STOPPED) {
            return;
        }
        Mounts.umount(directory, timeout);
        if (monitor() != Status.STOPPED) {
            throw new IOException(directory + " is still mounted after umount");
        }
    }

    @Override
    public Status monitor() throws IOException {
        return status(mountedHere());
    }

    private Optional<String> mountedHere() throws IOException {
        return Files.isDirectory(directory) ? Mounts.sourceAt(directory) : Optional.empty();
    }

    /** What the source mounted on the directory (if any) means for this resource. */
    private Status status(Optional<String> src) throws IOException {
        if (src.isEmpty()) {
            return Status.STOPPED;
        }
        if (src.get().equals(device.toString()) || Files.isRegularFile(device) && device.toRealPath().toString()
                .equals(Mounts.loopBackingFile(src.get()).orElse(null))) {
            return Status.RUNNING;
        }
        return Status.FAILED; // something else is mounted there
    }
}
