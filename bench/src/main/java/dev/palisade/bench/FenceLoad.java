package dev.palisade.bench;

import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.wire.HashType;
import dev.palisade.fence.wire.RequestCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load for a fence_virt TCP listener, the way wrk loads a web server: a fixed number of
 * conversations kept in flight by a few event-loop threads instead of one blocked thread per client, so
 * that on a small machine the load generator does not take the CPU the daemon under test needs. Each
 * conversation is what {@code fence_virt -T -o status} does with sha256 signing and challenge/response,
 * and every answer is checked (the daemon's response to our challenge, then the result byte).
 */
final class FenceLoad {
    private final FenceVirtClient signer;
    private final FenceKey key;
    private final InetSocketAddress addr;
    private final String domain;
    private final long timeoutNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();

    FenceLoad(FenceKey key, InetSocketAddress addr, String domain, Duration timeout) {
        this.key = key;
        this.signer = new FenceVirtClient(key, HashType.SHA256, HashType.SHA256, timeout);
        this.addr = addr;
        this.domain = domain;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Successful status round trips per second with {@code connections} in flight over {@code threads}. */
    double run(int connections, int threads, Duration length, long[] counts) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = connections / threads + (t < connections % threads ? 1 : 0);
            Thread th = new Thread(() -> loop(share), "load-" + t);
            th.start();
            ts.add(th);
        }
        long t0 = System.nanoTime();
        Thread.sleep(length.toMillis());
        stop.set(true);
        for (Thread th : ts) {
            th.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        counts[0] = done.get();
        counts[1] = failed.get();
        return done.get() / secs;
    }

    /** One conversation: connect, request and challenge, their answer and challenge, our answer, result. */
    private final class Conv {
        final SocketChannel ch;
        final long started = System.nanoTime();
        final byte[] challenge = LegacyAuth.newChallenge();
        ByteBuffer out;
        ByteBuffer in;
        SelectionKey selKey;
        int step;

        Conv(Selector sel) throws IOException {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            byte[] req = signer.request(RequestCode.STATUS, domain).encode();
            byte[] first = Arrays.copyOf(req, req.length + challenge.length);
            System.arraycopy(challenge, 0, first, req.length, challenge.length);
            out = ByteBuffer.wrap(first);
            in = ByteBuffer.allocate(2 * LegacyAuth.CHALLENGE_SIZE);
            boolean connected = ch.connect(addr);
            selKey = ch.register(sel, connected ? 0 : SelectionKey.OP_CONNECT, this);
            if (connected) {
                send();
            }
        }

        /** Writes what is pending; then waits for the next answer. */
        void send() throws IOException {
            ch.write(out);
            selKey.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        /** Returns true when the conversation is over (counted). */
        boolean ready(SelectionKey k) throws IOException {
            if (k.isConnectable()) {
                ch.finishConnect();
                send();
                return false;
            }
            if (k.isWritable()) {
                send();
                return false;
            }
            if (ch.read(in) < 0) {
                throw new IOException("closed by the daemon after " + in.position() + " bytes");
            }
            if (in.hasRemaining()) {
                return false;
            }
            if (step == 0) {
                byte[] got = in.array();
                if (!LegacyAuth.checkResponse(HashType.SHA256, key, challenge,
                        Arrays.copyOfRange(got, 0, LegacyAuth.CHALLENGE_SIZE))) {
                    throw new IOException("wrong answer to our challenge");
                }
                out = ByteBuffer.wrap(LegacyAuth.response(HashType.SHA256, key,
                        Arrays.copyOfRange(got, LegacyAuth.CHALLENGE_SIZE, 2 * LegacyAuth.CHALLENGE_SIZE)));
                in = ByteBuffer.allocate(1);
                step = 1;
                send();
                return false;
            }
            if (in.get(0) != 0) {
                throw new IOException("result " + (in.get(0) & 0xff));
            }
            return true;
        }
    }

    private void loop(int connections) {
        try (Selector sel = Selector.open()) {
            List<Conv> live = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                live.add(open(sel));
            }
            long lastSweep = System.nanoTime();
            while (!stop.get()) {
                sel.select(100);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Conv c = (Conv) k.attachment();
                    boolean over;
                    try {
                        over = c.ready(k);
                        if (over) {
                            done.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        over = true;
                    }
                    if (over) {
                        c.ch.close();
                        live.remove(c);
                        if (!stop.get()) {
                            live.add(open(sel));
                        }
                    }
                }
                long now = System.nanoTime();
                if (now - lastSweep > 100_000_000L) {
                    lastSweep = now;
                    for (Conv c : new ArrayList<>(live)) {
                        if (now - c.started > timeoutNanos) {
                            failed.incrementAndGet();
                            c.ch.close();
                            live.remove(c);
                            live.add(open(sel));
                        }
                    }
                }
            }
            for (Conv c : live) {
                c.ch.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException("load generator: " + e.getMessage(), e);
        }
    }

    private Conv open(Selector sel) throws IOException {
        while (true) {
            try {
                return new Conv(sel);
            } catch (IOException e) {
                failed.incrementAndGet();
                if (stop.get()) {
                    throw e;
                }
            }
        }
    }
}
