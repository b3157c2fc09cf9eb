package dev.palisade.drivers.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Asks the segment who has an address, over and over, and records every answer and every gratuitous ARP
 * for it: which hardware address owns the address now, when that changed, and whether two answer at once
 * (a duplicate). Used to watch virtual addresses move; all it sends are ARP requests on one interface.
 */
public final class ArpProbe implements AutoCloseable {
    /** One ARP frame about the watched address: a reply to us, or a gratuitous announcement. */
    public record Seen(long nanos, String mac, boolean gratuitous) {
    }

    private final PacketSocket socket;
    private final byte[] mac;
    private final byte[] ip;
    private final byte[] target;
    private final long intervalNanos;
    private final List<Seen> seen = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private ArpProbe(PacketSocket socket, byte[] mac, byte[] ip, byte[] target, long intervalNanos) {
        this.socket = socket;
        this.mac = mac;
        this.ip = ip;
        this.target = target;
        this.intervalNanos = intervalNanos;
        this.thread = new Thread(this::loop, "arp-probe");
        thread.setDaemon(true);
    }

    /** Starts probing for {@code target} from {@code ifname} (whose address {@code own} is the sender IP). */
    public static ArpProbe start(String ifname, Inet4Address own, Inet4Address target, long intervalMillis)
            throws IOException {
        ArpProbe p = new ArpProbe(PacketSocket.open(ifname, PacketSocket.ETH_P_ARP), Announcer.mac(ifname),
                own.getAddress(), target.getAddress(), intervalMillis * 1_000_000);
        p.thread.start();
        return p;
    }

    private void loop() {
        byte[] request = PacketSocket.arp(mac, 1, ip, new byte[6], target);
        long next = System.nanoTime();
        try {
            while (running) {
                long now = System.nanoTime();
                if (now >= next) {
                    socket.send(request);
                    next = now + intervalNanos;
                }
                byte[] f = socket.receive(Math.max(1, (next - System.nanoTime()) / 1_000_000));
                if (f != null) {
                    frame(f, System.nanoTime());
                }
            }
        } catch (IOException e) {
            // the namespace or interface went away: stop watching
        }
    }

    private void frame(byte[] f, long now) {
        if (f.length < 42 || f[12] != 0x08 || f[13] != 0x06) {
            return;
        }
        int op = f[21];
        boolean senderIsTarget = java.util.Arrays.equals(f, 28, 32, target, 0, 4);
        boolean targetIsTarget = java.util.Arrays.equals(f, 38, 42, target, 0, 4);
        boolean replyToUs = op == 2 && senderIsTarget && java.util.Arrays.equals(f, 32, 38, mac, 0, 6);
        boolean gratuitous = senderIsTarget && targetIsTarget;
        if (replyToUs || gratuitous) {
            String m = HexFormat.ofDelimiter(":").formatHex(f, 22, 28);
            synchronized (seen) {
                seen.add(new Seen(now, m, gratuitous && !replyToUs));
            }
        }
    }

    /** Everything seen since {@code nanos} (System.nanoTime() scale). */
    public List<Seen> since(long nanos) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.nanos() >= nanos).toList();
        }
    }

    /** The first time at or after {@code nanos} that {@code mac} answered a probe, or -1 within the timeout. */
    public long awaitAnswer(String mac, long nanos, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (Seen s : since(nanos)) {
                if (!s.gratuitous() && s.mac().equalsIgnoreCase(mac)) {
                    return s.nanos();
                }
            }
            Thread.sleep(5);
        }
        return -1;
    }

    /** The hardware addresses that answered probes in the last {@code millis}. */
    public List<String> answering(long millis) {
        long from = System.nanoTime() - millis * 1_000_000;
        return since(from).stream().filter(s -> !s.gratuitous()).map(Seen::mac).distinct().toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(1000);
        socket.close();
    }
}
