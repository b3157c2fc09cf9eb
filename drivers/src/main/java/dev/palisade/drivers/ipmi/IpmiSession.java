package dev.palisade.drivers.ipmi;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.tinylog.Logger;

/**
 * One RMCP+ session with a BMC (IPMI v2.0 §13.15-13.32): Get Channel Authentication Capabilities, Open
 * Session, RAKP 1-4, Set Session Privilege Level, then encrypted and authenticated commands, and Close
 * Session on {@link #close()}. Every exchange has a deadline; a lost answer is retransmitted with a fresh
 * session sequence number and the same rqSeq, and a handshake that times out restarts from Open Session
 * with a new console session ID (a half-done RAKP exchange cannot be resumed).
 *
 * <p>Answers that are not for us are dropped and counted, never believed: wrong session ID, AuthCode that
 * does not verify, sequence numbers already seen (replays), responses to another request (late or out of
 * order), malformed packets. One session serves one caller at a time.
 */
public final class IpmiSession implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CMD_GET_CHANNEL_AUTH_CAPS = 0x38;
    private static final int CMD_SET_SESSION_PRIVILEGE = 0x3b;
    private static final int CMD_CLOSE_SESSION = 0x3c;
    private static final int CMD_GET_CHASSIS_STATUS = 0x01;
    private static final int CMD_CHASSIS_CONTROL = 0x02;
    /** Completion code "cannot execute duplicated request": the BMC saw our retransmission; keep waiting. */
    private static final int CC_DUPLICATE = 0xcf;

    private final IpmiTarget target;
    private final DatagramSocket socket;
    private final byte[] buffer = new byte[RmcpPacket.MAX_SIZE + 1];
    private long sidm;
    private long sidc;
    private RakpKeys keys;
    private long outSeq;
    private int rqSeq;
    private int tag;
    private final SequenceWindow inbound = new SequenceWindow();
    private int dropped;
    private String lastDrop;
    private boolean open;

    private IpmiSession(IpmiTarget target) throws IOException {
        this.target = target;
        this.socket = new DatagramSocket();
        socket.connect(target.bmc());
    }

    /** Opens an authenticated session at the target's privilege level; the caller must close it. */
    public static IpmiSession open(IpmiTarget target) throws IOException {
        if (target.suite().weak() && !target.weakSuiteAllowed()) {
            throw new IpmiException(IpmiException.Kind.CIPHER_SUITE, "cipher suite " + target.suite().id()
                    + " is refused: " + target.suite().weakness() + "; use 3 or 17, or allow weak suites explicitly");
        }
        IpmiSession s = new IpmiSession(target);
        try {
            s.handshake();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Power state from Get Chassis Status (IPMI v2.0 §28.2). */
    public record ChassisStatus(boolean powerOn, int powerState, int lastEvent, int misc) {
    }

    public ChassisStatus chassisStatus() throws IOException {
        byte[] d = ok("Get Chassis Status", command(IpmiMessage.NETFN_CHASSIS, CMD_GET_CHASSIS_STATUS, new byte[0]));
        if (d.length < 3) {
            throw new IpmiException(IpmiException.Kind.PROTOCOL, "Get Chassis Status answered " + d.length
                    + " data bytes (at least 3)");
        }
        return new ChassisStatus((d[0] & 1) != 0, d[0] & 0xff, d[1] & 0xff, d[2] & 0xff);
    }

    public void chassisControl(ChassisControl c) throws IOException {
        ok("Set Chassis Power Control to " + c.word(),
                command(IpmiMessage.NETFN_CHASSIS, CMD_CHASSIS_CONTROL, new byte[] {(byte) c.code()}));
    }

    /** Packets dropped so far (forged, replayed, late, malformed), and the reason for the last one. */
    public int droppedPackets() {
        return dropped;
    }

    public String lastDropReason() {
        return lastDrop;
    }

    /** The BMC's session ID (SIDc), 0 before Open Session succeeded. */
    public long bmcSessionId() {
        return sidc;
    }

    private static byte[] ok(String what, IpmiMessage.Response r) throws IpmiException {
        if (r.completionCode() != 0) {
            IpmiException.Kind kind = r.completionCode() == 0xd4 ? IpmiException.Kind.PRIVILEGE
                    : IpmiException.Kind.COMPLETION_CODE;
            throw new IpmiException(kind, r.completionCode(), what + " failed: "
                    + IpmiMessage.completionText(r.completionCode()));
        }
        return r.data();
    }

    // ------------------------------------------------------------------ handshake

    private void handshake() throws IOException {
        authCapabilities();
        IpmiException last = null;
        for (int attempt = 1; attempt <= target.tries(); attempt++) {
            try {
                if (openAndAuthenticate()) {
                    break;
                }
                last = timeout("the RMCP+ handshake (Open Session, RAKP)", attempt);
            } catch (IpmiException e) {
                if (e.kind() != IpmiException.Kind.NO_SESSION_SLOT || attempt == target.tries()) {
                    throw e;
                }
                last = e;
                // the BMC's table is full: sessions leaked by someone idle out; wait a little and retry
                sleep(target.timeout().toMillis() * attempt);
            }
            if (attempt == target.tries()) {
                throw last;
            }
        }
        open = true;
        outSeq = 1;
        IpmiMessage.Response r = command(IpmiMessage.NETFN_APP, CMD_SET_SESSION_PRIVILEGE,
                new byte[] {(byte) target.privilege().level()});
        if (r.completionCode() != 0) {
            throw new IpmiException(IpmiException.Kind.PRIVILEGE, r.completionCode(),
                    "Set Session Privilege Level to " + target.privilege() + " failed: "
                            + privilegeText(r.completionCode()));
        }
    }

    private static String privilegeText(int cc) {
        return switch (cc) {
            case 0x80 -> "requested level not available for this user";
            case 0x81 -> "requested level exceeds channel and/or user privilege limit";
            case 0x82 -> "cannot disable user level authentication";
            default -> IpmiMessage.completionText(cc);
        };
    }

    /** Get Channel Authentication Capabilities in IPMI 1.5 framing (§22.13): does the BMC speak RMCP+? */
    private void authCapabilities() throws IOException {
        byte[] msg = IpmiMessage.request(IpmiMessage.NETFN_APP, CMD_GET_CHANNEL_AUTH_CAPS, 0,
                new byte[] {(byte) 0x8e, (byte) target.privilege().level()});
        ByteBuffer b = ByteBuffer.allocate(14 + msg.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x06, 0x00, (byte) 0xff, 0x07, 0x00}).putInt(0).putInt(0).put((byte) msg.length).put(msg);
        for (int attempt = 1; attempt <= target.tries(); attempt++) {
            send(b.array());
            long deadline = System.nanoTime() + target.timeout().toNanos();
            byte[] in;
            while ((in = receive(deadline)) != null) {
                IpmiMessage.Response r = ipmi15Response(in);
                if (r == null || !r.answers(IpmiMessage.NETFN_APP, CMD_GET_CHANNEL_AUTH_CAPS, 0)) {
                    continue;
                }
                if (r.completionCode() != 0) {
                    throw new IpmiException(IpmiException.Kind.COMPLETION_CODE, r.completionCode(),
                            "Get Channel Authentication Capabilities failed: "
                                    + IpmiMessage.completionText(r.completionCode())
                                    + (r.completionCode() == 0xcc ? " (is the BMC's channel privilege limit below "
                                    + target.privilege() + "?)" : ""));
                }
                byte[] d = r.data();
                if (d.length < 4 || (d[1] & 0x80) == 0 || (d[3] & 0x02) == 0) {
                    throw new IpmiException(IpmiException.Kind.PROTOCOL,
                            "This BMC does not support IPMI v2 / RMCP+ (Get Channel Authentication Capabilities)");
                }
                if ((d[2] & 0x20) != 0 && target.kg() == null) {
                    Logger.warn("BMC {} reports a non-zero BMC key (Kg) and none is configured: sessions will fail",
                            target);
                }
                return;
            }
        }
        throw timeout("Get Channel Authentication Capabilities", target.tries());
    }

    private IpmiMessage.Response ipmi15Response(byte[] in) {
        if (in.length < 14 + 8 || in[3] != 0x07 || in[4] != 0x00 || (in[13] & 0xff) != in.length - 14) {
            drop("not an IPMI 1.5 pre-session answer (" + in.length + " bytes)");
            return null;
        }
        try {
            return IpmiMessage.decodeResponse(Arrays.copyOfRange(in, 14, in.length));
        } catch (RmcpPacket.PacketException e) {
            drop(e.getMessage());
            return null;
        }
    }

    /** Open Session, RAKP 1-4. False when an answer did not come in time (the caller starts over). */
    private boolean openAndAuthenticate() throws IOException {
        CipherSuite suite = target.suite();
        int role = 0x10 | target.privilege().level(); // name-only lookup, as ipmitool and FreeIPMI send
        byte[] user = target.user().getBytes(StandardCharsets.UTF_8);
        sidm = 0;
        while (sidm == 0) {
            sidm = RANDOM.nextInt() & 0xffffffffL;
        }
        sidc = 0;
        keys = null;
        int t = ++tag & 0xff;
        ByteBuffer os = le(32).put((byte) t).put((byte) target.privilege().level()).putShort((short) 0)
                .putInt((int) sidm)
                .put(new byte[] {0, 0, 0, 8, (byte) suite.authAlgorithm(), 0, 0, 0})
                .put(new byte[] {1, 0, 0, 8, (byte) suite.integrityAlgorithm(), 0, 0, 0})
                .put(new byte[] {2, 0, 0, 8, (byte) suite.confidentialityAlgorithm(), 0, 0, 0});
        byte[] osr = preSession(RmcpPacket.OPEN_SESSION_REQUEST, os.array(), RmcpPacket.OPEN_SESSION_RESPONSE, t);
        if (osr == null) {
            return false;
        }
        status("Open Session", osr);
        if (osr.length < 36 || le32(osr, 4) != sidm) {
            throw new IpmiException(IpmiException.Kind.PROTOCOL, "Open Session Response of " + osr.length
                    + " bytes or for another console session");
        }
        sidc = le32(osr, 8);
        if (sidc == 0 || osr[16] != suite.authAlgorithm() || osr[24] != suite.integrityAlgorithm()
                || osr[32] != suite.confidentialityAlgorithm()) {
            throw new IpmiException(IpmiException.Kind.CIPHER_SUITE, String.format(
                    "the BMC answered Open Session with algorithms %d/%d/%d (session 0x%08x), not suite %d's",
                    osr[16], osr[24], osr[32], sidc, suite.id()));
        }

        byte[] rm = new byte[16];
        RANDOM.nextBytes(rm);
        t = ++tag & 0xff;
        ByteBuffer r1 = le(28 + user.length).put((byte) t).put(new byte[3]).putInt((int) sidc).put(rm)
                .put((byte) role).putShort((short) 0).put((byte) user.length).put(user);
        byte[] r2 = preSession(RmcpPacket.RAKP_1, r1.array(), RmcpPacket.RAKP_2, t);
        if (r2 == null) {
            return false;
        }
        status("RAKP 2", r2);
        if (r2.length != 40 + suite.macLength() || le32(r2, 4) != sidm) {
            throw new IpmiException(IpmiException.Kind.PROTOCOL, "RAKP 2 of " + r2.length
                    + " bytes or for another console session");
        }
        byte[] rc = Arrays.copyOfRange(r2, 8, 24);
        byte[] guid = Arrays.copyOfRange(r2, 24, 40);
        byte[] expected = RakpKeys.rakp2Hmac(suite, target.kuid(), leBytes(sidm), leBytes(sidc), rm, rc, guid,
                role, target.user());
        if (!RakpKeys.same(expected, Arrays.copyOfRange(r2, 40, r2.length))) {
            // tell the BMC so that it frees the session now instead of after its idle timeout (§13.31)
            t = ++tag & 0xff;
            sendPreSession(RmcpPacket.RAKP_3, le(8).put((byte) t).put((byte) 0x0f).putShort((short) 0)
                    .putInt((int) sidc).array());
            throw new IpmiException(IpmiException.Kind.PASSWORD, "RAKP 2 HMAC mismatch: wrong password for user '"
                    + target.user() + "' at " + target.bmc().getHostString() + ":" + target.bmc().getPort());
        }
        keys = new RakpKeys(suite, target.kuid(), target.kg(), rm, rc, role, target.user());
        t = ++tag & 0xff;
        byte[] code = keys.rakp3Hmac(rc, leBytes(sidm), role, target.user());
        byte[] r4 = preSession(RmcpPacket.RAKP_3, le(8 + code.length).put((byte) t).put((byte) 0)
                .putShort((short) 0).putInt((int) sidc).put(code).array(), RmcpPacket.RAKP_4, t);
        if (r4 == null) {
            return false;
        }
        status("RAKP 4", r4);
        if (r4.length != 8 + suite.rakp4Length() || le32(r4, 4) != sidm) {
            throw new IpmiException(IpmiException.Kind.PROTOCOL, "RAKP 4 of " + r4.length
                    + " bytes or for another console session");
        }
        if (!RakpKeys.same(keys.rakp4Icv(rm, leBytes(sidc), guid), Arrays.copyOfRange(r4, 8, r4.length))) {
            throw new IpmiException(IpmiException.Kind.BMC_KEY, "RAKP 4 integrity check value mismatch: the BMC key"
                    + " (Kg) differs from the BMC's" + (target.kg() == null ? " (none is configured)" : ""));
        }
        return true;
    }

    private static void status(String what, byte[] payload) throws IpmiException {
        int st = payload.length > 1 ? payload[1] & 0xff : -1;
        if (st != 0) {
            throw new IpmiException(IpmiException.kindOfStatus(st), st, what + ": " + IpmiException.statusText(st)
                    + (st == 0x01 || st == 0x0b ? " (the BMC's session table is full; sessions leaked by other"
                    + " clients free up after its idle timeout)" : ""));
        }
    }

    private byte[] preSession(int type, byte[] payload, int answerType, int answerTag) throws IOException {
        sendPreSession(type, payload);
        long deadline = System.nanoTime() + target.timeout().toNanos();
        byte[] in;
        while ((in = receive(deadline)) != null) {
            try {
                RmcpPacket p = RmcpPacket.decode(in, null, null);
                if (p.payloadType() != answerType || p.payload().length < 2
                        || (p.payload()[0] & 0xff) != answerTag) {
                    drop("pre-session packet of type 0x" + Integer.toHexString(p.payloadType()) + " tag "
                            + (p.payload().length > 0 ? p.payload()[0] & 0xff : -1) + " while waiting for 0x"
                            + Integer.toHexString(answerType) + " tag " + answerTag);
                    continue;
                }
                return p.payload();
            } catch (RmcpPacket.PacketException e) {
                drop(e.getMessage());
            }
        }
        return null;
    }

    private void sendPreSession(int type, byte[] payload) throws IOException {
        try {
            send(new RmcpPacket(type, false, false, 0, 0, payload).encode(null, null));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an unauthenticated packet needs no keys", e);
        }
    }

    // ------------------------------------------------------------------ session commands

    /**
     * One request in the session. Each try carries a new session sequence number (BMCs may reject a
     * replayed one) and the same rqSeq, so a late answer to an earlier try still counts.
     */
    public IpmiMessage.Response command(int netFn, int cmd, byte[] data) throws IOException {
        return command(netFn, cmd, data, target.tries());
    }

    private IpmiMessage.Response command(int netFn, int cmd, byte[] data, int tries) throws IOException {
        if (!open) {
            throw new IllegalStateException("session is not open");
        }
        int seq = rqSeq = (rqSeq + 1) & 0x3f;
        byte[] msg = IpmiMessage.request(netFn, cmd, seq, data);
        for (int attempt = 1; attempt <= tries; attempt++) {
            send(sessionPacket(msg));
            long deadline = System.nanoTime() + target.timeout().toNanos();
            byte[] in;
            while ((in = receive(deadline)) != null) {
                IpmiMessage.Response r = sessionResponse(in);
                if (r == null) {
                    continue;
                }
                if (!r.answers(netFn, cmd, seq)) {
                    drop(String.format("answer to netFn 0x%02x cmd 0x%02x rqSeq %d while waiting for cmd 0x%02x rqSeq %d",
                            r.netFn(), r.cmd(), r.rqSeq(), cmd, seq));
                    continue;
                }
                if (r.completionCode() == CC_DUPLICATE) {
                    continue;
                }
                return r;
            }
        }
        throw timeout(String.format("command netFn 0x%02x cmd 0x%02x", netFn, cmd), tries);
    }

    private byte[] sessionPacket(byte[] msg) throws IOException {
        long seq = outSeq;
        outSeq = outSeq == 0xffffffffL ? 1 : outSeq + 1; // never 0 (§6.12.13)
        byte[] iv = new byte[16];
        RANDOM.nextBytes(iv);
        try {
            return new RmcpPacket(RmcpPacket.IPMI_MESSAGE, target.suite().encrypted(), target.suite().authenticated(),
                    sidc, seq, msg).encode(keys, iv);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encrypt: " + e.getMessage(), e);
        }
    }

    private IpmiMessage.Response sessionResponse(byte[] in) {
        try {
            RmcpPacket p = RmcpPacket.decode(in, keys, target.suite());
            if (p.authenticated() != target.suite().authenticated() || p.encrypted() != target.suite().encrypted()) {
                drop("a packet without the session's protection (authenticated " + p.authenticated()
                        + ", encrypted " + p.encrypted() + ")");
            } else if (p.sessionId() != sidm) {
                drop(String.format("session ID 0x%08x is not ours (0x%08x)", p.sessionId(), sidm));
            } else if (p.payloadType() != RmcpPacket.IPMI_MESSAGE) {
                drop("payload type 0x" + Integer.toHexString(p.payloadType()) + " inside the session");
            } else if (!inbound.accept(p.sequence())) {
                drop("session sequence number " + p.sequence() + " already seen or too old (replay)");
            } else {
                return IpmiMessage.decodeResponse(p.payload());
            }
        } catch (RmcpPacket.PacketException e) {
            drop(e.getMessage());
        }
        return null;
    }

    /** Close Session (§22.19), once, then the socket. Never throws: a lost close only idles out on the BMC. */
    @Override
    public void close() {
        try {
            if (open) {
                // two tries at most: a session whose close is lost idles out on the BMC anyway
                IpmiMessage.Response r = command(IpmiMessage.NETFN_APP, CMD_CLOSE_SESSION, leBytes(sidc),
                        Math.min(2, target.tries()));
                if (r.completionCode() != 0) {
                    Logger.warn("Close Session with {} answered {}", target,
                            IpmiMessage.completionText(r.completionCode()));
                }
            }
        } catch (IOException | RuntimeException e) {
            Logger.warn("Close Session with {} failed ({}); the BMC frees it after its idle timeout", target,
                    e.getMessage());
        } finally {
            open = false;
            socket.close();
        }
    }

    // ------------------------------------------------------------------ I/O

    private void send(byte[] b) throws IOException {
        socket.send(new DatagramPacket(b, b.length));
    }

    /** The next datagram from the BMC, or null at the deadline. */
    private byte[] receive(long deadlineNanos) throws IOException {
        while (true) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            } catch (PortUnreachableException e) {
                // nothing listens there (yet): a BMC that is rebooting looks like this; keep waiting
                drop("ICMP port unreachable from " + target.bmc());
                sleep(Math.min(left, 50));
                continue;
            }
            return Arrays.copyOf(buffer, p.getLength());
        }
    }

    private void drop(String why) {
        dropped++;
        lastDrop = why;
        Logger.debug("IPMI {}: dropped a packet: {}", target, why);
    }

    private IpmiException timeout(String what, int tries) {
        return new IpmiException(IpmiException.Kind.TIMEOUT, "no answer from the BMC at "
                + target.bmc().getHostString() + ":" + target.bmc().getPort() + " to " + what + " ("
                + tries + " tries of " + target.timeout().toMillis() + " ms"
                + (lastDrop != null ? "; last packet dropped: " + lastDrop : "") + ")");
    }

    private static void sleep(long ms) throws IpmiException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpmiException(IpmiException.Kind.TIMEOUT, "interrupted");
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long le32(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    private static byte[] leBytes(long v) {
        return le(4).putInt((int) v).array();
    }

    /** Inbound session sequence numbers (§6.12.13): a 32-wide sliding window; each number is accepted once. */
    static final class SequenceWindow {
        private long highest;
        private long seen; // bit i = highest - i was accepted

        boolean accept(long seq) {
            if (seq == 0) {
                return false;
            }
            if (highest == 0 || seq > highest) {
                long shift = highest == 0 ? 64 : seq - highest;
                seen = shift >= 64 ? 1 : (seen << shift) | 1;
                highest = seq;
                return true;
            }
            long back = highest - seq;
            if (back >= 32 || (seen & (1L << back)) != 0) {
                return false;
            }
            seen |= 1L << back;
            return true;
        }
    }
}
