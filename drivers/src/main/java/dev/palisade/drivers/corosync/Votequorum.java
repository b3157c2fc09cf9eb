package dev.palisade.drivers.corosync;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client of Corosync's votequorum service (libvotequorum.so.8): whether this node's partition is quorate,
 * which nodes are members, and the totem ring. Opening starts tracking (current state, then every change), so
 * the listener hears the state at once and then each change, on this handle's own dispatch thread. The
 * process must share corosync's network namespace (libqb's abstract Unix socket) and its /dev/shm (libqb's
 * shared-memory rings).
 */
public final class Votequorum implements AutoCloseable {
    /** {@code VOTEQUORUM_INFO_QUORATE} in votequorum_info.flags. */
    public static final int INFO_QUORATE = 2;
    /** {@code VOTEQUORUM_INFO_WAIT_FOR_ALL}. */
    public static final int INFO_WAIT_FOR_ALL = 4;
    /** {@code VOTEQUORUM_INFO_QDEVICE_REGISTERED}. */
    public static final int INFO_QDEVICE_REGISTERED = 64;

    /** A node's state in a quorum notification ({@code VOTEQUORUM_NODESTATE_*}). */
    public enum NodeState {
        MEMBER, DEAD, LEAVING, UNKNOWN;

        static NodeState of(int v) {
            return switch (v) {
                case 1 -> MEMBER;
                case 2 -> DEAD;
                case 3 -> LEAVING;
                default -> UNKNOWN;
            };
        }
    }

    public record Node(int nodeId, NodeState state) {
    }

    /** {@code struct votequorum_info} of one node. */
    public record Info(int nodeId, NodeState state, int votes, int expectedVotes, int highestExpected, int totalVotes,
                       int quorum, int flags, int qdeviceVotes, String qdeviceName) {
        public boolean quorate() {
            return (flags & INFO_QUORATE) != 0;
        }
    }

    /** What the service tells; every method runs on the dispatch thread and must not block. */
    public interface Listener {
        void quorum(boolean quorate, List<Node> nodes);

        void nodeList(RingId ring, List<Integer> members);

        /** The connection ended (corosync stopped or restarted): the handle is finalized; open a new one. */
        void closed(String reason);
    }

    private final DispatchLoop loop;
    private final long handle;
    /** Held for the life of the handle: the library keeps the function pointers, JNA frees a trampoline once its Callback is collected. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final CorosyncNative.VotequorumCallbacks callbacks;

    private Votequorum(DispatchLoop loop, long handle, CorosyncNative.VotequorumCallbacks callbacks) {
        this.loop = loop;
        this.handle = handle;
        this.callbacks = callbacks;
    }

    /** Connects, starts tracking, and returns once connected; each later call waits at most {@code deadline}. */
    public static Votequorum open(Listener listener, Duration deadline) throws CorosyncException {
        CorosyncNative.VotequorumLibrary lib = CorosyncNative.votequorum();
        CorosyncNative.VotequorumCallbacks cb = new CorosyncNative.VotequorumCallbacks();
        long[] handle = new long[1];
        AtomicReference<Throwable> failed = new AtomicReference<>();
        cb.quorum = (h, ctx, quorate, n, list) -> {
            try {
                List<Node> nodes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    nodes.add(new Node(list.getInt(i * 8L), NodeState.of(list.getInt(i * 8L + 4))));
                }
                listener.quorum(quorate != 0, List.copyOf(nodes));
            } catch (RuntimeException e) {
                failed.compareAndSet(null, e);
            }
        };
        cb.nodeList = (h, ctx, ring, n, list) -> {
            try {
                listener.nodeList(new RingId(ring.nodeid, ring.seq), ids(list, n));
            } catch (RuntimeException e) {
                failed.compareAndSet(null, e);
            }
        };
        cb.expectedVotes = (h, ctx, expected) -> {
            // expected votes are read with info() when wanted; the change itself needs no action
        };
        DispatchLoop loop = DispatchLoop.start("votequorum", deadline, () -> {
            LongByReference h = new LongByReference();
            CorosyncException.check("votequorum_initialize", lib.votequorum_initialize(h, cb));
            handle[0] = h.getValue();
            IntByReference fd = new IntByReference();
            try {
                CorosyncException.check("votequorum_trackstart", lib.votequorum_trackstart(handle[0], 0,
                        CorosyncNative.CS_TRACK_CURRENT | CorosyncNative.CS_TRACK_CHANGES));
                CorosyncException.check("votequorum_fd_get", lib.votequorum_fd_get(handle[0], fd));
            } catch (CorosyncException e) {
                lib.votequorum_finalize(handle[0]);
                throw e;
            }
            return DispatchLoop.Session.of(fd::getValue,
                    () -> lib.votequorum_dispatch(handle[0], CorosyncNative.CS_DISPATCH_ALL),
                    () -> lib.votequorum_finalize(handle[0]));
        }, listener::closed, failed);
        return new Votequorum(loop, handle[0], cb);
    }

    static List<Integer> ids(Pointer list, int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(list.getInt(i * 4L));
        }
        return List.copyOf(out);
    }

    /** {@code votequorum_getinfo}: node {@code nodeId}, or this node when 0. */
    public Info info(int nodeId) throws CorosyncException {
        return loop.call("votequorum_getinfo", () -> {
            CorosyncNative.VotequorumInfo i = new CorosyncNative.VotequorumInfo();
            CorosyncException.check("votequorum_getinfo(" + nodeId + ")",
                    CorosyncNative.votequorum().votequorum_getinfo(handle, nodeId, i));
            int len = 0;
            while (len < i.qdevice_name.length && i.qdevice_name[len] != 0) {
                len++;
            }
            return new Info(i.node_id, NodeState.of(i.node_state), i.node_votes, i.node_expected_votes,
                    i.highest_expected, i.total_votes, i.quorum, i.flags, i.qdevice_votes,
                    new String(i.qdevice_name, 0, len, StandardCharsets.UTF_8));
        });
    }

    /** Whether the connection is still up (false after corosync went away or {@link #close()}). */
    public boolean open() {
        return loop.running();
    }

    @Override
    public void close() {
        loop.stop();
    }
}
