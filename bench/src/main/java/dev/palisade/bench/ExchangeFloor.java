package dev.palisade.bench;

import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.auth.LegacyAuth;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.HashType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The floor of the fence_virt TCP exchange on this machine: a server that does only what the protocol
 * forces on every server (accept, read the request, answer the client's challenge with the key, send its
 * own, read the answer, send one result byte, close) and nothing a real gateway must: no signature check,
 * no verification of the answer, no hypervisor, no logging, no deadlines. Not a product; the benchmark runs
 * it next to fence_virtd and the gateway to show how much of a request's cost is the kernel's TCP work that
 * no server can avoid.
 *
 * <p>Usage: ExchangeFloor KEY_FILE ADDRESS PORT
 */
public final class ExchangeFloor {
    private ExchangeFloor() {
    }

    public static void main(String[] args) throws Exception {
        FenceKey key = FenceKey.load(Path.of(args[0]));
        InetSocketAddress at = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        int loops = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < loops; i++) {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            server.bind(at, 128);
            server.configureBlocking(false);
            Thread t = new Thread(() -> serve(server, key), "floor-" + i);
            t.start();
        }
    }

    /** One connection's progress: reading the request and challenge, then the answer to ours. */
    private static final class Conn {
        ByteBuffer in = ByteBuffer.allocate(FenceRequest.SIZE + LegacyAuth.CHALLENGE_SIZE);
        boolean answered;
    }

    private static void serve(ServerSocketChannel server, FenceKey key) {
        try (Selector sel = Selector.open()) {
            SelectionKey acceptKey = server.register(sel, SelectionKey.OP_ACCEPT);
            byte[] ours = LegacyAuth.newChallenge();
            while (true) {
                sel.select();
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k == acceptKey) {
                        SocketChannel ch;
                        while ((ch = server.accept()) != null) {
                            ch.configureBlocking(false);
                            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            ch.register(sel, SelectionKey.OP_READ, new Conn());
                        }
                        continue;
                    }
                    SocketChannel ch = (SocketChannel) k.channel();
                    Conn c = (Conn) k.attachment();
                    try {
                        if (ch.read(c.in) < 0) {
                            ch.close();
                            continue;
                        }
                        if (c.in.hasRemaining()) {
                            continue;
                        }
                        if (!c.answered) {
                            byte[] challenge = new byte[LegacyAuth.CHALLENGE_SIZE];
                            c.in.position(FenceRequest.SIZE);
                            c.in.get(challenge);
                            ByteBuffer out = ByteBuffer.allocate(2 * LegacyAuth.CHALLENGE_SIZE);
                            out.put(LegacyAuth.response(HashType.SHA256, key, challenge)).put(ours).flip();
                            ch.write(out);
                            c.answered = true;
                            c.in = ByteBuffer.allocate(LegacyAuth.CHALLENGE_SIZE);
                        } else {
                            ch.write(ByteBuffer.wrap(new byte[] {0}));
                            ch.close();
                        }
                    } catch (IOException e) {
                        ch.close();
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
