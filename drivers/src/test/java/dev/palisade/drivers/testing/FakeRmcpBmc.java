package dev.palisade.drivers.testing;

import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.ipmi.IpmiMessage;
import dev.palisade.drivers.ipmi.IpmiTarget;
import dev.palisade.drivers.ipmi.RakpKeys;
import dev.palisade.drivers.ipmi.RmcpPacket;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FAKE BMC for tests: an RMCP+ responder for cipher suites 3 and 17 on a loopback port. It exists
 * because no real BMC with SHA-256 (suite 17) can run here: ipmi_sim has none. Its suite-17 layouts are
 * checked against the stock {@code ipmitool -C 17} in the tests, so the fake is known to agree with a real
 * client. It can misbehave on purpose ({@link Fault}) and counts sessions so tests can see leaks.
 * Power is a flag, optionally slow to go off or never going off.
 */
public final class FakeRmcpBmc implements AutoCloseable {
    private static final byte[] GUID = HexFormat.of().parseHex("a123456789abcdefa123456789abcdef");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How the fake misbehaves in its answers to chassis commands (status and control). */
    public enum Fault {
        NONE,
        /** Never answers anything at all. */
        SILENT,
        /** Answers chassis commands with a datagram cut short. */
        TRUNCATED,
        /** Answers chassis commands with a corrupted AuthCode. */
        WRONG_HMAC,
        /** Answers chassis commands with another console's session ID. */
        WRONG_SESSION,
        /** Sends the previous answer again (same bytes) before the real one. */
        REPLAY_THEN_REAL,
        /** Sends a properly sealed answer to an older request (out of order) before the real one. */
        STALE_THEN_REAL,
        /** Answers chassis commands not at all (the session itself works). */
        DEAF_TO_CHASSIS,
        /** Sends a wrong RAKP 4 ICV, as when the BMC key Kg differs. */
        WRONG_ICV
    }

    private final String user;
    private final byte[] kuid;
    private final int userMaxPrivilege;
    private volatile byte[] kg;
    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
    private volatile Fault fault = Fault.NONE;
    private volatile int slots;
    private volatile boolean powerOn = true;
    private volatile long offAtNanos = -1;
    private volatile Duration offDelay = Duration.ZERO;
    private volatile boolean ignoreOff;
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger rakp3Errors = new AtomicInteger();
    private final List<String> controls = new ArrayList<>();
    private volatile boolean running = true;

    private static final class Session {
        long sidm;
        long sidc;
        CipherSuite suite;
        byte[] rm;
        byte[] rc;
        int role;
        String user;
        RakpKeys keys;
        boolean active;
        int privilege = 2;
        long outSeq = 1;
        byte[] lastAnswer;
        byte[] lastRequest;
    }

    public FakeRmcpBmc(String user, String password, int userMaxPrivilege, int slots) throws IOException {
        this.user = user;
        this.kuid = RakpKeys.kuid(password);
        this.userMaxPrivilege = userMaxPrivilege;
        this.slots = slots;
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(100);
        thread = new Thread(this::serve, "fake-bmc-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** An administrator "fence"/"fencepass" with 8 session slots. */
    public static FakeRmcpBmc start() throws IOException {
        return new FakeRmcpBmc(IpmiSim.USER, IpmiSim.PASSWORD, 4, 8);
    }

    public int port() {
        return socket.getLocalPort();
    }

    public IpmiTarget target(CipherSuite suite) {
        return IpmiTarget.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), IpmiSim.USER,
                IpmiSim.PASSWORD, suite).withTimeout(TestTime.scaled(Duration.ofMillis(300)), 3);
    }

    public void fault(Fault f) {
        fault = f;
    }

    /** Sets a BMC key (Kg): session keys then derive from it, as on a BMC with "bmc key" configured. */
    public void kg(byte[] key) {
        kg = key == null ? null : java.util.Arrays.copyOf(key, 20);
    }

    public void slots(int n) {
        slots = n;
    }

    /** Power takes this long to read off after an off command. */
    public void offDelay(Duration d) {
        offDelay = d;
    }

    /** Accepts off commands but the power never goes off (a stuck relay). */
    public void ignoreOff(boolean b) {
        ignoreOff = b;
    }

    public void power(boolean on) {
        powerOn = on;
        offAtNanos = -1;
    }

    public boolean powerOn() {
        if (offAtNanos > 0 && System.nanoTime() >= offAtNanos) {
            powerOn = false;
            offAtNanos = -1;
        }
        return powerOn;
    }

    /** Sessions fully established, closed with Close Session, and RAKP 3 error notices received. */
    public int openedSessions() {
        return opened.get();
    }

    public int closedSessions() {
        return closed.get();
    }

    public int rakp3Errors() {
        return rakp3Errors.get();
    }

    /** Sessions still in the table (allocated by Open Session and not closed or refused). */
    public int activeSessions() {
        return sessions.size();
    }

    /** Chassis Control codes received, in order ("0" off, "1" on, ...). */
    public synchronized List<String> controls() {
        return List.copyOf(controls);
    }

    private void serve() {
        byte[] buf = new byte[2048];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            if (fault == Fault.SILENT) {
                continue;
            }
            try {
                handle(Arrays.copyOf(buf, p.getLength()), p.getSocketAddress());
            } catch (Exception e) {
                // a fake BMC drops what it cannot parse, like a real one
            }
        }
    }

    private void handle(byte[] r, SocketAddress from) throws Exception {
        if (r.length < 16 || r[3] != 0x07) {
            return;
        }
        if (r[4] == 0) { // IPMI 1.5 framing: only Get Channel Authentication Capabilities before a session
            byte[] m = Arrays.copyOfRange(r, 14, 14 + (r[13] & 0xff));
            if (((m[1] & 0xff) >> 2) == IpmiMessage.NETFN_APP && (m[5] & 0xff) == 0x38) {
                byte[] out = IpmiMessage.response(m, 0, new byte[] {1, (byte) 0x84, 0x04, 0x02, 0, 0, 0, 0});
                ByteBuffer b = le(14 + out.length).put(new byte[] {6, 0, (byte) 0xff, 7, 0}).putInt(0).putInt(0)
                        .put((byte) out.length).put(out);
                send(b.array(), from);
            }
            return;
        }
        int type = r[5] & 0x3f;
        if (type == RmcpPacket.IPMI_MESSAGE) {
            session(r, from);
            return;
        }
        byte[] p = RmcpPacket.decode(r, null, null).payload();
        switch (type) {
            case RmcpPacket.OPEN_SESSION_REQUEST -> openSession(p, from);
            case RmcpPacket.RAKP_1 -> rakp1(p, from);
            case RmcpPacket.RAKP_3 -> rakp3(p, from);
            default -> { }
        }
    }

    private void openSession(byte[] p, SocketAddress from) throws Exception {
        CipherSuite suite = p[12] == 1 && p[20] == 1 && p[28] == 1 ? CipherSuite.SUITE_3
                : p[12] == 3 && p[20] == 4 && p[28] == 1 ? CipherSuite.SUITE_17 : null;
        long sidm = le32(p, 4);
        int status = suite == null ? 0x11 : sessions.size() >= slots ? 0x01 : 0;
        if (status != 0) {
            preSession(RmcpPacket.OPEN_SESSION_RESPONSE, le(8).put(p[0]).put((byte) status).putShort((short) 0)
                    .putInt((int) sidm).array(), from);
            return;
        }
        Session s = new Session();
        s.sidm = sidm;
        s.suite = suite;
        do {
            s.sidc = RANDOM.nextInt() & 0xffffffffL;
        } while (s.sidc == 0 || sessions.containsKey(s.sidc));
        sessions.put(s.sidc, s);
        preSession(RmcpPacket.OPEN_SESSION_RESPONSE, le(36).put(p[0]).put((byte) 0).put((byte) (p[1] == 0 ? 4 : p[1]))
                .put((byte) 0).putInt((int) sidm).putInt((int) s.sidc)
                .put(Arrays.copyOfRange(p, 8, 32)).array(), from);
    }

    private void rakp1(byte[] p, SocketAddress from) throws Exception {
        Session s = sessions.get(le32(p, 4));
        if (s == null) {
            return;
        }
        s.rm = Arrays.copyOfRange(p, 8, 24);
        s.role = p[24] & 0xff;
        s.user = new String(p, 28, p[27] & 0xff, StandardCharsets.UTF_8);
        s.rc = new byte[16];
        RANDOM.nextBytes(s.rc);
        if (!s.user.equals(user)) {
            sessions.remove(s.sidc);
            preSession(RmcpPacket.RAKP_2, le(8).put(p[0]).put((byte) 0x0d).putShort((short) 0).putInt((int) s.sidm)
                    .array(), from);
            return;
        }
        byte[] code = RakpKeys.rakp2Hmac(s.suite, kuid, leBytes(s.sidm), leBytes(s.sidc), s.rm, s.rc, GUID, s.role,
                s.user);
        s.keys = new RakpKeys(s.suite, kuid, kg, s.rm, s.rc, s.role, s.user);
        preSession(RmcpPacket.RAKP_2, le(40 + code.length).put(p[0]).put((byte) 0).putShort((short) 0)
                .putInt((int) s.sidm).put(s.rc).put(GUID).put(code).array(), from);
    }

    private void rakp3(byte[] p, SocketAddress from) throws Exception {
        Session s = sessions.get(le32(p, 4));
        if (s == null || s.keys == null) {
            return;
        }
        if (p[1] != 0) {
            sessions.remove(s.sidc); // before the count a test waits on, so it never sees the session still open
            rakp3Errors.incrementAndGet();
            return;
        }
        if (!Arrays.equals(Arrays.copyOfRange(p, 8, p.length), s.keys.rakp3Hmac(s.rc, leBytes(s.sidm), s.role, s.user))) {
            sessions.remove(s.sidc);
            preSession(RmcpPacket.RAKP_4, le(8).put(p[0]).put((byte) 0x0f).putShort((short) 0).putInt((int) s.sidm)
                    .array(), from);
            return;
        }
        byte[] icv = s.keys.rakp4Icv(s.rm, leBytes(s.sidc), GUID);
        if (fault == Fault.WRONG_ICV) {
            icv[0] ^= 1;
        }
        s.active = true;
        opened.incrementAndGet();
        preSession(RmcpPacket.RAKP_4, le(8 + icv.length).put(p[0]).put((byte) 0).putShort((short) 0)
                .putInt((int) s.sidm).put(icv).array(), from);
    }

    private void session(byte[] r, SocketAddress from) throws Exception {
        Session s = sessions.get(le32(r, 6));
        if (s == null || !s.active) {
            return;
        }
        RmcpPacket in = RmcpPacket.decode(r, s.keys, s.suite); // a bad AuthCode throws: dropped silently
        byte[] m = in.payload();
        int netFn = (m[1] & 0xff) >> 2;
        int cmd = m[5] & 0xff;
        byte[] data = IpmiMessage.requestData(m);
        boolean chassis = netFn == IpmiMessage.NETFN_CHASSIS;
        byte[] answer;
        boolean close = false;
        if (netFn == IpmiMessage.NETFN_APP && cmd == 0x3b) {
            int want = data[0] & 0x0f;
            int max = Math.min(userMaxPrivilege, s.role & 0x0f);
            if (want > max) {
                answer = IpmiMessage.response(m, 0x81, new byte[0]);
            } else {
                s.privilege = want == 0 ? s.privilege : want;
                answer = IpmiMessage.response(m, 0, new byte[] {(byte) s.privilege});
            }
        } else if (netFn == IpmiMessage.NETFN_APP && cmd == 0x3c) {
            close = le32(data, 0) == s.sidc;
            answer = IpmiMessage.response(m, close ? 0 : 0x87, new byte[0]);
        } else if (netFn == IpmiMessage.NETFN_APP && cmd == 0x01) {
            answer = IpmiMessage.response(m, 0, new byte[] {0x20, 1, 2, 0, 2, (byte) 0x9f, 0, 0, 0, 0, 0});
        } else if (chassis && cmd == 0x01) {
            answer = IpmiMessage.response(m, 0, new byte[] {(byte) (powerOn() ? 1 : 0), 0, 0});
        } else if (chassis && cmd == 0x02) {
            answer = IpmiMessage.response(m, s.privilege < 3 ? 0xd4 : data[0] <= 3 || data[0] == 5 ? 0 : 0xcc,
                    new byte[0]);
            if (s.privilege >= 3) {
                control(data[0]);
            }
        } else {
            answer = IpmiMessage.response(m, 0xc1, new byte[0]);
        }
        Fault f = chassis ? fault : Fault.NONE;
        if (f == Fault.DEAF_TO_CHASSIS) {
            return;
        }
        if (f == Fault.REPLAY_THEN_REAL && s.lastAnswer != null) {
            send(s.lastAnswer, from);
        }
        if (f == Fault.STALE_THEN_REAL && s.lastRequest != null) {
            send(seal(s, IpmiMessage.response(s.lastRequest, 0, new byte[] {0, 0, 0}), s.sidm), from);
        }
        byte[] sealed = seal(s, answer, f == Fault.WRONG_SESSION ? s.sidm ^ 0x5a5a : s.sidm);
        if (f == Fault.WRONG_HMAC) {
            sealed[sealed.length - 1] ^= 1;
        } else if (f == Fault.TRUNCATED) {
            sealed = Arrays.copyOf(sealed, sealed.length - 7);
        }
        s.lastAnswer = sealed;
        s.lastRequest = m;
        if (close) { // counted before the answer goes out, so the client never sees it first
            sessions.remove(s.sidc);
            closed.incrementAndGet();
        }
        send(sealed, from);
    }

    private synchronized void control(byte code) {
        controls.add(String.valueOf(code));
        switch (code) {
            case 0, 5 -> {
                if (!ignoreOff && powerOn()) {
                    if (offDelay.isZero()) {
                        powerOn = false;
                    } else {
                        offAtNanos = System.nanoTime() + offDelay.toNanos();
                    }
                }
            }
            case 1, 2, 3 -> power(true);
            default -> { }
        }
    }

    private byte[] seal(Session s, byte[] msg, long sid) throws Exception {
        byte[] iv = new byte[16];
        RANDOM.nextBytes(iv);
        return new RmcpPacket(RmcpPacket.IPMI_MESSAGE, true, true, sid, s.outSeq++, msg).encode(s.keys, iv);
    }

    private void preSession(int type, byte[] payload, SocketAddress to) throws Exception {
        send(new RmcpPacket(type, false, false, 0, 0, payload).encode(null, null), to);
    }

    private void send(byte[] b, SocketAddress to) throws IOException {
        socket.send(new DatagramPacket(b, b.length, to));
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

    @Override
    public void close() throws InterruptedException {
        running = false;
        socket.close();
        thread.join(2000);
    }
}
