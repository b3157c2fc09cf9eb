package dev.palisade.fence.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.fence.auth.AuthPolicy;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.listener.RequestGate;
import dev.palisade.fence.wire.HashType;
import java.nio.file.Path;
import java.util.Set;

/**
 * Jazzer fuzz tests of the gateway's own input handling: the request gate (decode, authenticate, drop
 * duplicates) and the fence_virt.conf reader. Seeds under src/test/resources; see docs/testing.md.
 */
class GatewayFuzzTest {
    private static final FenceKey KEY = FenceKey.of("fuzz key\n".getBytes());

    @FuzzTest(maxDuration = "30s")
    void requestGate(byte[] data) {
        RequestGate gate = new RequestGate("fuzz", new Credentials(KEY, AuthPolicy.BOTH, HashType.NONE, HashType.SHA256,
                HardenedAuth.DEFAULT_SKEW));
        gate.admit(data, "fuzz");
        gate.admit(data, "fuzz");
    }

    @FuzzTest(maxDuration = "30s")
    void fenceVirtConf(FuzzedDataProvider data) {
        byte[] text = data.consumeRemainingAsBytes();
        try {
            ConfigBlock root = ConfigParser.parse("fuzz.conf", text);
            FenceDaemonConfig.from(Path.of("fuzz.conf"), root, Set.of());
        } catch (ConfigException expected) {
            if (!expected.getMessage().startsWith("fuzz.conf:")) {
                throw new AssertionError("config error without a position: " + expected.getMessage());
            }
        }
    }
}
