package dev.palisade.fence.transport;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Netty settings a program must make before Netty's first class reads them: first thing in its main. Each is
 * set only when the operator has not set it ({@code -Dio.netty...}).
 *
 * <ul>
 *   <li>{@code io.netty.maxDirectMemory}: {@link Buffers#MAX_DIRECT_MEMORY} (see {@link Buffers}).</li>
 *   <li>{@code io.netty.machineId}: random. Netty only names channels with it; without it, Netty looks at
 *       every network interface for a hardware address at start-up, which costs time and warns in a network
 *       namespace that has none.</li>
 * </ul>
 * {@link #applyForOneShot()} adds what a one-shot command wants.
 */
public final class NettyDefaults {
    private NettyDefaults() {
    }

    public static void apply() {
        setUnlessSet("io.netty.maxDirectMemory", Buffers.MAX_DIRECT_MEMORY);
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        setUnlessSet("io.netty.machineId", HexFormat.ofDelimiter(":").formatHex(id));
    }

    /**
     * As {@link #apply()}, for a command that makes one exchange and exits (fence_palisade): Netty's debug lines
     * are dropped without starting a logging framework ({@link QuietNettyLogs}), and its buffers are not pooled
     * (a pool's arenas cost more to set up than one exchange ever saves).
     */
    public static void applyForOneShot() {
        apply();
        QuietNettyLogs.install();
        setUnlessSet(Buffers.ONE_SHOT, "true");
    }

    private static void setUnlessSet(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
