package dev.palisade.drivers.storage;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Jazzer: drbdsetup events2 output is a state or a ParseException, nothing else. */
class DrbdStateFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void events2(byte[] data) {
        try {
            DrbdState s = DrbdState.parse("r0", new String(data, java.nio.charset.StandardCharsets.UTF_8));
            if (s.role() == null || s.role().isEmpty()) {
                throw new AssertionError("a state without a role");
            }
        } catch (DrbdState.ParseException expected) {
            // refused with its reason
        }
    }
}
