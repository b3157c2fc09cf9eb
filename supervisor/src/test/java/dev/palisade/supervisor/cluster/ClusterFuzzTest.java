package dev.palisade.supervisor.cluster;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.supervisor.cluster.galera.GaleraStateException;
import dev.palisade.supervisor.cluster.galera.GraState;
import dev.palisade.supervisor.cluster.galera.GvwState;
import dev.palisade.supervisor.cluster.galera.RecoveredPosition;
import java.util.Arrays;

/**
 * Jazzer: what a cluster node reads from outside (its Galera state files, the recovery log, messages of its CPG
 * group) either reads cleanly or is refused with its own checked exception, nothing else; an accepted message
 * re-encodes to the same bytes.
 */
class ClusterFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void grastate(byte[] data) {
        try {
            GraState g = GraState.parse(data);
            if (g.seqno() < -1) {
                throw new AssertionError("seqno " + g.seqno());
            }
        } catch (GaleraStateException expected) {
            // refused with its defect
        }
    }

    @FuzzTest(maxDuration = "30s")
    void gvwstate(byte[] data) {
        try {
            GvwState g = GvwState.parse(data);
            if (g.view() == null || g.myUuid() == null) {
                throw new AssertionError("accepted without a view");
            }
        } catch (GaleraStateException expected) {
            // refused with its defect
        }
    }

    @FuzzTest(maxDuration = "30s")
    void recoveryLog(byte[] data) {
        try {
            RecoveredPosition.parse(data);
        } catch (GaleraStateException expected) {
            // refused with its defect
        }
    }

    @FuzzTest(maxDuration = "30s")
    void message(byte[] data) {
        try {
            ClusterMessage m = ClusterMessage.decode(data);
            if (!Arrays.equals(m.encode(), data)) {
                throw new AssertionError("accepted message does not re-encode to itself: " + m);
            }
        } catch (ClusterMessage.DecodeException expected) {
            // refused with its defect
        }
    }
}
