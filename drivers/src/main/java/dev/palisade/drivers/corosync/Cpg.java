package dev.palisade.drivers.corosync;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A member of one Corosync closed process group (libcpg.so.4): messages sent to the group are delivered to every
 * member, this one included, in one total order ({@code CPG_TYPE_AGREED}), and membership changes of the group
 * come in that same order (virtual synchrony), so members that process the same deliveries reach the same
 * decisions. Callbacks run on this handle's own dispatch thread. The process must share corosync's network
 * namespace and /dev/shm.
 */
public final class Cpg implements AutoCloseable {
    /** Why a member is in a membership change's left or joined list ({@code cpg_reason_t}). */
    public enum Reason {
        UNDEFINED, JOIN, LEAVE, NODEDOWN, NODEUP, PROCDOWN;

        static Reason of(int v) {
            return v >= 0 && v < values().length ? values()[v] : UNDEFINED;
        }
    }

    /** {@code struct cpg_address}: one process of the group. */
    public record Member(int nodeId, int pid, Reason reason) {
    }

    /** What the group tells; every method runs on the dispatch thread and must not block. */
    public interface Listener {
        /** A message, with its sender; the same order at every member. */
        void deliver(int nodeId, int pid, byte[] message);

        /** The group's membership changed (left and joined say who and why). */
        void membership(List<Member> members, List<Member> left, List<Member> joined);

        /** The totem ring changed (all corosync nodes, whether or not they joined this group). */
        void ring(RingId ring, List<Integer> nodes);

        /** The connection ended (corosync stopped or restarted): the handle is finalized; open a new one. */
        void closed(String reason);
    }

    private final DispatchLoop loop;
    private final long handle;
    private final int localNodeId;
    private final int maxMessage;
    private final CorosyncNative.CpgName group;
    /** Held for the life of the handle: the library keeps the function pointers. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final CorosyncNative.CpgModelV1 model;

    private Cpg(DispatchLoop loop, long handle, int localNodeId, int maxMessage, CorosyncNative.CpgName group,
                CorosyncNative.CpgModelV1 model) {
        this.loop = loop;
        this.handle = handle;
        this.localNodeId = localNodeId;
        this.maxMessage = maxMessage;
        this.group = group;
        this.model = model;
    }

    /**
     * Connects and joins {@code groupName} (at most 128 bytes), retrying while corosync says TRY_AGAIN (it is
     * still forming its membership) until {@code deadline}; each later call waits at most {@code deadline}.
     */
    public static Cpg open(String groupName, Listener listener, Duration deadline) throws CorosyncException {
        byte[] nameBytes = groupName.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length == 0 || nameBytes.length > CorosyncNative.CPG_MAX_NAME_LENGTH) {
            throw new CorosyncException("CPG group name '" + groupName + "' must be 1 to 128 bytes");
        }
        CorosyncNative.CpgLibrary lib = CorosyncNative.cpg();
        CorosyncNative.CpgName name = new CorosyncNative.CpgName();
        name.length = nameBytes.length;
        System.arraycopy(nameBytes, 0, name.value, 0, nameBytes.length);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CorosyncNative.CpgModelV1 model = new CorosyncNative.CpgModelV1();
        model.deliver = (h, g, nodeId, pid, msg, len) -> {
            try {
                listener.deliver(nodeId, pid, len == 0 ? new byte[0] : msg.getByteArray(0, (int) len));
            } catch (RuntimeException e) {
                failed.compareAndSet(null, e);
            }
        };
        model.confchg = (h, g, members, nm, left, nl, joined, nj) -> {
            try {
                listener.membership(members(members, nm), members(left, nl), members(joined, nj));
            } catch (RuntimeException e) {
                failed.compareAndSet(null, e);
            }
        };
        model.totemConfchg = (h, ring, n, list) -> {
            try {
                listener.ring(new RingId(ring.nodeid, ring.seq), Votequorum.ids(list, n));
            } catch (RuntimeException e) {
                failed.compareAndSet(null, e);
            }
        };
        long[] handle = new long[1];
        int[] local = new int[2];
        long giveUp = System.nanoTime() + deadline.toNanos();
        DispatchLoop loop = DispatchLoop.start("cpg " + groupName, deadline, () -> {
            LongByReference h = new LongByReference();
            CorosyncException.check("cpg_model_initialize", lib.cpg_model_initialize(h, CorosyncNative.CPG_MODEL_V1,
                    model, null));
            handle[0] = h.getValue();
            IntByReference fd = new IntByReference();
            try {
                IntByReference v = new IntByReference();
                CorosyncException.check("cpg_local_get", lib.cpg_local_get(handle[0], v));
                local[0] = v.getValue();
                CorosyncException.check("cpg_max_atomic_msgsize_get", lib.cpg_max_atomic_msgsize_get(handle[0], v));
                local[1] = v.getValue();
                int rc;
                while ((rc = lib.cpg_join(handle[0], name)) == CsError.TRY_AGAIN.code()
                        && System.nanoTime() < giveUp) {
                    sleep(50);
                }
                CorosyncException.check("cpg_join(" + groupName + ")", rc);
                CorosyncException.check("cpg_fd_get", lib.cpg_fd_get(handle[0], fd));
            } catch (CorosyncException e) {
                lib.cpg_finalize(handle[0]);
                throw e;
            }
            return DispatchLoop.Session.of(fd::getValue,
                    () -> lib.cpg_dispatch(handle[0], CorosyncNative.CS_DISPATCH_ALL),
                    () -> lib.cpg_finalize(handle[0]));
        }, listener::closed, failed);
        return new Cpg(loop, handle[0], local[0], local[1], name, model);
    }

    private static List<Member> members(Pointer p, long n) {
        List<Member> out = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            long o = (long) i * CorosyncNative.CPG_ADDRESS_SIZE;
            out.add(new Member(p.getInt(o), p.getInt(o + 4), Reason.of(p.getInt(o + 8))));
        }
        return List.copyOf(out);
    }

    /** This node's corosync node id. */
    public int localNodeId() {
        return localNodeId;
    }

    /** The largest message corosync delivers whole. */
    public int maxMessage() {
        return maxMessage;
    }

    /**
     * Sends {@code message} to the group in agreed order; retries while corosync applies flow control
     * (TRY_AGAIN) until the deadline. Delivery to this member too comes back through the listener.
     */
    public void send(byte[] message) throws CorosyncException {
        if (message.length > maxMessage) {
            throw new CorosyncException("a CPG message of " + message.length + " bytes is larger than corosync's "
                    + maxMessage);
        }
        loop.call("cpg_mcast_joined", () -> {
            Memory m = new Memory(Math.max(1, message.length));
            m.write(0, message, 0, message.length);
            CorosyncNative.Iovec iov = new CorosyncNative.Iovec();
            iov.base = m;
            iov.length = message.length;
            int rc;
            int tries = 0;
            while ((rc = CorosyncNative.cpg().cpg_mcast_joined(handle, CorosyncNative.CPG_TYPE_AGREED, iov, 1))
                    == CsError.TRY_AGAIN.code() && ++tries < 40) {
                sleep(5); // flow control: the loop thread is ours, and the caller's deadline bounds the whole call
            }
            CorosyncException.check("cpg_mcast_joined", rc);
            return null;
        });
    }

    /** Whether the connection is still up (false after corosync went away or {@link #close()}). */
    public boolean open() {
        return loop.running();
    }

    /** Leaves the group (the others see this member leave, reason LEAVE) and finalizes. */
    @Override
    public void close() {
        if (loop.running()) {
            try {
                loop.call("cpg_leave", () -> {
                    CorosyncNative.cpg().cpg_leave(handle, group);
                    return null;
                });
            } catch (CorosyncException e) {
                // finalize below closes the connection either way; the others then see this process gone
            }
        }
        loop.stop();
    }

    private static void sleep(long ms) throws CorosyncException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorosyncException("interrupted");
        }
    }
}
