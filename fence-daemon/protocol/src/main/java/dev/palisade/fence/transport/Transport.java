package dev.palisade.fence.transport;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import org.tinylog.Logger;

/**
 * The network runtime of the gateway and its clients: Netty's native epoll transport on Linux, and NIO where
 * the native library cannot load (another architecture, a noexec temporary directory) or when
 * {@code -Dpalisade.transport=nio} asks for it. Everything that opens a channel asks here which classes to
 * use, so the choice is made once per process and logged once.
 */
public final class Transport {
    private static final Transport INSTANCE = choose();

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    public static Transport get() {
        return INSTANCE;
    }

    private static Transport choose() {
        String asked = System.getProperty("palisade.transport", "auto").toLowerCase(Locale.ROOT);
        if (asked.equals("nio")) {
            return new Transport(false);
        }
        if (Epoll.isAvailable()) {
            return new Transport(true);
        }
        Logger.warn("native epoll transport unavailable ({}); using NIO", Epoll.unavailabilityCause().getMessage());
        return new Transport(false);
    }

    /** {@code epoll} or {@code nio}, for logs. */
    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public boolean isEpoll() {
        return epoll;
    }

    /** An event-loop group of {@code threads} threads made by {@code factory}. */
    public EventLoopGroup group(int threads, ThreadFactory factory) {
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    public Class<? extends SocketChannel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public Class<? extends ServerSocketChannel> serverSocketChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** A datagram channel of the family (multicast needs it to match the group's). */
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
        return epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family);
    }

    /** A client channel to a UNIX socket (the VMs' serial and vmchannel sockets). */
    public Class<? extends Channel> domainSocketChannel() {
        return epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
    }

    public SocketAddress domainSocketAddress(Path path) {
        return epoll ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }

    /**
     * Whether several server sockets may share a port so that the kernel spreads connections over the event
     * loops (SO_REUSEPORT); only the native transport exposes it.
     */
    public boolean sharesPorts() {
        return epoll;
    }

    /** Lets this bootstrap's socket share its port with the others of the same listener (see {@link #sharesPorts}). */
    public void sharePort(AbstractBootstrap<?, ?> b) {
        if (epoll) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
    }
}
