package dev.palisade.drivers.platform;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Jazzer: any NOTIFY_SOCKET value is an address that fits sockaddr_un, or a refusal with its reason. */
class NotifyAddressFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] data) {
        String value = new String(data, java.nio.charset.StandardCharsets.UTF_8);
        try {
            NotifyAddress a = NotifyAddress.parse(value);
            int len = a.sockaddr().length;
            if (len < 3 || len > 2 + 108 || a.sockaddr()[0] != 1) {
                throw new AssertionError("sockaddr of " + len + " bytes for " + a);
            }
        } catch (NotifyAddress.InvalidAddressException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("a refusal without a reason");
            }
        }
    }
}
