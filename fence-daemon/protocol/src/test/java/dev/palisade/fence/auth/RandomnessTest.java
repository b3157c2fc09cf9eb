package dev.palisade.fence.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.palisade.fence.transport.NettyDefaults;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomnessTest {
    @Test
    void aDaemonUsesTheDrbgAndAOneShotCommandTheOperatingSystemsGenerator() {
        assertEquals("DRBG", Randomness.create(false).getAlgorithm());
        assertEquals("NativePRNGNonBlocking", Randomness.create(true).getAlgorithm());
    }

    @Test
    void theOneShotSwitchIsTheOneNettyDefaultsSets() {
        assertEquals(NettyDefaults.ONE_SHOT, Randomness.ONE_SHOT);
    }

    @Test
    void bothGeneratorsGiveBytesThatDiffer() {
        for (boolean oneShot : new boolean[] {false, true}) {
            byte[] a = new byte[32];
            byte[] b = new byte[32];
            var random = Randomness.create(oneShot);
            random.nextBytes(a);
            random.nextBytes(b);
            assertFalse(Arrays.equals(a, b), "two challenges from the " + random.getAlgorithm() + " generator");
            assertFalse(Arrays.equals(a, new byte[32]));
        }
    }
}
