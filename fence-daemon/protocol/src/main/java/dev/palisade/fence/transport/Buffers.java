package dev.palisade.fence.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Netty's pooled allocator sized for an appliance instead of a server farm. The defaults give every core two
 * arenas of 4 MiB chunks and let direct memory grow to the heap's size; a fence gateway moves a few hundred
 * bytes per request and at most a 64 KiB slice of a host list per connection at a time, so:
 *
 * <ul>
 *   <li>direct buffers only (the sockets read and write them without a copy), heap buffers unpooled;</li>
 *   <li>one arena per event loop (they never contend), {@link #LOOPS} in all;</li>
 *   <li>8 KiB pages and 1 MiB chunks (page size shifted by maxOrder 7), so an idle gateway holds one chunk
 *       per arena;</li>
 *   <li>caches only on the event-loop threads, which do all the I/O;</li>
 *   <li>direct memory capped at {@link #MAX_DIRECT_MEMORY} ({@code io.netty.maxDirectMemory}, set by
 *       {@link NettyDefaults#apply()} before Netty reads it, unless the operator set it).</li>
 * </ul>
 */
public final class Buffers {
    /** Event loops of a process: one per core, at most 4 (beyond that the kernel's TCP work dominates). */
    public static final int LOOPS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /**
     * The direct-memory cap: room for every connection a listener admits ({@code 1024}) holding a host-list
     * slice in flight ({@link #WRITE_HIGH_WATER} plus a slice), beyond what a gateway ever needs.
     */
    public static final String MAX_DIRECT_MEMORY = String.valueOf(32 << 20);
    /** Pending output per connection past which a host list waits for the peer to read (bytes). */
    public static final int WRITE_HIGH_WATER = 16 << 10;
    public static final int WRITE_LOW_WATER = 8 << 10;
    private static final int PAGE_SIZE = 8192;
    private static final int MAX_ORDER = 7;

    private Buffers() {
    }

    public static ByteBufAllocator allocator() {
        return Holder.ALLOCATOR;
    }

    /** Made on first use, so that {@link NettyDefaults#apply()} can run before Netty reads its settings. */
    private static final class Holder {
        static final ByteBufAllocator ALLOCATOR = Boolean.getBoolean(NettyDefaults.ONE_SHOT) ? new UnpooledByteBufAllocator(true)
                : new PooledByteBufAllocator(true, 0, LOOPS, PAGE_SIZE, MAX_ORDER, 64, 16, false);
    }
}
