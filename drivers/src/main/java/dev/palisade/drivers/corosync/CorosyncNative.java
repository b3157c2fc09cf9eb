package dev.palisade.drivers.corosync;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The C side of libvotequorum and libcpg (Corosync 3.1, {@code corosync/votequorum.h} and {@code corosync/cpg.h}),
 * as JNA needs it: public types, the struct layouts and the callback signatures. Only {@link Votequorum} and
 * {@link Cpg} use it. The versioned sonames are loaded ({@code libvotequorum.so.8}, {@code libcpg.so.4}): the
 * unversioned names come only with the -dev packages. Sizes checked against the headers with gcc on x86-64:
 * votequorum_info 292, votequorum_ring_id_t and cpg_ring_id 16, cpg_name 132, cpg_address 12,
 * cpg_model_v1_data_t 40 (flags at 32), struct iovec 16. {@code size_t} is mapped to {@code long} (LP64 only).
 */
public final class CorosyncNative {
    private CorosyncNative() {
    }

    static final int CS_DISPATCH_ALL = 2;
    static final int CS_TRACK_CURRENT = 0x01;
    static final int CS_TRACK_CHANGES = 0x02;
    /** {@code CPG_TYPE_AGREED}: every member delivers every message in the same total order (cpg.h). */
    static final int CPG_TYPE_AGREED = 2;
    static final int CPG_MODEL_V1 = 1;
    /** Deliver the current totem membership as a first totem_confchg right after the join. */
    static final int CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF = 0x01;
    static final int CPG_MAX_NAME_LENGTH = 128;
    static final int CPG_MEMBERS_MAX = 128;
    static final int CPG_ADDRESS_SIZE = 12;

    // ------------------------------------------------------------------ votequorum.h

    /** {@code struct votequorum_info} (292 bytes). */
    @Structure.FieldOrder({"node_id", "node_state", "node_votes", "node_expected_votes", "highest_expected",
            "total_votes", "quorum", "flags", "qdevice_votes", "qdevice_name"})
    public static class VotequorumInfo extends Structure {
        public int node_id;
        public int node_state;
        public int node_votes;
        public int node_expected_votes;
        public int highest_expected;
        public int total_votes;
        public int quorum;
        public int flags;
        public int qdevice_votes;
        public byte[] qdevice_name = new byte[255];
    }

    /** {@code votequorum_ring_id_t} and {@code struct cpg_ring_id}: {uint32 nodeid; uint64 seq;}, 16 bytes. */
    @Structure.FieldOrder({"nodeid", "seq"})
    public static class RingIdStruct extends Structure {
        public int nodeid;
        public long seq;

        /** Passed by value to the membership callbacks. */
        public static class ByValue extends RingIdStruct implements Structure.ByValue {
        }
    }

    /** {@code votequorum_quorum_notification_fn_t}; node_list is votequorum_node_t[] ({uint32 nodeid, state}). */
    public interface QuorumNotify extends Callback {
        void invoke(long handle, long context, int quorate, int nodeListEntries, Pointer nodeList);
    }

    /** {@code votequorum_expectedvotes_notification_fn_t}. */
    public interface ExpectedVotesNotify extends Callback {
        void invoke(long handle, long context, int expectedVotes);
    }

    /** {@code votequorum_nodelist_notification_fn_t}: the ring id by value, then uint32 node ids. */
    public interface NodeListNotify extends Callback {
        void invoke(long handle, long context, RingIdStruct.ByValue ringId, int nodeListEntries, Pointer nodeList);
    }

    /** {@code votequorum_callbacks_t}. */
    @Structure.FieldOrder({"quorum", "expectedVotes", "nodeList"})
    public static class VotequorumCallbacks extends Structure {
        public QuorumNotify quorum;
        public ExpectedVotesNotify expectedVotes;
        public NodeListNotify nodeList;
    }

    public interface VotequorumLibrary extends Library {
        int votequorum_initialize(LongByReference handle, VotequorumCallbacks callbacks);

        int votequorum_finalize(long handle);

        int votequorum_dispatch(long handle, int dispatchTypes);

        int votequorum_fd_get(long handle, IntByReference fd);

        int votequorum_getinfo(long handle, int nodeId, VotequorumInfo info);

        int votequorum_trackstart(long handle, long context, int flags);
    }

    // ------------------------------------------------------------------ cpg.h

    /** {@code void (*)(handle, const struct cpg_name *, uint32 nodeid, uint32 pid, void *msg, size_t len)}. */
    public interface CpgDeliver extends Callback {
        void invoke(long handle, Pointer groupName, int nodeId, int pid, Pointer msg, long msgLen);
    }

    /** {@code void (*)(handle, group, members, n, left, n, joined, n)} with {@code struct cpg_address} arrays. */
    public interface CpgConfchg extends Callback {
        void invoke(long handle, Pointer groupName, Pointer members, long memberCount, Pointer left, long leftCount,
                    Pointer joined, long joinedCount);
    }

    /** {@code void (*)(handle, struct cpg_ring_id ring_id, uint32 n, const uint32 *member_list)}. */
    public interface CpgTotemConfchg extends Callback {
        void invoke(long handle, RingIdStruct.ByValue ringId, int memberCount, Pointer members);
    }

    /** {@code cpg_model_v1_data_t} (40 bytes: the model, three function pointers, flags). */
    @Structure.FieldOrder({"model", "deliver", "confchg", "totemConfchg", "flags"})
    public static class CpgModelV1 extends Structure {
        public int model = CPG_MODEL_V1;
        public CpgDeliver deliver;
        public CpgConfchg confchg;
        public CpgTotemConfchg totemConfchg;
        public int flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF;
    }

    /** {@code struct cpg_name} (132 bytes). */
    @Structure.FieldOrder({"length", "value"})
    public static class CpgName extends Structure {
        public int length;
        public byte[] value = new byte[CPG_MAX_NAME_LENGTH];
    }

    /** {@code struct iovec}. */
    @Structure.FieldOrder({"base", "length"})
    public static class Iovec extends Structure {
        public Pointer base;
        public long length;
    }

    public interface CpgLibrary extends Library {
        int cpg_model_initialize(LongByReference handle, int model, CpgModelV1 modelData, Pointer context);

        int cpg_finalize(long handle);

        int cpg_fd_get(long handle, IntByReference fd);

        int cpg_dispatch(long handle, int dispatchTypes);

        int cpg_join(long handle, CpgName group);

        int cpg_leave(long handle, CpgName group);

        int cpg_mcast_joined(long handle, int guarantee, Iovec iovec, int iovLen);

        int cpg_local_get(long handle, IntByReference nodeId);

        int cpg_max_atomic_msgsize_get(long handle, IntByReference size);
    }

    private static volatile VotequorumLibrary votequorum;
    private static volatile CpgLibrary cpg;

    static VotequorumLibrary votequorum() throws CorosyncException {
        if (votequorum == null) {
            votequorum = load("libvotequorum.so.8", VotequorumLibrary.class);
        }
        return votequorum;
    }

    static CpgLibrary cpg() throws CorosyncException {
        if (cpg == null) {
            cpg = load("libcpg.so.4", CpgLibrary.class);
        }
        return cpg;
    }

    private static <T extends Library> T load(String soname, Class<T> type) throws CorosyncException {
        try {
            return Native.load(soname, type);
        } catch (UnsatisfiedLinkError e) {
            throw new CorosyncException(soname + " cannot be loaded (" + e.getMessage()
                    + "); install Corosync's client libraries: apt-get install corosync");
        }
    }
}
