package dev.palisade.fence.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code fence_req_t}: the 176-byte, packed, little-endian request every fence_virt client sends
 * (xvm.h; see docs/fence-virt-wire.md for the annotated layout).
 *
 * <pre>
 *   off size field
 *     0   1  request    fence_cmd_t (RequestCode)
 *     1   1  hashtype   fence_hash_t used to sign this packet (HashType)
 *     2   1  addrlen    4 or 16 in multicast mode, 0 over TCP/vsock
 *     3   1  flags      RF_UUID = 0x01 (the server decides name vs UUID itself)
 *     4  64  domain     NUL-padded name or UUID, at most 63 bytes
 *    68  28  address    multicast call-back address, raw in_addr / in6_addr, left-aligned
 *    96   2  port       call-back TCP port, little-endian
 *    98   6  random     filled by the signer
 *   104   4  seqno      little-endian
 *   108   4  family     AF_INET 2 / AF_INET6 10, 0 over TCP
 *   112  64  hash       signature, zero-padded
 * </pre>
 *
 * <p>The request and hash-type bytes are kept raw, so that a request with an unknown code can still be
 * logged and answered with FAIL rather than dropped silently.
 */
public final class FenceRequest {
    public static final int SIZE = 176;
    public static final int DOMAIN_OFFSET = 4;
    public static final int DOMAIN_SIZE = 64;
    public static final int ADDRESS_OFFSET = 68;
    public static final int ADDRESS_SIZE = 28;
    public static final int PORT_OFFSET = 96;
    public static final int RANDOM_OFFSET = 98;
    public static final int RANDOM_SIZE = 6;
    public static final int SEQNO_OFFSET = 104;
    public static final int FAMILY_OFFSET = 108;
    public static final int HASH_OFFSET = 112;
    public static final int HASH_SIZE = 64;
    public static final int FLAG_UUID = 0x01;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    private final int request;
    private final int hashType;
    private final int addrLen;
    private final int flags;
    private final String domain;
    private final byte[] address;
    private final int port;
    private final byte[] random;
    private final long seqno;
    private final int family;
    private final byte[] hash;
    /** The bytes this request was decoded from, or null when it was built. */
    private final byte[] wire;

    private FenceRequest(Builder b) {
        this(b, null);
    }

    private FenceRequest(Builder b, byte[] wire) {
        this.wire = wire;
        this.request = b.request;
        this.hashType = b.hashType;
        this.addrLen = b.addrLen;
        this.flags = b.flags;
        this.domain = b.domain;
        this.address = b.address.clone();
        this.port = b.port;
        this.random = b.random.clone();
        this.seqno = b.seqno;
        this.family = b.family;
        this.hash = b.hash.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.request = request;
        b.hashType = hashType;
        b.addrLen = addrLen;
        b.flags = flags;
        b.domain = domain;
        b.address = address.clone();
        b.port = port;
        b.random = random.clone();
        b.seqno = seqno;
        b.family = family;
        b.hash = hash.clone();
        return b;
    }

    /** Raw request byte. */
    public int requestByte() {
        return request;
    }

    /** The request, or null when the byte is not a code fence_virt defines. */
    public RequestCode request() {
        return RequestCode.fromCode(request);
    }

    public int hashTypeByte() {
        return hashType;
    }

    /** The signing hash, or null when the byte is not a code fence_virt defines. */
    public HashType hashType() {
        return HashType.fromCode(hashType);
    }

    public int addrLen() {
        return addrLen;
    }

    public int flags() {
        return flags;
    }

    public String domain() {
        return domain;
    }

    /** The call-back address bytes (addrLen of them). */
    public byte[] address() {
        return Arrays.copyOf(address, addrLen);
    }

    public int port() {
        return port;
    }

    public byte[] random() {
        return random.clone();
    }

    /** Unsigned 32-bit sequence number. */
    public long seqno() {
        return seqno;
    }

    public int family() {
        return family;
    }

    public byte[] hash() {
        return hash.clone();
    }

    /**
     * The exact bytes received, for signature checks: a decoded request normalises what follows the
     * domain's NUL, and a MAC must cover what was sent, not its normal form. For a built request, its encoding.
     */
    public byte[] wireBytes() {
        return wire != null ? wire.clone() : encode();
    }

    /** Encodes all 176 bytes; unused bytes are zero. */
    public byte[] encode() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) request).put((byte) hashType).put((byte) addrLen).put((byte) flags);
        byte[] name = domain.getBytes(StandardCharsets.UTF_8);
        buf.put(name);
        buf.position(ADDRESS_OFFSET).put(address);
        buf.position(PORT_OFFSET).putShort((short) port);
        buf.put(random);
        buf.putInt((int) seqno);
        buf.putInt(family);
        buf.put(hash);
        return buf.array();
    }

    /**
     * Decodes exactly {@link #SIZE} bytes. Rejects a wrong length, a domain that is not NUL-terminated
     * within its 64 bytes (stock clients refuse such names, so it is never legitimate), a domain that is
     * not UTF-8, an address length other than 0, 4 or 16, and a family that contradicts it.
     */
    public static FenceRequest decode(byte[] bytes) throws WireFormatException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != SIZE) {
            throw new WireFormatException("request is " + bytes.length + " bytes; fence_req_t is " + SIZE);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Builder b = new Builder();
        b.request = buf.get() & 0xff;
        b.hashType = buf.get() & 0xff;
        b.addrLen = buf.get() & 0xff;
        b.flags = buf.get() & 0xff;
        int nul = -1;
        for (int i = 0; i < DOMAIN_SIZE; i++) {
            if (bytes[DOMAIN_OFFSET + i] == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            throw new WireFormatException("domain field is not NUL-terminated within 64 bytes");
        }
        try {
            b.domain = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, DOMAIN_OFFSET, nul)).toString();
        } catch (CharacterCodingException e) {
            throw new WireFormatException("domain field is not UTF-8");
        }
        if (b.addrLen != 0 && b.addrLen != 4 && b.addrLen != 16) {
            throw new WireFormatException("addrlen " + b.addrLen + " is neither 0, 4 (IPv4) nor 16 (IPv6)");
        }
        b.address = Arrays.copyOfRange(bytes, ADDRESS_OFFSET, ADDRESS_OFFSET + ADDRESS_SIZE);
        b.port = buf.getShort(PORT_OFFSET) & 0xffff;
        b.random = Arrays.copyOfRange(bytes, RANDOM_OFFSET, RANDOM_OFFSET + RANDOM_SIZE);
        b.seqno = buf.getInt(SEQNO_OFFSET) & 0xffffffffL;
        b.family = buf.getInt(FAMILY_OFFSET);
        if (b.addrLen == 4 && b.family != AF_INET || b.addrLen == 16 && b.family != AF_INET6) {
            throw new WireFormatException("family " + b.family + " does not match addrlen " + b.addrLen);
        }
        b.hash = Arrays.copyOfRange(bytes, HASH_OFFSET, HASH_OFFSET + HASH_SIZE);
        return new FenceRequest(b, bytes.clone());
    }

    @Override
    public String toString() {
        RequestCode r = request();
        HashType h = hashType();
        return "FenceRequest{" + (r == null ? "request=" + request : r.action()) + ", hash="
                + (h == null ? String.valueOf(hashType) : h.configName()) + ", domain='" + domain + "', seqno="
                + seqno + (addrLen > 0 ? ", callback port " + port : "") + "}";
    }

    /** Builds a request; every field defaults to zero, as a freshly memset fence_req_t. */
    public static final class Builder {
        private int request;
        private int hashType;
        private int addrLen;
        private int flags;
        private String domain = "";
        private byte[] address = new byte[ADDRESS_SIZE];
        private int port;
        private byte[] random = new byte[RANDOM_SIZE];
        private long seqno;
        private int family;
        private byte[] hash = new byte[HASH_SIZE];

        public Builder request(RequestCode r) {
            this.request = r.code();
            return this;
        }

        public Builder requestByte(int r) {
            this.request = r & 0xff;
            return this;
        }

        public Builder hashType(HashType h) {
            this.hashType = h.code();
            return this;
        }

        public Builder hashTypeByte(int h) {
            this.hashType = h & 0xff;
            return this;
        }

        public Builder flags(int f) {
            this.flags = f & 0xff;
            return this;
        }

        /** The domain name or UUID; at most 63 bytes of UTF-8, as stock clients allow. */
        public Builder domain(String d) {
            if (d.getBytes(StandardCharsets.UTF_8).length > DOMAIN_SIZE - 1) {
                throw new IllegalArgumentException("domain name longer than 63 bytes: " + d);
            }
            if (d.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("domain name contains NUL");
            }
            this.domain = d;
            return this;
        }

        /** The multicast call-back address (4 or 16 bytes); sets addrlen and family to match. */
        public Builder callback(byte[] addr, int callbackPort) {
            if (addr.length != 4 && addr.length != 16) {
                throw new IllegalArgumentException("call-back address must be 4 or 16 bytes");
            }
            this.address = Arrays.copyOf(addr, ADDRESS_SIZE);
            this.addrLen = addr.length;
            this.family = addr.length == 4 ? AF_INET : AF_INET6;
            this.port = callbackPort & 0xffff;
            return this;
        }

        public Builder random(byte[] r) {
            if (r.length != RANDOM_SIZE) {
                throw new IllegalArgumentException("random must be 6 bytes");
            }
            this.random = r.clone();
            return this;
        }

        public Builder seqno(long s) {
            this.seqno = s & 0xffffffffL;
            return this;
        }

        public Builder hash(byte[] h) {
            if (h.length > HASH_SIZE) {
                throw new IllegalArgumentException("hash longer than 64 bytes");
            }
            this.hash = Arrays.copyOf(h, HASH_SIZE);
            return this;
        }

        public FenceRequest build() {
            return new FenceRequest(this);
        }
    }
}
