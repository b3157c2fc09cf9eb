package dev.palisade.fence.transport;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Netty settings a program must make before Netty's first class reads them: first thing in its main. Each is
 * set only when the operator has not set it ({@code -Dio.netty...}).
 *
 * <ul>
 *   <li>{@code io.netty.maxDirectMemory}: {@link Buffers#MAX_DIRECT_MEMORY} (see {@link Buffers}).</li>
 *   <li>{@code io.netty.machineId}: random. Netty only names channels with it; without it, Netty looks at
 *       every network interface for a hardware address at start-up, which costs time and warns in a network
 *       namespace that has none. A name needs no secret, so it comes from {@link ThreadLocalRandom}: a
 *       {@code SecureRandom} here cost a one-shot command about 10 ms of security-provider start.</li>
 * </ul>
 * {@link #applyForOneShot()} adds what a one-shot command wants.
 */
public final class NettyDefaults {
    private NettyDefaults() {
    }

    /**
     * {@code true} in a command that makes one exchange and exits: its buffers are not pooled ({@link Buffers})
     * and its challenges come from the operating system's generator ({@code dev.palisade.fence.auth.Randomness}).
     */
    public static final String ONE_SHOT = "palisade.oneShot";

    public static void apply() {
        setUnlessSet("io.netty.maxDirectMemory", Buffers.MAX_DIRECT_MEMORY);
        byte[] id = new byte[8];
        ThreadLocalRandom.current().nextBytes(id);
        setUnlessSet("io.netty.machineId", HexFormat.ofDelimiter(":").formatHex(id));
    }

    /**
     * As {@link #apply()}, for a command that makes one exchange and exits (fence_palisade): Netty's debug lines
     * are dropped without starting a logging framework ({@link NettyLogs}), its buffers are not pooled
     * (a pool's arenas cost more to set up than one exchange ever saves), and its few random bytes are read from
     * the operating system (see {@link #ONE_SHOT}).
     */
    public static void applyForOneShot() {
        apply();
        NettyLogs.installQuiet();
        setUnlessSet(ONE_SHOT, "true");
        // Netty's default allocator (every channel's configuration starts with it) unpooled as well
        setUnlessSet("io.netty.allocator.type", "unpooled");
    }

    private static void setUnlessSet(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
