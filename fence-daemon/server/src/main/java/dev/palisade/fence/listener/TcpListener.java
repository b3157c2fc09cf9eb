package dev.palisade.fence.listener;

import dev.palisade.fence.access.AccessMap;
import dev.palisade.fence.access.Addresses;
import dev.palisade.fence.auth.Credentials;
import dev.palisade.fence.config.FenceDaemonConfig.TcpListenerConfig;
import dev.palisade.fence.wire.FenceRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * fence_virtd's TCP listener ({@code fence_virt -T}): read the 176-byte request within 1 s, verify, then
 * the shared conversation (challenge/response, operation, answer).
 *
 * <p>Event loops, one per core: each owns a socket bound to the port with SO_REUSEPORT (the kernel spreads
 * connections over them) and a selector, and drives every connection it accepted through its steps without
 * blocking, each step under its own deadline, so a slow or silent client costs a file descriptor and never a
 * thread. The hypervisor call runs on the loop thread itself (no hand-off per request). When a call has
 * run for {@link #HELPER_AFTER} (a slow hypervisor), a helper thread takes the loop over and the stuck thread
 * leaves once its call returns and its answer is sent, up to {@code max_workers} threads in all, so a stuck
 * request never holds up the connections behind it; the request's own deadline still answers FAIL on time.
 */
public final class TcpListener implements FenceListener {
    /** fence_virtd reads the request within 1 s of accepting, then closes. */
    public static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(1);
    /** How long a hypervisor call may hold its loop before a helper takes the loop over. */
    public static final Duration HELPER_AFTER = Duration.ofMillis(50);
    /** Open connections per listener; past it, new ones wait in the kernel's backlog. */
    public static final int MAX_CONNECTIONS = 1024;
    /** Event loops per listener: one per core. */
    private static final int LOOPS = Math.max(1, Integer.getInteger("palisade.tcp.loops",
            Math.min(8, Runtime.getRuntime().availableProcessors())));
    /** Connections taken from the backlog per wake-up, so one busy loop still serves those it has. */
    private static final int ACCEPT_BATCH = 64;

    private final TcpListenerConfig config;
    private final RequestGate gate;
    private final RequestDispatcher dispatcher;
    /** Who may fence whom through this listener. */
    private final AccessMap scope;
    private final int maxWorkers;
    private final AtomicInteger threads = new AtomicInteger();
    /** Writes the socket could not take at once, finished later by the loop. */
    private final AtomicLong deferredSends = new AtomicLong();
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final List<Loop> loops = new ArrayList<>();
    private final String name;
    private volatile boolean closed;
    private Thread watcher;
    private boolean warnedFull;

    public TcpListener(TcpListenerConfig config, Credentials credentials, RequestDispatcher dispatcher,
                       AccessMap scope, int maxWorkers) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.scope = scope;
        // at least one helper beyond the loops, or one hung call would hold up a whole loop
        this.maxWorkers = Math.max(LOOPS + 1, maxWorkers);
        this.name = "tcp " + Addresses.text(config.address()) + ":" + config.port();
        this.gate = new RequestGate(name, credentials);
    }

    public RequestGate gate() {
        return gate;
    }

    /** Threads serving this listener now: one per event loop, plus helpers while hypervisor calls hang. */
    public int threads() {
        return threads.get();
    }

    /** How many writes the socket could not take at once and the event loop finished later. */
    public long deferredSends() {
        return deferredSends.get();
    }

    @Override
    public String describe() {
        return name + " (" + gate.credentials().describe() + ")";
    }

    @Override
    public void start() throws IOException {
        InetSocketAddress at = new InetSocketAddress(config.address(), config.port());
        // A plain bind first: if anything holds the port (another gateway, fence_virtd), fail loudly here
        // instead of sharing it through SO_REUSEPORT.
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(at, 1);
            if (config.port() == 0) {
                at = new InetSocketAddress(config.address(), probe.getLocalPort());
            }
        }
        try {
            for (int i = 0; i < LOOPS; i++) {
                loops.add(new Loop(i, at));
            }
        } catch (IOException | UnsupportedOperationException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        for (Loop l : loops) {
            spawn(l);
        }
        watcher = new Thread(this::watch, "fence-tcp-" + config.port() + "-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void spawn(Loop loop) {
        threads.incrementAndGet();
        Thread t = new Thread(loop::run, "fence-tcp-" + config.port() + "-" + loop.index);
        t.setDaemon(true);
        t.start();
    }

    /** Hands every loop whose hypervisor call has run for longer than HELPER_AFTER to a helper thread. */
    private void watch() {
        long after = HELPER_AFTER.toNanos();
        while (!closed) {
            try {
                Thread.sleep(HELPER_AFTER.toMillis() / 2);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Loop l : loops) {
                Call c = l.call;
                if (c == null || now - c.since < after || c.get() != Call.RUNNING) {
                    continue;
                }
                if (threads.get() >= maxWorkers) {
                    if (!warnedFull) {
                        warnedFull = true;
                        Logger.warn("{}: all {} workers wait on the hypervisor; new connections wait in the backlog",
                                name, maxWorkers);
                    }
                    continue;
                }
                if (c.compareAndSet(Call.RUNNING, Call.TAKEN)) {
                    spawn(l);
                }
            }
            if (threads.get() < maxWorkers / 2) {
                warnedFull = false;
            }
        }
    }

    /**
     * A hypervisor call in progress on a loop thread. Whoever moves it out of RUNNING first decides: the
     * thread itself (call over, it keeps the loop) or the watchdog (the loop goes to a helper).
     */
    private static final class Call extends AtomicInteger {
        static final int RUNNING = 0;
        static final int DONE = 1;
        static final int TAKEN = 2;
        final long since = System.nanoTime();
    }

    /** Connections waiting on the same deadline length, oldest first: a list ordered by due time for free. */
    private static final class DeadlineList {
        final long length;
        Conn head;
        Conn tail;

        DeadlineList(Duration length) {
            this.length = length.toNanos();
        }

        void add(Conn c, long now) {
            c.remove();
            c.due = now + length;
            c.list = this;
            c.prev = tail;
            if (tail == null) {
                head = c;
            } else {
                tail.next = c;
            }
            tail = c;
        }
    }

    /** One socket bound to the port, its selector, and the connections it accepted. */
    private final class Loop {
        final int index;
        final ServerSocketChannel server;
        final Selector selector;
        final SelectionKey acceptKey;
        /** The hypervisor call in progress on the owner, or the last one. */
        volatile Call call;
        /** Work handed to the loop by other threads (an answer too big to send at once). */
        final Queue<Runnable> posted = new ConcurrentLinkedQueue<>();
        final AtomicInteger open = new AtomicInteger();
        final int cap = Math.max(16, MAX_CONNECTIONS / LOOPS);
        final DeadlineList requestReads = new DeadlineList(REQUEST_READ_TIMEOUT);
        final DeadlineList exchanges = new DeadlineList(RequestDispatcher.AUTH_TIMEOUT);
        final DeadlineList[] lists = {requestReads, exchanges};
        /** When accepting resumes (nanoTime) after the loop stopped taking connections; 0 while it takes them. */
        long acceptPausedUntil;
        long warnedCapAt;

        Loop(int index, SocketAddress at) throws IOException {
            this.index = index;
            this.server = ServerSocketChannel.open();
            try {
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                server.bind(at, 128);
                server.configureBlocking(false);
                this.selector = Selector.open();
                this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }

        void run() {
            boolean left = false;
            try {
                while (!closed) {
                    // an interrupt meant for a hypervisor call that has returned meanwhile: select must not see it
                    Thread.interrupted();
                    Runnable r;
                    while ((r = posted.poll()) != null) {
                        try {
                            r.run();
                        } catch (CancelledKeyException closedMeanwhile) {
                            // the connection was closed before the loop got to it
                        }
                    }
                    long wait = expire(System.nanoTime());
                    if (wait > 0) {
                        selector.select(wait);
                    } else {
                        selector.select();
                    }
                    if (closed) {
                        return;
                    }
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (k == acceptKey ? !accept() : !((Conn) k.attachment()).ready(k)) {
                            // a helper owns the loop now: this thread's call is answered, it leaves
                            left = true;
                            return;
                        }
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                if (!closed) {
                    Logger.error(e, "{}: event loop {} stopped: {}; its socket is closed so that the other loops "
                            + "take its share of connections", name, index, e.getMessage());
                }
            } finally {
                threads.decrementAndGet();
                if (!left && !closed) {
                    abandon();
                }
            }
        }

        /** A loop that died: the kernel must stop handing it connections, and the ones it had are closed. */
        private void abandon() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            for (Conn c : conns) {
                if (c.loop == this) {
                    c.closeNow(false);
                }
            }
        }

        /** Drops connections past their deadline; returns ms to the next one, or 0 when none is pending. */
        private long expire(long now) {
            if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
                if (open.get() < cap) {
                    acceptPausedUntil = 0;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                } else {
                    acceptPausedUntil = (now + 10_000_000L) | 1;
                }
            }
            long next = Long.MAX_VALUE;
            for (DeadlineList l : lists) {
                while (l.head != null && now - l.head.due >= 0) {
                    Conn c = l.head;
                    c.remove();
                    c.expired();
                }
                if (l.head != null) {
                    next = Math.min(next, l.head.due - now);
                }
            }
            if (acceptPausedUntil != 0) {
                next = Math.min(next, Math.max(0, acceptPausedUntil - now));
            }
            return next == Long.MAX_VALUE ? 0 : Math.max(1, (next + 999_999) / 1_000_000);
        }

        /** Takes new connections; false when a helper took the loop over during a call made meanwhile. */
        private boolean accept() {
            for (int i = 0; i < ACCEPT_BATCH; i++) {
                if (open.get() >= cap) {
                    pauseAccepting(10);
                    long now = System.nanoTime();
                    if (warnedCapAt == 0 || now - warnedCapAt > 10_000_000_000L) {
                        warnedCapAt = now | 1;
                        Logger.warn("{}: {} connections open on loop {}; new ones wait in the backlog", name, cap,
                                index);
                    }
                    return true;
                }
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException e) {
                    if (!closed) {
                        // out of file descriptors, typically: back off instead of spinning on the backlog
                        Logger.error("{}: accept failed: {}; retrying in 100 ms", name, e.getMessage());
                        pauseAccepting(100);
                    }
                    return true;
                }
                if (ch == null) {
                    return true;
                }
                open.incrementAndGet();
                Conn c = new Conn(this, ch);
                conns.add(c);
                try {
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                } catch (IOException | RuntimeException e) {
                    c.drop(e.getMessage());
                    continue;
                }
                if (closed) {
                    c.closeNow(true);
                    return true;
                }
                requestReads.add(c, System.nanoTime());
                // the request is usually here already: start on it without another trip through the selector
                if (!c.ready(null)) {
                    return false;
                }
            }
            return true;
        }

        private void pauseAccepting(long ms) {
            acceptKey.interestOps(0);
            acceptPausedUntil = (System.nanoTime() + ms * 1_000_000) | 1;
        }

        /** Runs work on the loop thread (from any thread). */
        void post(Runnable r) {
            posted.add(r);
            selector.wakeup();
        }
    }

    /** One client connection, driven by its loop through the conversation. */
    private final class Conn implements RequestDispatcher.Responder {
        final Loop loop;
        final SocketChannel ch;
        final String from;
        SelectionKey key;
        /** In the hypervisor call or sending its answer (before: reading or sending a challenge step). */
        boolean answering;
        ByteBuffer in = ByteBuffer.allocate(FenceRequest.SIZE);
        RequestDispatcher.Handshake hs;
        long started;
        /** Bytes the socket has not taken yet; guarded by this connection's lock. */
        ByteBuffer out;
        boolean closeWhenSent;
        volatile boolean done;
        // deadline list membership, touched by the loop thread only
        DeadlineList list;
        Conn prev;
        Conn next;
        long due;

        Conn(Loop loop, SocketChannel ch) {
            this.loop = loop;
            this.ch = ch;
            SocketAddress remote = null;
            try {
                remote = ch.getRemoteAddress();
            } catch (IOException ignored) {
                // closed already: the first read says so
            }
            this.from = remote instanceof InetSocketAddress isa ? Addresses.text(isa.getAddress()) : "?";
        }

        /** Unlinks the connection from its deadline list. */
        void remove() {
            if (list == null) {
                return;
            }
            if (prev == null) {
                list.head = next;
            } else {
                prev.next = next;
            }
            if (next == null) {
                list.tail = prev;
            } else {
                next.prev = prev;
            }
            list = null;
            prev = null;
            next = null;
        }

        /**
         * Handles readiness, or with a null key reads what may already be there (a new connection); false when
         * a helper took the loop over during this connection's call.
         */
        boolean ready(SelectionKey k) {
            try {
                if (k != null && k.isWritable()) {
                    return flushPending();
                }
                return k != null && !k.isReadable() || readSteps();
            } catch (CancelledKeyException closedMeanwhile) {
                // closed by the watchdog at the request deadline
                return true;
            } catch (RuntimeException e) {
                Logger.error(e, "{} {}: request failed", name, from);
                closeNow(true);
                return true;
            }
        }

        private boolean readSteps() {
            while (true) {
                int n;
                try {
                    n = ch.read(in);
                } catch (IOException e) {
                    drop(e.getMessage());
                    return true;
                }
                if (n < 0) {
                    drop("peer closed after " + in.position() + " of " + in.limit() + " bytes");
                    return true;
                }
                if (in.hasRemaining()) {
                    return true;
                }
                if (hs == null) {
                    FenceRequest req = gate.admit(in.array(), from);
                    if (req == null) {
                        closeNow(true);
                        return true;
                    }
                    started = System.nanoTime();
                    hs = dispatcher.handshake(name, req, from, gate.credentials());
                    if (hs.want() > 0) {
                        // clients send their challenge right behind the request: read it now, not after
                        // another trip through the selector
                        nextStep();
                        continue;
                    }
                } else {
                    byte[] reply = hs.take(in.array());
                    if (reply == null) {
                        closeNow(true);
                        return true;
                    }
                    if (reply.length > 0 && !sendStep(reply)) {
                        return true;
                    }
                }
                return nextStep();
            }
        }

        /** Sends a challenge step; false when the rest waits for the socket (the loop continues after it). */
        private boolean sendStep(byte[] bytes) {
            try {
                if (writeNow(bytes)) {
                    return true;
                }
            } catch (IOException e) {
                drop(e.getMessage());
                return false;
            }
            awaitSocket();
            return false;
        }

        /** Writes what the socket takes now and keeps the rest for the loop; false when something is left. */
        private boolean writeNow(byte[] bytes) throws IOException {
            synchronized (this) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                ch.write(b);
                if (!b.hasRemaining()) {
                    return true;
                }
                out = b;
            }
            deferredSends.incrementAndGet();
            return false;
        }

        /** On the loop thread: the rest goes out when the socket takes it, under the exchange deadline. */
        private void awaitSocket() {
            if (!done) {
                key.interestOps(SelectionKey.OP_WRITE);
                loop.exchanges.add(this, System.nanoTime());
            }
        }

        /** Reads the next challenge step, or runs the call once the exchange is complete. */
        private boolean nextStep() {
            int want = hs.want();
            if (want > 0) {
                in = ByteBuffer.allocate(want);
                key.interestOps(SelectionKey.OP_READ);
                loop.exchanges.add(this, System.nanoTime());
                return true;
            }
            answering = true;
            remove();
            key.interestOps(0);
            Call call = new Call();
            loop.call = call;
            try {
                dispatcher.answer(name, hs, from, this, scope, started);
            } catch (IOException e) {
                if (!closed) {
                    Logger.warn("{} {}: connection dropped: {}", name, from, e.getMessage());
                }
            } catch (RuntimeException e) {
                Logger.error(e, "{} {}: request failed", name, from);
            }
            // settle who owns the loop first: a thread a helper replaced must leave the loop's lists alone
            boolean mine = call.compareAndSet(Call.RUNNING, Call.DONE);
            closeWhenSent(mine);
            return mine;
        }

        /**
         * The loop thread sends what the socket could not take at once; false when a helper took the loop over
         * during a call made meanwhile.
         */
        private boolean flushPending() {
            boolean finished;
            synchronized (this) {
                if (out == null) {
                    return true;
                }
                try {
                    ch.write(out);
                } catch (IOException e) {
                    drop(e.getMessage());
                    return true;
                }
                finished = !out.hasRemaining();
                if (finished) {
                    out = null;
                }
            }
            if (!finished) {
                return true;
            }
            remove();
            if (!answering) {
                return nextStep();
            }
            key.interestOps(0);
            synchronized (this) {
                if (!closeWhenSent) {
                    return true;
                }
            }
            closeNow(true);
            return true;
        }

        /** The answer, from the thread of the call or from the watchdog at the deadline. */
        @Override
        public void send(byte[] bytes) throws IOException {
            if (!writeNow(bytes)) {
                loop.post(this::awaitSocket);
            }
        }

        /** Closes once the answer is out (from the watchdog, or any thread but the loop's). */
        @Override
        public void close() {
            closeWhenSent(false);
        }

        private void closeWhenSent(boolean onLoop) {
            synchronized (this) {
                if (out != null) {
                    closeWhenSent = true;
                    return;
                }
            }
            closeNow(onLoop);
        }

        void expired() {
            String why;
            synchronized (this) {
                why = out != null ? "deadline passed with " + out.remaining() + " bytes unsent"
                        : "deadline passed after " + in.position() + " of " + in.limit() + " bytes";
            }
            drop(why);
        }

        /** Logs and closes; on the loop thread. */
        void drop(String why) {
            if (!closed && !done) {
                Logger.warn("{} {}: connection dropped: {}", name, from, why);
            }
            closeNow(true);
        }

        /**
         * Closes the connection now. {@code onLoop}: the caller is the thread that owns the loop, and unlinks
         * the deadline itself; any other thread leaves that to the loop.
         */
        void closeNow(boolean onLoop) {
            if (done) {
                return;
            }
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            if (onLoop) {
                remove();
            }
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing: nothing left to tell the peer
            }
            conns.remove(this);
            loop.open.decrementAndGet();
            if (!onLoop) {
                // the loop releases the descriptor at its next select, and drops the deadline then
                loop.post(this::remove);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        for (Loop l : loops) {
            try {
                l.server.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (Conn c : conns) {
            c.closeNow(false);
        }
        for (Loop l : loops) {
            try {
                l.selector.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to tell the peer
        }
    }
}
