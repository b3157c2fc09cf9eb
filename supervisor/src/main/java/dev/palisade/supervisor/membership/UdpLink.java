package dev.palisade.supervisor.membership;

import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/** A UDP heartbeat link: unicast to the peer, multicast to a group, or broadcast, on a dedicated port. */
public final class UdpLink implements HeartbeatLink {
    private final SupervisorConfig.UdpLink config;
    private volatile DatagramChannel channel;
    private volatile boolean closed;

    public UdpLink(SupervisorConfig.UdpLink config) {
        this.config = config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public void start(Receiver receiver, dev.palisade.supervisor.node.FatalHandler fatal) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            NetworkInterface nif = null;
            if (config.iface() != null) {
                nif = NetworkInterface.getByName(config.iface());
                if (nif == null) {
                    throw new IOException("interface '" + config.iface() + "' does not exist");
                }
            }
            switch (config.mode()) {
                case BROADCAST -> {
                    ch.setOption(StandardSocketOptions.SO_BROADCAST, true);
                    ch.bind(new InetSocketAddress(config.port()));
                }
                case MULTICAST -> {
                    ch.bind(new InetSocketAddress(config.port()));
                    ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
                    ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
                    ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
                    ch.join(config.destination(), nif);
                }
                default -> ch.bind(new InetSocketAddress(config.bind(), config.port()));
            }
        } catch (IOException e) {
            ch.close();
            throw new IOException(name() + ": " + e.getMessage(), e);
        }
        channel = ch;
        Thread t = new Thread(() -> receive(receiver), "hb-udp-" + config.port());
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        t.setUncaughtExceptionHandler((th, e) -> fatal.die(th.getName(), e));
        t.start();
    }

    private void receive(Receiver receiver) {
        dev.palisade.drivers.platform.Realtime.thisThread(10);
        ByteBuffer buf = ByteBuffer.allocate(2048);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                byte[] b = new byte[buf.position()];
                buf.flip();
                buf.get(b);
                receiver.datagram(this, b, from instanceof InetSocketAddress i ? i.getAddress().getHostAddress()
                        : String.valueOf(from));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    receiver.note(this, "receive failed: " + e.getMessage());
                }
            }
        }
    }

    @Override
    public boolean send(byte[] frame) {
        try {
            channel.send(ByteBuffer.wrap(frame), new InetSocketAddress(config.destination(), config.port()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // closing
        }
    }
}
