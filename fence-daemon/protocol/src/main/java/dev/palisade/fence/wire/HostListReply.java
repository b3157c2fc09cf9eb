package dev.palisade.fence.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import java.util.List;

/**
 * The host-list reply (docs/fence-virt-wire.md), produced a slice at a time so that a list of any length
 * goes out without being held whole and at the pace the client reads it:
 *
 * <pre>
 *   0xFD (ResponseCode.HOSTLIST)
 *   N x host_state_t (130 bytes each, zero-filled)
 *   one all-zero host_state_t (the terminator)
 *   the result byte (0)
 *   [hardened: the 32-byte seal over all of the above]
 * </pre>
 */
public final class HostListReply implements ChunkedInput<ByteBuf> {
    /** Entries per slice: about 16 KiB, the gateway's per-connection write high-water mark. */
    public static final int ENTRIES_PER_SLICE = 126;

    private final List<HostState> hosts;
    private final ResultSeal seal;
    private final long length;
    private int next;
    private boolean headerSent;
    private boolean ended;
    private long progress;

    /** A reply listing {@code hosts}; {@code seal} is null in the stock protocol. */
    public HostListReply(List<HostState> hosts, ResultSeal seal) {
        this.hosts = List.copyOf(hosts);
        this.seal = seal;
        this.length = 1 + (long) (hosts.size() + 1) * HostState.SIZE + 1 + (seal == null ? 0 : ResultSeal.SIZE);
    }

    @Override
    public boolean isEndOfInput() {
        return ended;
    }

    @Override
    public void close() {
        ended = true;
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator alloc) {
        if (ended) {
            return null;
        }
        int entries = Math.min(ENTRIES_PER_SLICE, hosts.size() - next);
        boolean last = next + entries == hosts.size();
        int size = (headerSent ? 0 : 1) + entries * HostState.SIZE
                + (last ? HostState.SIZE + 1 + (seal == null ? 0 : ResultSeal.SIZE) : 0);
        ByteBuf out = alloc.buffer(size);
        int start = out.writerIndex();
        if (!headerSent) {
            out.writeByte(ResponseCode.HOSTLIST.code());
            headerSent = true;
        }
        for (int i = 0; i < entries; i++) {
            hosts.get(next++).encodeTo(out);
        }
        if (last) {
            out.writeZero(HostState.SIZE);
            out.writeByte(ResponseCode.SUCCESS.code());
        }
        if (seal != null) {
            int n = out.writerIndex() - start;
            if (out.hasArray()) {
                seal.update(out.array(), out.arrayOffset() + start, n);
            } else {
                byte[] copy = new byte[n];
                out.getBytes(start, copy);
                seal.update(copy, 0, n);
            }
            if (last) {
                out.writeBytes(seal.finish());
            }
        }
        ended = last;
        progress += out.readableBytes();
        return out;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return progress;
    }
}
