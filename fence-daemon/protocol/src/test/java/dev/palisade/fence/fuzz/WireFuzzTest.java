package dev.palisade.fence.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.auth.HardenedKeys;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.auth.ReplayCache;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.SerialFrame;
import dev.palisade.fence.wire.WireFormatException;
import java.util.Arrays;

/**
 * Jazzer fuzz tests of the protocol's decoders. {@code make test} replays the seeds under src/test/resources
 * in regression mode; {@code JAZZER_FUZZ=1} explores (see docs/testing.md). Each decoder may only answer with
 * its own checked exception: anything else is a bug.
 */
class WireFuzzTest {
    private static final FenceKey KEY = FenceKey.of("fuzz key\n".getBytes());
    private static final HardenedKeys HARDENED = HardenedKeys.derive(KEY);

    @FuzzTest(maxDuration = "30s")
    void fenceRequest(byte[] data) {
        try {
            FenceRequest r = FenceRequest.decode(data);
            // A decoded request must re-encode to the same bytes and verify without throwing.
            if (!Arrays.equals(data, r.encode())) {
                // fields the decoder normalises: bytes after the domain's NUL and beyond addrlen
                FenceRequest again = FenceRequest.decode(r.encode());
                if (!Arrays.equals(again.encode(), r.encode())) {
                    throw new AssertionError("encode/decode is not stable");
                }
            }
            for (HashType min : HashType.values()) {
                LegacyAuth.verify(r, min, KEY);
            }
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }

    /** Arbitrary bytes presented as a hardened request: every path of verify, never an exception. */
    @FuzzTest(maxDuration = "30s")
    void hardenedRequest(byte[] data) {
        if (data.length == FenceRequest.SIZE) {
            data[1] = (byte) HardenedAuth.HASH_TYPE;
        }
        try {
            FenceRequest r = FenceRequest.decode(data);
            HardenedAuth.verify(r, HARDENED, System.currentTimeMillis(), HardenedAuth.DEFAULT_SKEW,
                    new ReplayCache(1_000_000_000L, 16), System.nanoTime());
            HardenedAuth.verify(r, HARDENED, HardenedAuth.timestamp(r), HardenedAuth.DEFAULT_SKEW,
                    new ReplayCache(1_000_000_000L, 16), System.nanoTime());
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }

    /** Serial framing: any byte stream yields frames, noise reports or the end, never an exception or a hang. */
    @FuzzTest(maxDuration = "30s")
    void serialFrames(byte[] data) throws java.io.IOException {
        java.io.InputStream in = new java.io.ByteArrayInputStream(data);
        int frames = 0;
        try {
            while (frames++ <= data.length) {
                SerialFrame.read(in, 64);
            }
            throw new AssertionError("more frames than bytes");
        } catch (java.io.EOFException end) {
            // every stream ends
        }
    }

    @FuzzTest(maxDuration = "30s")
    void hostState(byte[] data) {
        try {
            HostState h = HostState.decode(data);
            HostState.decode(h.encode());
        } catch (WireFormatException expected) {
            // rejected cleanly
        }
    }
}
