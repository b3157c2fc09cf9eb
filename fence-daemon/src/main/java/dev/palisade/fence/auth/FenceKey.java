package dev.palisade.fence.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * A shared fence key: the raw bytes of the key file, at most 4096 of them, a trailing newline included,
 * exactly as fence_virtd reads it. Only a fingerprint is ever logged.
 */
public final class FenceKey {
    /** MAX_KEY_LEN in xvm.h. */
    public static final int MAX_LENGTH = 4096;

    private final byte[] bytes;
    private final Path source;
    /** Digests that have absorbed the key already, per algorithm: each use clones one instead of rehashing 4 KiB. */
    private final java.util.Map<String, MessageDigest> keyed = new java.util.concurrent.ConcurrentHashMap<>();

    private FenceKey(byte[] bytes, Path source) {
        this.bytes = bytes;
        this.source = source;
    }

    /** A fresh digest of {@code algorithm} that has already been fed the key bytes. */
    MessageDigest keyedDigest(String algorithm) {
        MessageDigest proto = keyed.computeIfAbsent(algorithm, a -> {
            try {
                MessageDigest md = MessageDigest.getInstance(a);
                md.update(bytes);
                return md;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(a + " digest missing from this JVM", e);
            }
        });
        try {
            return (MessageDigest) proto.clone();
        } catch (CloneNotSupportedException e) {
            try {
                MessageDigest md = MessageDigest.getInstance(algorithm);
                md.update(bytes);
                return md;
            } catch (NoSuchAlgorithmException never) {
                throw new IllegalStateException(never);
            }
        }
    }

    public static FenceKey of(byte[] bytes) {
        return new FenceKey(Arrays.copyOf(bytes, Math.min(bytes.length, MAX_LENGTH)), null);
    }

    /**
     * Loads a key file. A file readable or writable by group or others is refused, because anyone who can
     * read it can power off every VM the gateway serves.
     */
    public static FenceKey load(Path file) throws KeyFileException {
        byte[] raw;
        try {
            if (!Files.isRegularFile(file)) {
                throw new KeyFileException(file + ": key file does not exist or is not a regular file; "
                        + "create one with: dd if=/dev/urandom of=" + file + " bs=4096 count=1 && chmod 600 " + file);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new KeyFileException(file + ": key file is accessible to group or others ("
                            + java.nio.file.attribute.PosixFilePermissions.toString(perms)
                            + "); run: chmod 600 " + file);
                }
            }
            try (var in = Files.newInputStream(file)) {
                raw = in.readNBytes(MAX_LENGTH);
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file + ": key file does not exist");
        } catch (UnsupportedOperationException e) {
            throw new KeyFileException(file + ": cannot check permissions on this file system");
        } catch (IOException e) {
            throw new KeyFileException(file + ": cannot read key file: " + e.getMessage());
        }
        if (raw.length == 0) {
            throw new KeyFileException(file + ": key file is empty; every signed request would be rejected. "
                    + "Fill it with: dd if=/dev/urandom of=" + file + " bs=4096 count=1");
        }
        return new FenceKey(raw, file);
    }

    /** The raw key bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** The file it came from, or null. */
    public Path source() {
        return source;
    }

    /** First 8 bytes of SHA-256 of the key, in hex: safe to log, enough to tell two keys apart. */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] raw() {
        return bytes;
    }

    @Override
    public String toString() {
        return "FenceKey{" + length() + " bytes, sha256:" + fingerprint() + "}";
    }
}
