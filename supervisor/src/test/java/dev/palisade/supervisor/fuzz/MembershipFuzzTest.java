package dev.palisade.supervisor.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.membership.HeartbeatFrame;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;

/** Jazzer: heartbeat frames (datagrams and the serial stream) and the supervisor configuration. */
class MembershipFuzzTest {
    private static final HeartbeatFrame.Key KEY = new HeartbeatFrame.Key("fuzzing cluster key, 32+ bytes long".getBytes());

    @FuzzTest(maxDuration = "30s")
    void datagram(byte[] data) {
        try {
            HeartbeatFrame f = HeartbeatFrame.decode(data, KEY);
            if (!java.util.Arrays.equals(f.encode(KEY), data)) {
                throw new AssertionError("an authentic frame must re-encode to its bytes");
            }
        } catch (HeartbeatFrame.FrameException expected) {
            // rejected cleanly
        }
    }

    @FuzzTest(maxDuration = "30s")
    void serialStream(byte[] data) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        try {
            for (int i = 0; i <= data.length; i++) {
                HeartbeatFrame.read(in, KEY, 64);
            }
            throw new AssertionError("more frames than bytes");
        } catch (EOFException end) {
            // every stream ends
        }
    }

    /** ha.cf, haresources and authkeys from arbitrary text: a report, never an exception; output always parses. */
    @FuzzTest(maxDuration = "30s")
    void heartbeatImport(FuzzedDataProvider data) {
        String haCf = data.consumeString(2000);
        String haresources = data.consumeString(1000);
        String authkeys = data.consumeRemainingAsString();
        dev.palisade.supervisor.config.HeartbeatImport.Result r = dev.palisade.supervisor.config.HeartbeatImport
                .convert(haCf, haresources, authkeys, null, "/etc/palisade/cluster.key");
        if (r.config() != null) {
            try {
                ConfigParser.parse("imported.conf", r.config());
            } catch (ConfigException e) {
                // values copied from ha.cf may still be wrong (a bad address: check-config says so), but the
                // text itself must always be in the grammar
                throw new AssertionError("import produced text outside the grammar: " + e.getMessage(), e);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void supervisorConfig(FuzzedDataProvider data) {
        try {
            SupervisorConfig.from(Path.of("fuzz.conf"), ConfigParser.parse("fuzz.conf", data.consumeRemainingAsBytes()));
        } catch (ConfigException expected) {
            if (!expected.getMessage().startsWith("fuzz.conf:")) {
                throw new AssertionError("config error without a position: " + expected.getMessage());
            }
        }
    }
}
