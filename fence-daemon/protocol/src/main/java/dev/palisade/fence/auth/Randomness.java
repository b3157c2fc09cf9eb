package dev.palisade.fence.auth;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The random bytes of challenges, nonces and signatures: NIST SP 800-90A Hash_DRBG (SHA-256, the JDK's
 * {@code DRBG}), seeded from the operating system and reseeded by the JDK as the standard asks. Unlike the
 * default {@code NativePRNG} it does not read /dev/urandom on every call, which a gateway answering thousands
 * of challenges a second would otherwise pay in system calls.
 */
final class Randomness {
    private static final SecureRandom RANDOM = create();

    private Randomness() {
    }

    private static SecureRandom create() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    static void fill(byte[] b) {
        RANDOM.nextBytes(b);
    }
}
