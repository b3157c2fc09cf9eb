package dev.palisade.fence.auth;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The random bytes of challenges, nonces and signatures: NIST SP 800-90A Hash_DRBG (SHA-256, the JDK's
 * {@code DRBG}), seeded from the operating system and reseeded by the JDK as the standard asks. Unlike the
 * default {@code NativePRNG} it does not read /dev/urandom on every call, which a gateway answering thousands
 * of challenges a second would otherwise pay in system calls.
 *
 * <p>A one-shot command (fence_palisade, {@code -Dpalisade.oneShot=true}) needs a few dozen bytes and exits:
 * there the operating system's generator ({@code NativePRNGNonBlocking}, /dev/urandom) serves them, because
 * seeding the DRBG gathers the JDK's "system entropy" (every network interface, every file name in the
 * temporary directory), which cost 12-20 ms of such a command's start.
 */
final class Randomness {
    /** {@code dev.palisade.fence.transport.NettyDefaults.ONE_SHOT} (auth does not depend on transport). */
    static final String ONE_SHOT = "palisade.oneShot";
    private static final SecureRandom RANDOM = create(Boolean.getBoolean(ONE_SHOT));

    private Randomness() {
    }

    static SecureRandom create(boolean oneShot) {
        try {
            return SecureRandom.getInstance(oneShot ? "NativePRNGNonBlocking" : "DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    static void fill(byte[] b) {
        RANDOM.nextBytes(b);
    }
}
