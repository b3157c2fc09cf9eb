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

    /** fence-keygen starts every key it writes with this line, so clients know to use the hardened scheme. */
    public static final byte[] KEYGEN_MAGIC = "PALISADE-FENCE-KEY-1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Fewer bytes than this cannot hold a 256-bit secret. */
    public static final int MIN_LENGTH = 32;
    /** Estimated entropy (byte histogram) below this is not a random key. */
    public static final double MIN_ENTROPY_BITS = 128;

    /**
     * Loads a key file. Refused, with the command that fixes it: a file that is not a regular file, is not
     * owned by root (or by the user Palisade runs as), has a mode other than 0600 or 0400, holds fewer
     * than 32 bytes, or whose bytes are visibly not random. Anyone who can read the key can power off every
     * VM the gateway serves.
     */
    public static FenceKey load(Path file) throws KeyFileException {
        String fix = "create one with: palisade fence-keygen -f " + file;
        byte[] raw;
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new KeyFileException(file + ": key file does not exist or is not a regular file; " + fix);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> rw = java.util.EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            if (!perms.equals(rw) && !perms.equals(java.util.EnumSet.of(PosixFilePermission.OWNER_READ))) {
                throw new KeyFileException(file + ": key file mode is "
                        + java.nio.file.attribute.PosixFilePermissions.toString(perms)
                        + "; it must be 0600 or 0400 (anyone who reads it can fence every VM). Run: chmod 600 " + file);
            }
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            long me = effectiveUid();
            if (owner != 0 && owner != me) {
                throw new KeyFileException(file + ": key file is owned by uid " + owner
                        + ", not by root; run: chown root:root " + file);
            }
            try (var in = Files.newInputStream(file)) {
                raw = in.readNBytes(MAX_LENGTH);
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file + ": key file does not exist; " + fix);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new KeyFileException(file + ": cannot check ownership and permissions on this file system");
        } catch (IOException e) {
            throw new KeyFileException(file + ": cannot read key file: " + e.getMessage());
        }
        if (raw.length < MIN_LENGTH) {
            throw new KeyFileException(file + ": key file holds " + raw.length + " bytes; at least " + MIN_LENGTH
                    + " random bytes are needed. Make a new key with: palisade fence-keygen -f " + file
                    + " --force (then copy it to every node and guest that uses it)");
        }
        double bits = entropyBits(raw);
        if (bits < MIN_ENTROPY_BITS) {
            throw new KeyFileException(file + ": key file does not look random (about " + Math.round(bits)
                    + " bits of entropy, at least " + Math.round(MIN_ENTROPY_BITS) + " needed). Make a new key with: "
                    + "palisade fence-keygen -f " + file + " --force");
        }
        return new FenceKey(raw, file);
    }

    /** Whether fence-keygen wrote this key (its clients then default to the hardened scheme). */
    public boolean madeByKeygen() {
        return bytes.length > KEYGEN_MAGIC.length
                && java.util.Arrays.equals(bytes, 0, KEYGEN_MAGIC.length, KEYGEN_MAGIC, 0, KEYGEN_MAGIC.length);
    }

    /**
     * A conservative estimate of the key's entropy in bits: the Shannon entropy of its byte histogram times
     * its length, capped at 8 bits a byte. A random key of n bytes scores close to 8n; text and repeated
     * bytes score far lower. It cannot prove randomness, only catch keys that are obviously not.
     */
    static double entropyBits(byte[] b) {
        int[] counts = new int[256];
        for (byte x : b) {
            counts[x & 0xff]++;
        }
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / b.length;
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h * b.length;
    }

    /** The effective uid of this process (Linux /proc), or -1 when it cannot be read. */
    public static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
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
