package dev.palisade.drivers.ipmi;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Jazzer: the RMCP+ decoder answers any datagram with a packet or its own exception, with and without keys. */
class RmcpFuzzTest {
    private static final RakpKeys KEYS = new RakpKeys(CipherSuite.SUITE_17, RakpKeys.kuid("fencepass"), null,
            new byte[16], new byte[16], 0x14, "fence");

    @FuzzTest(maxDuration = "30s")
    void decode(byte[] data) {
        for (RakpKeys k : new RakpKeys[] {null, KEYS}) {
            try {
                RmcpPacket.decode(data, k, k == null ? null : CipherSuite.SUITE_17);
            } catch (RmcpPacket.PacketException expected) {
                // refused cleanly
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decodeIpmiMessage(byte[] data) {
        try {
            IpmiMessage.Response r = IpmiMessage.decodeResponse(data);
            if (r.data().length != data.length - 8) {
                throw new AssertionError("data length " + r.data().length + " from " + data.length + " bytes");
            }
        } catch (RmcpPacket.PacketException expected) {
            // refused cleanly
        }
    }
}
