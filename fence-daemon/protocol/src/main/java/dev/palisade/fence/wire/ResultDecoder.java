package dev.palisade.fence.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's answer as a client reads it (docs/fence-virt-wire.md): one result byte, or 0xFD, the
 * 130-byte host entries up to the all-zero terminator and the final result byte; in the hardened scheme
 * then the 32-byte seal. Every result byte is fed to the expected seal as it is read. A list longer than
 * {@link #MAX_HOSTS} entries or an entry that does not decode ends the answer with a
 * {@link CorruptedFrameException}. Emits one {@link Reply}, and ignores whatever follows it.
 */
public final class ResultDecoder extends ByteToMessageDecoder {
    /** More entries than any hypervisor holds: a longer list is a broken or hostile gateway. */
    public static final int MAX_HOSTS = 65_536;

    /** The answer: the result code (for a list, the final byte), the hosts, and the seal when hardened. */
    public record Reply(int code, List<HostState> hosts, byte[] seal) {
    }

    private enum Step { FIRST, ENTRIES, LAST, SEAL, DONE }

    private final ResultSeal expected;
    private final List<HostState> hosts = new ArrayList<>();
    private Step step = Step.FIRST;
    private int code;

    /** {@code expected} takes the result bytes in the hardened scheme; null in the stock one. */
    public ResultDecoder(ResultSeal expected) {
        this.expected = expected;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (step) {
                case FIRST -> {
                    if (!in.isReadable()) {
                        return;
                    }
                    code = take(in, 1)[0] & 0xff;
                    step = code == ResponseCode.HOSTLIST.code() ? Step.ENTRIES : afterResult(out);
                }
                case ENTRIES -> {
                    if (in.readableBytes() < HostState.SIZE) {
                        return;
                    }
                    byte[] entry = take(in, HostState.SIZE);
                    if (HostState.isTerminator(entry)) {
                        step = Step.LAST;
                    } else if (hosts.size() >= MAX_HOSTS) {
                        throw new CorruptedFrameException("host list longer than " + MAX_HOSTS + " entries");
                    } else {
                        try {
                            hosts.add(HostState.decode(entry));
                        } catch (WireFormatException e) {
                            throw new CorruptedFrameException(e.getMessage(), e);
                        }
                    }
                }
                case LAST -> {
                    if (!in.isReadable()) {
                        return;
                    }
                    code = take(in, 1)[0] & 0xff;
                    step = afterResult(out);
                }
                case SEAL -> {
                    if (in.readableBytes() < ResultSeal.SIZE) {
                        return;
                    }
                    byte[] seal = new byte[ResultSeal.SIZE];
                    in.readBytes(seal);
                    out.add(new Reply(code, List.copyOf(hosts), seal));
                    step = Step.DONE;
                }
                case DONE -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    /** The result byte is in: the seal follows in the hardened scheme, else the answer is complete. */
    private Step afterResult(List<Object> out) {
        if (expected != null) {
            return Step.SEAL;
        }
        out.add(new Reply(code, List.copyOf(hosts), null));
        return Step.DONE;
    }

    private byte[] take(ByteBuf in, int n) {
        byte[] b = new byte[n];
        in.readBytes(b);
        if (expected != null) {
            expected.update(b, 0, n);
        }
        return b;
    }
}
