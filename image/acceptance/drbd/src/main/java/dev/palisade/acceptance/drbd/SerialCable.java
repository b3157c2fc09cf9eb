package dev.palisade.acceptance.drbd;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * The null-modem cable between the appliances' second serial ports (ttyS1, the supervisors' serial heartbeat
 * link). Each QEMU sends what its UART transmits as UDP datagrams to this cable's end for it and receives on its own
 * port what the other UART sent (QEMU's {@code -chardev udp}). Like a real cable it never holds bytes back: what
 * arrives while it is unplugged, or while the other machine is off, is lost, and a sender never blocks.
 */
final class SerialCable implements AutoCloseable {
    private final DatagramSocket[] ends = new DatagramSocket[2];
    private final int[] guestPorts;
    private final Thread[] pumps = new Thread[2];
    private volatile boolean plugged = true;
    private volatile boolean closed;

    /**
     * {@code cablePorts[i]}: where appliance i's QEMU sends; {@code guestPorts[i]}: where appliance i's QEMU
     * receives (all on 127.0.0.1 of the lab's namespace).
     */
    SerialCable(int[] cablePorts, int[] guestPorts) throws SocketException {
        this.guestPorts = guestPorts.clone();
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 2; i++) {
            ends[i] = new DatagramSocket(new InetSocketAddress(lo, cablePorts[i]));
        }
        for (int i = 0; i < 2; i++) {
            int from = i;
            pumps[i] = new Thread(() -> pump(from), "serial-cable-" + i);
            pumps[i].setDaemon(true);
            pumps[i].start();
        }
    }

    private void pump(int from) {
        int to = 1 - from;
        InetSocketAddress dst = new InetSocketAddress(InetAddress.getLoopbackAddress(), guestPorts[to]);
        byte[] buf = new byte[4096];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                ends[from].receive(p);
                if (plugged) {
                    // from the other end's socket: QEMU's UDP chardev only takes datagrams from the address it sends to
                    ends[to].send(new DatagramPacket(p.getData(), p.getLength(), dst));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // the other QEMU is not running (ICMP port unreachable): the bytes are lost, as on a real line
            }
        }
    }

    void unplug() {
        plugged = false;
    }

    void plug() {
        plugged = true;
    }

    boolean plugged() {
        return plugged;
    }

    @Override
    public void close() {
        closed = true;
        for (DatagramSocket s : ends) {
            if (s != null) {
                s.close();
            }
        }
    }
}
