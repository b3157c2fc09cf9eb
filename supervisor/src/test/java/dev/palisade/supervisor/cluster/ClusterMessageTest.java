package dev.palisade.supervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.palisade.supervisor.cluster.galera.GvwState;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CPG messages byte for byte, and one test per kind of malformed message. */
class ClusterMessageTest {
    private static final UUID U = UUID.fromString("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c");
    private static final GvwState.View V = new GvwState.View(3, UUID.fromString("1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e"), 5);

    /** A stopped node's STATE with a recovered report and its saved view, annotated field by field. */
    static final String REPORTED = String.join("",
            "504c5343", // magic "PLSC"
            "01",       // version 1
            "01",       // kind STATE
            "0038",     // body length 56
            "04",       // phase REPORTED (4)
            "68",       // flags: 0x08 report, 0x20 recovered, 0x40 view
            "0000",     // reserved
            "6fd3d5b7f0d611ee8b8a6a1f4c1e2d3c", // report uuid
            "0000000000000007", // seqno 7
            "1d0a5f2ff0d711eea2b77fa3b3fd4e7e", // view uuid
            "0000000000000005", // view seq 5
            "00000003");        // view type 3

    @Test
    void encodesAStateByteForByteAndReadsItBack() throws Exception {
        ClusterMessage.State s = new ClusterMessage.State(Phase.REPORTED, false, false, false,
                new Report(U, 7, false, true, V));
        assertEquals(REPORTED, HexFormat.of().formatHex(s.encode()));
        assertEquals(s, ClusterMessage.decode(HexFormat.of().parseHex(REPORTED)));
    }

    @Test
    void everyKindRoundTrips() throws Exception {
        for (ClusterMessage m : new ClusterMessage[] {
                new ClusterMessage.State(Phase.RUNNING, true, true, true, null),
                new ClusterMessage.State(Phase.PROBING, false, false, false, null),
                new ClusterMessage.State(Phase.REPORTED, false, false, false, new Report(U, -1, true, false, null)),
                new ClusterMessage.Forced(3), new ClusterMessage.Fenced(2), new ClusterMessage.ClaimSeen(2),
                new ClusterMessage.PcRecoveryFailed()}) {
            assertEquals(m, ClusterMessage.decode(m.encode()), m.toString());
        }
        assertArrayEquals(HexFormat.of().parseHex("504c5343010200040000000300".substring(0, 24)),
                new ClusterMessage.Forced(3).encode());
        assertArrayEquals(HexFormat.of().parseHex("504c534301050004000000fe"), new ClusterMessage.ClaimSeen(254).encode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SHORT    | 504c534301
            MAGIC    | 504c5344010400 00
            VERSION  | 504c534302040000
            KIND     | 504c534301090000
            LENGTH   | 504c5343010400 01 00
            LENGTH   | 504c53430102000300000003
            LENGTH   | 504c534301020004000000
            NODE     | 504c5343010200 04 00000000
            NODE     | 504c5343010300 04 ffffffff
            NODE     | 504c5343010500 04 00000000
            LENGTH   | 504c5343010500 00
            PHASE    | REPORTED phase=0b
            PHASE    | REPORTED phase=00
            FLAGS    | REPORTED flags=e8
            FLAGS    | REPORTED flags=10 zero-report
            RESERVED | REPORTED reserved=0001
            RESERVED | REPORTED flags=28 zero-view-but-type
            FLAGS    | REPORTED seqno=fffffffffffffffe
            """)
    void dropsAMalformedMessage(ClusterMessage.Defect defect, String spec) {
        byte[] m = spec.startsWith("REPORTED") ? damaged(spec) : HexFormat.of().parseHex(spec.replace(" ", ""));
        ClusterMessage.DecodeException e = assertThrows(ClusterMessage.DecodeException.class,
                () -> ClusterMessage.decode(m));
        assertEquals(defect, e.defect(), e.getMessage());
    }

    /** The REPORTED fixture with one field changed. */
    private static byte[] damaged(String spec) {
        byte[] m = HexFormat.of().parseHex(REPORTED);
        for (String part : spec.substring("REPORTED ".length()).split(" ")) {
            String[] kv = part.split("=");
            switch (kv[0]) {
                case "phase" -> m[8] = (byte) Integer.parseInt(kv[1], 16);
                case "flags" -> m[9] = (byte) Integer.parseInt(kv[1], 16);
                case "reserved" -> {
                    m[10] = 0;
                    m[11] = 1;
                }
                case "seqno" -> System.arraycopy(HexFormat.of().parseHex(kv[1]), 0, m, 28, 8);
                case "zero-report" -> java.util.Arrays.fill(m, 12, 36, (byte) 0);
                case "zero-view-but-type" -> java.util.Arrays.fill(m, 36, 60, (byte) 0); // type 3 stays at 60..63
                default -> throw new IllegalArgumentException(part);
            }
        }
        return m;
    }
}
