package dev.palisade.drivers.ipmi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * One RMCP / IPMI v2.0 (RMCP+) datagram (IPMI v2.0 §13.6, table 13-8), little-endian:
 *
 * <pre>
 *   0  4  RMCP header: version 06, reserved 00, sequence FF (no RMCP ack), class 07 (IPMI)
 *   4  1  authentication type 06 (RMCP+)
 *   5  1  payload type: bit 7 encrypted, bit 6 authenticated, bits 5..0 the type
 *   6  4  session ID (the receiver's)
 *  10  4  session sequence number
 *  14  2  payload length
 *  16  n  payload (for an encrypted payload: IV and AES-CBC-128 ciphertext)
 *  authenticated packets then carry: integrity pad (FF) to a multiple of 4 from byte 4, pad length,
 *  next header 07, and the AuthCode (HMAC-K1, truncated)
 * </pre>
 */
public record RmcpPacket(int payloadType, boolean encrypted, boolean authenticated, long sessionId, long sequence,
                         byte[] payload) {
    public static final int IPMI_MESSAGE = 0x00;
    public static final int OPEN_SESSION_REQUEST = 0x10;
    public static final int OPEN_SESSION_RESPONSE = 0x11;
    public static final int RAKP_1 = 0x12;
    public static final int RAKP_2 = 0x13;
    public static final int RAKP_3 = 0x14;
    public static final int RAKP_4 = 0x15;
    private static final byte[] RMCP = {0x06, 0x00, (byte) 0xff, 0x07};
    private static final int AUTH_RMCP_PLUS = 0x06;
    private static final int HEADER = 16;
    /** A LAN datagram is never larger; anything bigger is refused before parsing. */
    public static final int MAX_SIZE = 1024;

    /** Bytes that are not an RMCP+ packet, or whose AuthCode does not verify. */
    public static final class PacketException extends Exception {
        public PacketException(String message) {
            super(message);
        }
    }

    /**
     * Encodes the packet; {@code keys} is needed when it is authenticated (AuthCode) or encrypted (the
     * payload here is the plain message, encrypted with {@code iv}).
     */
    public byte[] encode(RakpKeys keys, byte[] iv) throws GeneralSecurityException {
        byte[] body = encrypted ? keys.encrypt(payload, iv) : payload;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(RMCP);
        ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) AUTH_RMCP_PLUS).put((byte) ((encrypted ? 0x80 : 0) | (authenticated ? 0x40 : 0) | payloadType))
                .putInt((int) sessionId).putInt((int) sequence).putShort((short) body.length);
        out.writeBytes(h.array());
        out.writeBytes(body);
        if (!authenticated) {
            return out.toByteArray();
        }
        int pad = (4 - (body.length + 2) % 4) % 4;
        for (int i = 0; i < pad; i++) {
            out.write(0xff);
        }
        out.write(pad);
        out.write(0x07);
        byte[] sofar = out.toByteArray();
        out.writeBytes(keys.authCode(sofar, 4, sofar.length));
        return out.toByteArray();
    }

    /**
     * Decodes a datagram. Session packets (authenticated) are verified with {@code keys} before anything
     * else is believed, and encrypted payloads are decrypted; {@code keys} may be null for the pre-session
     * exchange, when nothing may be authenticated.
     */
    public static RmcpPacket decode(byte[] b, RakpKeys keys, CipherSuite suite) throws PacketException {
        if (b.length > MAX_SIZE) {
            throw new PacketException("datagram of " + b.length + " bytes");
        }
        if (b.length < HEADER || !Arrays.equals(b, 0, 4, RMCP, 0, 4)) {
            throw new PacketException("not an RMCP IPMI packet (" + b.length + " bytes)");
        }
        if ((b[4] & 0xff) != AUTH_RMCP_PLUS) {
            throw new PacketException("authentication type " + (b[4] & 0xff) + " is not RMCP+ (6)");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int type = b[5] & 0xff;
        boolean enc = (type & 0x80) != 0;
        boolean auth = (type & 0x40) != 0;
        long session = bb.getInt(6) & 0xffffffffL;
        long seq = bb.getInt(10) & 0xffffffffL;
        int len = bb.getShort(14) & 0xffff;
        if (HEADER + len > b.length) {
            throw new PacketException("payload length " + len + " runs past the datagram (" + b.length + " bytes)");
        }
        byte[] payload = Arrays.copyOfRange(b, HEADER, HEADER + len);
        if (auth) {
            if (keys == null || suite == null) {
                throw new PacketException("an authenticated packet before the session has keys");
            }
            if (!suite.authenticated()) {
                throw new PacketException("an authenticated packet in a suite " + suite.id() + " session (no integrity)");
            }
            int pad = (4 - (len + 2) % 4) % 4;
            int next = HEADER + len + pad + 2;
            if (b.length != next + suite.integrityLength()) {
                throw new PacketException("authenticated packet of " + b.length + " bytes; expected "
                        + (next + suite.integrityLength()));
            }
            if ((b[next - 2] & 0xff) != pad || b[next - 1] != 0x07) {
                throw new PacketException("integrity trailer is not pad " + pad + " / next header 07");
            }
            if (!RakpKeys.same(keys.authCode(b, 4, next), Arrays.copyOfRange(b, next, b.length))) {
                throw new PacketException("AuthCode mismatch: not from the session's BMC, or altered");
            }
        } else if (HEADER + len != b.length) {
            throw new PacketException(b.length - HEADER - len + " bytes after the payload");
        }
        if (enc) {
            if (keys == null) {
                throw new PacketException("an encrypted payload before the session has keys");
            }
            try {
                payload = keys.decrypt(payload);
            } catch (GeneralSecurityException e) {
                throw new PacketException("payload does not decrypt: " + e.getMessage());
            }
        }
        return new RmcpPacket(type & 0x3f, enc, auth, session, seq, payload);
    }
}
