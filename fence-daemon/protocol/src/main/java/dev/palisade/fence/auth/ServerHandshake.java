package dev.palisade.fence.auth;

import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.ResultSeal;

/**
 * The gateway's side of the challenge/response that follows an authenticated request, one step at a time
 * and without I/O of its own: {@link #want()} says how many bytes to read next, {@link #take(byte[])}
 * answers them. The client challenges first (fence_virt's order): the gateway answers and challenges back in
 * one write, then checks the client's answer. The stock exchange is skipped entirely with auth none; the
 * hardened one never is (docs/hardened-auth.md). Event loops and blocking streams drive the same steps.
 */
public final class ServerHandshake {
    private final FenceRequest request;
    private final Credentials creds;
    private final boolean hardened;
    private final HashType auth;
    private final byte[] requestMac;
    private byte[] theirChallenge;
    private byte[] ourChallenge;
    private int step;
    private boolean failed;

    public ServerHandshake(FenceRequest request, Credentials creds) {
        this.request = request;
        this.creds = creds;
        this.hardened = request.hashTypeByte() == HardenedAuth.HASH_TYPE;
        this.auth = hardened ? null : creds.legacyAuth();
        this.requestMac = hardened ? HardenedAuth.requestMac(request) : null;
        this.step = !hardened && auth == HashType.NONE ? 2 : 0;
    }

    public FenceRequest request() {
        return request;
    }

    /** Whether this is the hardened scheme (its answers are sealed and an unknown domain is its own answer). */
    public boolean hardened() {
        return hardened;
    }

    /** Bytes to read next: the client's challenge, then its answer to ours; 0 once authenticated (or failed). */
    public int want() {
        if (failed) {
            return 0;
        }
        return switch (step) {
            case 0 -> hardened ? HardenedAuth.CHALLENGE_SIZE : LegacyAuth.CHALLENGE_SIZE;
            case 1 -> hardened ? HardenedAuth.MAC_SIZE : LegacyAuth.CHALLENGE_SIZE;
            default -> 0;
        };
    }

    /** Whether the client has proved the key: the operation may run and its answer may go out. */
    public boolean authenticated() {
        return step == 2 && !failed;
    }

    /**
     * Takes the bytes {@link #want()} asked for. Returns what to send back (empty when nothing), or null when
     * the client failed our challenge: it does not hold the key, and the conversation ends without an answer.
     */
    public byte[] take(byte[] in) {
        if (step == 0) {
            theirChallenge = in;
            step = 1;
            if (hardened) {
                ourChallenge = HardenedAuth.newChallenge();
                return concat(HardenedAuth.serverProof(creds.hardened(), requestMac, in), ourChallenge);
            }
            ourChallenge = LegacyAuth.newChallenge();
            return concat(LegacyAuth.response(auth, creds.key(), in), ourChallenge);
        }
        if (step != 1 || failed) {
            throw new IllegalStateException("handshake already complete");
        }
        boolean ok = hardened
                ? HardenedAuth.equal(in, HardenedAuth.clientProof(creds.hardened(), requestMac, ourChallenge))
                : LegacyAuth.checkResponse(auth, creds.key(), ourChallenge, in);
        if (!ok) {
            failed = true;
            return null;
        }
        step = 2;
        return new byte[0];
    }

    /** Why the client was refused, for the log (after {@link #take} returned null). */
    public String failure() {
        return hardened ? "hardened challenge answered wrongly (the caller does not hold the key)"
                : "challenge answered wrongly (wrong key or auth " + auth.configName() + " mismatch)";
    }

    /** The seal the hardened scheme puts after the result; null in the stock protocol. */
    public ResultSeal seal() {
        if (!hardened) {
            return null;
        }
        if (!authenticated()) {
            throw new IllegalStateException("no answer before the client proved the key");
        }
        return HardenedAuth.resultSeal(creds.hardened(), requestMac, theirChallenge, ourChallenge);
    }

    /** A one-byte result as it goes on the wire: the byte, then its seal when hardened. */
    public byte[] sealed(int result) {
        byte[] r = {(byte) result};
        ResultSeal s = seal();
        if (s == null) {
            return r;
        }
        s.update(r, 0, 1);
        return concat(r, s.finish());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
