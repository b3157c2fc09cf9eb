package dev.palisade.fence.auth;

import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.ResultSeal;
import java.io.IOException;
import java.util.List;

/**
 * The client's side of the challenge/response, one step at a time and without I/O of its own. The client
 * challenges first and checks the gateway's answer before anything else: a peer that cannot prove the key
 * (a stock gateway with another key, or anyone who called back first) is told apart at once, and its
 * connection can be dropped while the real gateway's is awaited. Then the client answers the gateway's
 * challenge. In the hardened scheme the answer is trusted only with its seal ({@link #checkSeal}).
 */
public final class ClientHandshake {
    private final FenceKey key;
    private final HashType auth;
    private final HardenedKeys hardened;
    /** The MACs of the hardened requests sent (one per multicast copy): the gateway's proof says which it answers. */
    private final List<byte[]> requestMacs;
    private final byte[] ourChallenge;
    private byte[] requestMac;
    private byte[] theirChallenge;
    private int step;

    private ClientHandshake(FenceKey key, HashType auth, HardenedKeys hardened, List<byte[]> requestMacs) {
        this.key = key;
        this.auth = auth;
        this.hardened = hardened;
        this.requestMacs = requestMacs;
        if (hardened != null) {
            ourChallenge = HardenedAuth.newChallenge();
        } else {
            ourChallenge = auth == HashType.NONE ? new byte[0] : LegacyAuth.newChallenge();
            step = auth == HashType.NONE ? 2 : 0;
        }
    }

    /** The stock exchange, answering challenges with {@code auth} (none: no exchange at all). */
    public static ClientHandshake legacy(FenceKey key, HashType auth) {
        return new ClientHandshake(key, auth, null, List.of());
    }

    /** The hardened exchange for the requests whose MACs are listed (the list may grow while copies go out). */
    public static ClientHandshake hardened(HardenedKeys keys, List<byte[]> requestMacs) {
        return new ClientHandshake(null, null, keys, requestMacs);
    }

    /** What goes out right behind the request: the client's challenge (nothing with auth none). */
    public byte[] opening() {
        return ourChallenge.clone();
    }

    /** Bytes to read next: the gateway's answer to our challenge, then its own challenge; 0 when done. */
    public int want() {
        return switch (step) {
            case 0 -> hardened != null ? HardenedAuth.MAC_SIZE : LegacyAuth.CHALLENGE_SIZE;
            case 1 -> hardened != null ? HardenedAuth.CHALLENGE_SIZE : LegacyAuth.CHALLENGE_SIZE;
            default -> 0;
        };
    }

    /**
     * Takes the bytes {@link #want()} asked for; returns what to send (empty when nothing). Throws when the
     * peer's answer to our challenge does not prove the key: this is not the gateway (or not with our key).
     */
    public byte[] take(byte[] in) throws IOException {
        if (step == 0) {
            if (hardened != null) {
                for (byte[] m : List.copyOf(requestMacs)) {
                    if (HardenedAuth.equal(in, HardenedAuth.serverProof(hardened, m, ourChallenge))) {
                        requestMac = m;
                    }
                }
                if (requestMac == null) {
                    throw new NotTheGatewayException(
                            "the gateway did not prove that it holds the key (wrong key, or not the gateway)");
                }
            } else if (!LegacyAuth.checkResponse(auth, key, ourChallenge, in)) {
                throw new NotTheGatewayException("Invalid response to challenge");
            }
            step = 1;
            return new byte[0];
        }
        if (step != 1) {
            throw new IllegalStateException("handshake already complete");
        }
        theirChallenge = in;
        step = 2;
        return hardened != null ? HardenedAuth.clientProof(hardened, requestMac, in) : LegacyAuth.response(auth, key, in);
    }

    /** The seal the answer must carry (hardened scheme, once the exchange is done); null in the stock protocol. */
    public ResultSeal expectedSeal() {
        if (hardened == null) {
            return null;
        }
        if (step != 2) {
            throw new IllegalStateException("the exchange is not done");
        }
        return HardenedAuth.resultSeal(hardened, requestMac, ourChallenge, theirChallenge);
    }

    /** Checks the seal received against the one computed over the answer's bytes. */
    public static void checkSeal(ResultSeal expected, byte[] received) throws IOException {
        if (expected != null && (received == null || !HardenedAuth.equal(expected.finish(), received))) {
            throw new IOException("the result failed its MAC: not trusted");
        }
    }

    /** The peer's answer to our challenge does not prove the key. */
    public static final class NotTheGatewayException extends IOException {
        public NotTheGatewayException(String message) {
            super(message);
        }
    }
}
