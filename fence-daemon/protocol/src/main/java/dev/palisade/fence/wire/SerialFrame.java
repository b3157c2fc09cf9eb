package dev.palisade.fence.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The serial and vmchannel framing of fence_virt (serial.h), little-endian:
 *
 * <pre>
 *   serial_req_t   74 bytes: magic u32 0x61626261 ("abba"), request u8, flags u8, domain[64], seqno u32
 *   serial_resp_t   5 bytes: magic u32, response u8
 *   host list: {magic, 253}, 130-byte host_state_t entries, an all-zero entry, {magic, result}
 * </pre>
 *
 * Palisade adds one frame: the hardened magic {@code "abbh"} followed by a 176-byte hardened request;
 * the rest of that conversation is the hardened exchange of docs/hardened-auth.md on the same stream.
 * The gateway reads these frames with {@link SerialFrameDecoder}, which resynchronises on the next magic
 * after noise, so garbage on a serial line costs nothing but the garbage.
 */
public final class SerialFrame {
    /** "abba" little-endian. */
    public static final int MAGIC = 0x61626261;
    /** "abbh": a hardened request follows. */
    public static final int HARDENED_MAGIC = 0x68626261;
    public static final int REQUEST_SIZE = 74;
    public static final int RESPONSE_SIZE = 5;
    private static final byte[] HARDENED_MAGIC_BYTES = {0x61, 0x62, 0x62, 0x68};

    private SerialFrame() {
    }

    /** A stock serial request. */
    public record Request(int request, int flags, String domain, long seqno) {
        public RequestCode code() {
            return RequestCode.fromCode(request);
        }
    }

    /**
     * What the decoder found: a stock request, a hardened request (176 bytes), or a malformed frame; and the
     * bytes of noise skipped before it.
     */
    public record Frame(Request legacy, byte[] hardened, String malformed, int skipped) {
    }

    public static byte[] encodeRequest(RequestCode code, int flags, String domain, long seqno) {
        byte[] name = domain.getBytes(StandardCharsets.UTF_8);
        if (name.length > 63) {
            throw new IllegalArgumentException("domain longer than 63 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(REQUEST_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put(code.byteValue()).put((byte) flags).put(name);
        b.position(70);
        b.putInt((int) seqno);
        return b.array();
    }

    public static byte[] response(int code) {
        return ByteBuffer.allocate(RESPONSE_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).put((byte) code).array();
    }

    public static byte[] hardenedPrefix() {
        return HARDENED_MAGIC_BYTES.clone();
    }

    /** Decodes the 70 bytes after the magic of a stock request. */
    public static Request decodeBody(byte[] body) throws WireFormatException {
        if (body.length != REQUEST_SIZE - 4) {
            throw new WireFormatException("serial request body is " + body.length + " bytes, not 70");
        }
        int nul = -1;
        for (int i = 0; i < 64; i++) {
            if (body[2 + i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            throw new WireFormatException("domain field is not NUL-terminated within 64 bytes");
        }
        String domain;
        try {
            domain = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body, 2, nul)).toString();
        } catch (CharacterCodingException e) {
            throw new WireFormatException("domain field is not UTF-8");
        }
        long seqno = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getInt(66) & 0xffffffffL;
        return new Request(body[0] & 0xff, body[1] & 0xff, domain, seqno);
    }
}
