package dev.palisade.supervisor.vrrp;

import dev.palisade.drivers.net.Announcer;
import dev.palisade.drivers.net.IpRawSocket;
import dev.palisade.drivers.net.Rtnetlink;
import dev.palisade.supervisor.config.VrrpConfig;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * One running VRRP instance: the {@link VrrpMachine} on its own thread, fed by a raw protocol-112 socket
 * and its timers, adding and removing the virtual addresses through rtnetlink and announcing them. The
 * supervisor drives the priority through {@link #priority(int)} and {@link #release()}; every state change
 * is logged with its reason and handed to the listener. Malformed adverts are dropped and counted by kind.
 */
public final class VrrpInstance implements AutoCloseable {
    /** How often the loop looks at commands from other threads when nothing else wakes it. */
    private static final long POLL_NANOS = 5_000_000;
    /** How often the loop checks that its interface is still the one it opened. */
    private static final long INTERFACE_CHECK_NANOS = 500_000_000;

    private final VrrpConfig.Instance config;
    private volatile IpRawSocket socket;
    private final Rtnetlink netlink;
    private volatile Announcer announcer;
    private volatile InetAddress primary;
    private final dev.palisade.supervisor.node.FatalHandler fatal;
    private final InetAddress group;
    /** Fixed for the instance's life, so each advert only encodes: the addresses, the v2 auth data, where to. */
    private final List<InetAddress> addresses;
    private final byte[] authData;
    private final List<InetAddress> advertTargets;
    private final VrrpMachine machine;
    private final ScheduledExecutorService announcements;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Map<VrrpPacket.Defect, AtomicLong> dropped = new EnumMap<>(VrrpPacket.Defect.class);
    private final AtomicLong received = new AtomicLong();
    private final Consumer<String> listener;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile VrrpMachine.State state = VrrpMachine.State.INITIALIZE;

    private VrrpInstance(VrrpConfig.Instance config, int initialPriority, Consumer<String> listener,
                         dev.palisade.supervisor.node.FatalHandler fatal) throws IOException {
        this.config = config;
        this.listener = listener;
        this.fatal = fatal;
        boolean v6 = config.ipv6();
        this.addresses = config.vips().stream().map(VrrpConfig.Vip::address).toList();
        this.authData = config.authPass() == null ? new byte[8]
                : java.util.Arrays.copyOf(config.authPass().getBytes(StandardCharsets.US_ASCII), 8);
        this.primary = config.source() != null ? config.source() : IpRawSocket.primaryAddress(config.iface(), v6, addresses);
        this.group = InetAddress.getByName(v6 ? VrrpPacket.GROUP_V6 : VrrpPacket.GROUP_V4);
        this.advertTargets = config.unicastPeers().isEmpty() ? List.of(group) : config.unicastPeers();
        this.socket = IpRawSocket.open(config.iface(), v6, VrrpPacket.PROTOCOL, v6 ? null : primary, group);
        this.netlink = Rtnetlink.open();
        this.announcer = Announcer.open(config.iface());
        for (VrrpPacket.Defect d : VrrpPacket.Defect.values()) {
            dropped.put(d, new AtomicLong());
        }
        this.announcements = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vrrp-" + config.name() + "-announce");
            t.setDaemon(true);
            return t;
        });
        this.machine = new VrrpMachine(new VrrpMachine.Settings(config.version(), config.advertIntervalCs(),
                config.preempt(), config.preemptDelay().toNanos(), primary), initialPriority, new Effects());
        this.thread = new Thread(this::loop, "vrrp-" + config.name());
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> fatal.die(t.getName(), e));
    }

    /** A process running VRRP on its own: a dying instance thread halts it (systemd restarts it). */
    private static final dev.palisade.supervisor.node.FatalHandler HALT = (where, e) -> {
        Logger.error(e, "{} died: exiting", where);
        Runtime.getRuntime().halt(70);
    };

    /** Opens the sockets and starts the instance (state Backup, or Master at once when priority is 255). */
    public static VrrpInstance start(VrrpConfig.Instance config, Consumer<String> listener) throws IOException {
        return start(config, listener, HALT);
    }

    /** As {@link #start(VrrpConfig.Instance, Consumer)}; a thread that dies goes to {@code fatal}. */
    public static VrrpInstance start(VrrpConfig.Instance config, Consumer<String> listener,
                                     dev.palisade.supervisor.node.FatalHandler fatal) throws IOException {
        VrrpInstance i = new VrrpInstance(config, config.priority(), listener, fatal);
        i.thread.start();
        return i;
    }

    /**
     * Starts the instance released (priority 0: it watches and never takes the address) for the supervisor,
     * which hands the address over with {@link #takeOver()} and {@link #release()} as its resource group moves.
     */
    public static VrrpInstance startReleased(VrrpConfig.Instance config, Consumer<String> listener) throws IOException {
        return startReleased(config, listener, HALT);
    }

    /** As {@link #startReleased(VrrpConfig.Instance, Consumer)}; a thread that dies goes to {@code fatal}. */
    public static VrrpInstance startReleased(VrrpConfig.Instance config, Consumer<String> listener,
                                             dev.palisade.supervisor.node.FatalHandler fatal) throws IOException {
        VrrpInstance i = new VrrpInstance(config, 0, listener, fatal);
        i.thread.start();
        return i;
    }

    /** The instance's configuration. */
    public VrrpConfig.Instance config() {
        return config;
    }

    /** Becomes Master now with the configured priority (see {@link VrrpMachine#takeOver}). */
    public void takeOver() {
        commands.add(() -> machine.takeOver(config.priority(), System.nanoTime()));
    }

    public VrrpMachine.State state() {
        return state;
    }

    public String name() {
        return config.name();
    }

    /** Adverts dropped so far, by what was wrong with them. */
    public Map<VrrpPacket.Defect, Long> dropped() {
        Map<VrrpPacket.Defect, Long> out = new EnumMap<>(VrrpPacket.Defect.class);
        dropped.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long received() {
        return received.get();
    }

    /** Sets the priority the instance advertises and elects with (1-254; 255 claims ownership). */
    public void priority(int p) {
        commands.add(() -> machine.priority(p, System.nanoTime()));
    }

    /**
     * Gives up mastership now (priority 0 sent) and never takes it until {@link #priority(int)} raises it again;
     * not being Master, it also removes any of its addresses left on the interface (by an earlier run).
     */
    public void release() {
        priority(0);
        commands.add(() -> {
            if (machine.state() != VrrpMachine.State.MASTER) {
                removeLeftovers();
            }
        });
    }

    /** The instance's virtual addresses that are on its interface now. */
    public List<VrrpConfig.Vip> addressesHeld() throws IOException {
        java.net.NetworkInterface nic = java.net.NetworkInterface.getByName(config.iface());
        List<InetAddress> on = nic == null ? List.of() : java.util.Collections.list(nic.getInetAddresses());
        return config.vips().stream().filter(v -> on.contains(v.address())).toList();
    }

    private void removeLeftovers() {
        try {
            for (VrrpConfig.Vip v : addressesHeld()) {
                netlink.delete(config.iface(), v.address(), v.prefix());
                Logger.warn("VRRP {}: removed {} left on {} while not Master", config.name(), v, config.iface());
            }
        } catch (IOException | RuntimeException e) {
            Logger.error("VRRP {}: removing leftover addresses: {}", config.name(), e.getMessage());
        }
    }

    private void loop() {
        try {
            machine.handle(VrrpMachine.Event.STARTUP, System.nanoTime(), null, null);
            long nextCheck = System.nanoTime() + INTERFACE_CHECK_NANOS;
            while (running) {
                Runnable c;
                while ((c = commands.poll()) != null) {
                    c.run();
                }
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    nextCheck = now + INTERFACE_CHECK_NANOS;
                    if (IpRawSocket.interfaceIndex(config.iface()) != socket.ifindex()) {
                        fault("interface " + config.iface() + " is gone or was re-created");
                        continue;
                    }
                }
                machine.tick(now);
                long wait = Math.min(machine.nextDeadline() - System.nanoTime(), POLL_NANOS);
                IpRawSocket.Datagram d;
                try {
                    d = socket.receive(Math.max(1, wait / 1_000_000));
                } catch (IOException e) {
                    if (running) {
                        fault(e.getMessage());
                    }
                    continue;
                }
                if (d != null) {
                    advert(d);
                }
            }
        } finally {
            try {
                machine.handle(VrrpMachine.Event.SHUTDOWN, System.nanoTime(), null, null);
            } catch (RuntimeException e) {
                Logger.warn("VRRP {}: shutting down: {}", config.name(), e.getMessage());
            } finally {
                stopped.countDown();
            }
        }
    }

    /**
     * The interface is unusable (removed, re-created, its socket failed): the instance gives up mastership (its
     * addresses go, keepalived's FAULT), keeps checking, and starts over (Backup, then the election) once the
     * interface is back. Commands wait until then.
     */
    private void fault(String why) {
        Logger.error("VRRP {}: {}: not Master until {} is back (checking every {} ms)", config.name(), why,
                config.iface(), INTERFACE_CHECK_NANOS / 1_000_000);
        machine.handle(VrrpMachine.Event.SHUTDOWN, System.nanoTime(), null, null);
        socket.close();
        boolean v6 = config.ipv6();
        while (running) {
            java.util.concurrent.locks.LockSupport.parkNanos(INTERFACE_CHECK_NANOS);
            if (IpRawSocket.interfaceIndex(config.iface()) < 0) {
                continue;
            }
            try {
                InetAddress p = config.source() != null ? config.source()
                        : IpRawSocket.primaryAddress(config.iface(), v6, addresses);
                IpRawSocket s = IpRawSocket.open(config.iface(), v6, VrrpPacket.PROTOCOL, v6 ? null : p, group);
                Announcer a = Announcer.open(config.iface());
                announcer.close();
                announcer = a;
                primary = p;
                socket = s;
            } catch (IOException | RuntimeException e) {
                continue; // not usable yet (no address, not up): check again
            }
            Logger.info("VRRP {}: interface {} is back: starting over", config.name(), config.iface());
            machine.handle(VrrpMachine.Event.STARTUP, System.nanoTime(), null, null);
            return;
        }
    }

    private void advert(IpRawSocket.Datagram d) {
        if (d.source().equals(primary)) {
            return; // our own, looped back by a unicast peer list that includes us
        }
        VrrpPacket p;
        try {
            p = VrrpPacket.decode(d.payload(), d.source(), d.destination(), d.ttl(), config.ipv6());
            if (p.vrid() != config.vrid()) {
                throw new VrrpPacket.DecodeException(VrrpPacket.Defect.VRID, "VRID " + p.vrid());
            }
            if (p.version() != config.version()) {
                throw new VrrpPacket.DecodeException(VrrpPacket.Defect.VERSION, "version " + p.version()
                        + ", configured " + config.version());
            }
            if (p.version() == 2 && p.interval() * 100 != config.advertIntervalCs()) {
                throw new VrrpPacket.DecodeException(VrrpPacket.Defect.INTERVAL, "advert interval " + p.interval()
                        + " s, configured " + config.advertIntervalCs() / 100 + " s");
            }
            if (p.version() == 2 && !authOk(p)) {
                throw new VrrpPacket.DecodeException(VrrpPacket.Defect.AUTH, "authentication type " + p.authType()
                        + " or password does not match");
            }
        } catch (VrrpPacket.DecodeException e) {
            long n = dropped.get(e.defect()).incrementAndGet();
            if (e.defect() != VrrpPacket.Defect.VRID) {
                Logger.warn("VRRP {}: dropped an advert from {} ({}; {} so far): {}", config.name(),
                        d.source().getHostAddress(), e.defect(), n, e.getMessage());
            }
            return;
        }
        received.incrementAndGet();
        machine.handle(VrrpMachine.Event.ADVERT, System.nanoTime(), p, d.source());
    }

    private boolean authOk(VrrpPacket p) {
        if (config.authPass() == null) {
            return p.authType() == 0;
        }
        return p.authType() == 1 && java.util.Arrays.equals(p.authData(), authData);
    }

    private final class Effects implements VrrpMachine.Effects {
        @Override
        public void sendAdvert(int priority) {
            int interval = config.version() == 2 ? config.advertIntervalCs() / 100 : config.advertIntervalCs();
            VrrpPacket p = new VrrpPacket(config.version(), config.vrid(), priority, interval,
                    config.authPass() != null ? 1 : 0, authData, addresses);
            for (InetAddress dst : advertTargets) {
                try {
                    socket.send(dst, p.encode(primary, dst));
                } catch (IOException e) {
                    Logger.warn("VRRP {}: advert to {} not sent: {}", config.name(), dst.getHostAddress(), e.getMessage());
                }
            }
        }

        @Override
        public void becomeMaster() {
            changeAddresses(true);
            announceRepeatedly();
        }

        @Override
        public void stopBeingMaster() {
            changeAddresses(false);
        }

        private void changeAddresses(boolean add) {
            for (VrrpConfig.Vip v : config.vips()) {
                try {
                    if (add) {
                        netlink.add(config.iface(), v.address(), v.prefix());
                    } else {
                        netlink.delete(config.iface(), v.address(), v.prefix());
                    }
                } catch (IOException | RuntimeException e) { // a missing interface is an IllegalArgumentException
                    Logger.error("VRRP {}: {}", config.name(), e.getMessage());
                }
            }
        }

        @Override
        public void announce() {
            announceRepeatedly();
        }

        @Override
        public void transition(VrrpMachine.State from, VrrpMachine.State to, String reason) {
            state = to;
            String line = "VRRP " + config.name() + " (VRID " + config.vrid() + " on " + config.iface() + ", priority "
                    + machine.priority() + "): " + from + " -> " + to + ": " + reason;
            Logger.info(line);
            listener.accept(line);
        }
    }

    private void announceRepeatedly() {
        Runnable once = () -> {
            for (InetAddress a : addresses) {
                try {
                    if (a instanceof Inet4Address v4) {
                        announcer.gratuitousArp(v4, config.garpReply());
                    } else {
                        announcer.unsolicitedNa(a, true);
                    }
                } catch (IOException | RuntimeException e) {
                    Logger.warn("VRRP {}: announcing {}: {}", config.name(), a.getHostAddress(), e.getMessage());
                }
            }
        };
        once.run();
        for (int i = 1; i < config.garpRepeat(); i++) {
            announcements.schedule(once, config.garpInterval().toNanos() * i, TimeUnit.NANOSECONDS);
        }
    }

    /** Graceful stop: as Master, sends priority 0 (the peer takes over at once) and removes the addresses. */
    @Override
    public void close() {
        running = false;
        try {
            if (!stopped.await(2, TimeUnit.SECONDS)) {
                Logger.warn("VRRP {}: loop did not stop within 2 s", config.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        announcements.shutdownNow();
        socket.close();
        netlink.close();
        announcer.close();
    }
}
