package dev.palisade.fence;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.KeyFileException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * {@code palisade fence-keygen [-f KEYFILE] [-c CONFIG] [--force]}: writes a fence key the way it must be:
 * a marker line and 256 random bytes, mode 0600, owned by root, written to a temporary file and renamed,
 * so a half-written key never exists. With {@code -c}, also writes a fence_virt.conf whose TCP listener
 * uses the key with the hardened scheme.
 */
public final class FenceKeygen {
    public static final String DEFAULT_KEY = "/etc/cluster/fence_xvm.key";
    static final int RANDOM_BYTES = 256;

    private FenceKeygen() {
    }

    static final String USAGE = """
            usage: palisade fence-keygen [-f KEYFILE] [-c CONFIG] [--force]
              -f KEYFILE  key to write (default /etc/cluster/fence_xvm.key), mode 0600, owner root
              -c CONFIG   also write a fence_virt.conf using the key with auth = "hardened"
              --force     replace an existing key (every client needs the new one)
            """;

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path key = Path.of(DEFAULT_KEY);
        Path conf = null;
        boolean force = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-f", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("palisade fence-keygen: " + args[i] + " needs a value\n" + USAGE);
                        return ExitCode.USAGE;
                    }
                    if (args[i].equals("-f")) {
                        key = Path.of(args[++i]);
                    } else {
                        conf = Path.of(args[++i]);
                    }
                }
                case "--force" -> force = true;
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return ExitCode.OK;
                }
                default -> {
                    err.println("palisade fence-keygen: unknown option '" + args[i] + "'\n" + USAGE);
                    return ExitCode.USAGE;
                }
            }
        }
        try {
            write(key, force);
            FenceKey k = FenceKey.load(key);
            out.println("wrote " + key + " (" + k.length() + " bytes, mode 0600, sha256:" + k.fingerprint() + ")");
            if (conf != null) {
                writeConfig(conf, key, force);
                out.println("wrote " + conf + " (tcp listener on 127.0.0.1:1229, auth = \"hardened\")");
            }
            return ExitCode.OK;
        } catch (FileAlreadyExistsException e) {
            err.println("palisade fence-keygen: " + e.getFile() + " exists; pass --force to replace it "
                    + "(every client must then get the new key)");
            return ExitCode.USAGE;
        } catch (IOException | KeyFileException e) {
            err.println("palisade fence-keygen: " + e.getMessage());
            return ExitCode.SYSTEM;
        }
    }

    /** Writes a new key atomically: temporary file with mode 0600 from the start, then rename. */
    public static void write(Path key, boolean force) throws IOException {
        if (!force && Files.exists(key, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(key.toString());
        }
        Path dir = key.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] random = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(random);
        Path tmp = Files.createTempFile(dir, ".fence-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, FenceKey.KEYGEN_MAGIC, StandardOpenOption.TRUNCATE_EXISTING);
            Files.write(tmp, random, StandardOpenOption.APPEND);
            if (FenceKey.effectiveUid() == 0) {
                Files.setAttribute(tmp, "unix:uid", 0);
                Files.setAttribute(tmp, "unix:gid", 0);
            }
            Files.move(tmp, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeConfig(Path conf, Path key, boolean force) throws IOException {
        if (!force && Files.exists(conf)) {
            throw new FileAlreadyExistsException(conf.toString());
        }
        String text = """
                # Written by palisade fence-keygen. Reference: docs/fence-daemon.md
                fence_virtd {
                \tlistener = "tcp";
                \tbackend = "libvirt";
                }
                listeners {
                \ttcp {
                \t\tkey_file = "%s";
                \t\taddress = "127.0.0.1";
                \t\tport = "1229";
                \t\tauth = "hardened";
                \t}
                }
                backends {
                \tlibvirt {
                \t\turi = "qemu:///system";
                \t}
                }
                """.formatted(key.toAbsolutePath());
        Files.writeString(conf, text);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
    }
}
