package dev.palisade.drivers.http;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer: any listen value from a configuration file is an address and port that print back as the same
 * address, or a refusal that says what is expected; never a name lookup, never another exception.
 */
class ListenAddressFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(String text) {
        try {
            ListenAddress a = ListenAddress.parse(text);
            if (a.port() < 1 || a.port() > 65535) {
                throw new AssertionError("port " + a.port() + " from " + text);
            }
            if (!ListenAddress.parse(a.toString()).equals(a)) {
                throw new AssertionError(a + " does not read back");
            }
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null || !expected.getMessage().contains("expected ADDRESS:PORT")) {
                throw new AssertionError("a refusal that does not say what is expected", expected);
            }
        }
    }
}
