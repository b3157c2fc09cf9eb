package dev.palisade.supervisor.failover;

import dev.palisade.drivers.storage.DrbdState;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A model of DRBD 8.4 for the pair, with what loses data in the field: each node's disk holds a set of writes
 * (write ids); the states DRBD derives from its meta-data at attach (drbd_nl.c drbd_adm_attach: Consistent
 * unless the peer was marked Outdated, then UpToDate); the handshake on connect (the disk that holds everything
 * the other holds is the sync source; disks that both wrote alone are a split brain); {@code fencing
 * resource-and-stonith} (a Primary that loses its peer freezes I/O and calls the fence-peer handler; exit codes
 * as conn_try_outdate_peer reads them); promotion rules (drbd_set_role: an UpToDate disk whose peer is not known
 * Outdated and a Consistent one call the handler; 3, 4 and 7 make a Consistent disk UpToDate); and the writes the
 * application gets acknowledged. The simulation reports when a promotion takes a disk that lacks an acknowledged
 * write, and when both disks wrote alone.
 */
final class SimDrbd {
    static final String RESOURCE = "r0";

    /** What the world needs from the simulation: time, scheduling, the handlers, and violations. */
    interface World {
        long now();

        void at(long t, Runnable r);

        /** DRBD calls node {@code n}'s fence-peer handler (asynchronously); {@code exit} hears its exit code. */
        void fencePeerHandler(int n, IntConsumer exit);

        /** The same, synchronously, during a promotion (drbdadm primary waits for it). */
        int fencePeerHandlerNow(int n);

        void violation(String what);

        void log(String what);

        java.util.Random random();
    }

    static final class Disk {
        final BitSet data = new BitSet();
        boolean attached;
        String disk = "Diskless";
        String pdsk = "DUnknown";
        boolean primary;
        boolean frozen;
        /** Meta-data flags (drbd.h MDF_CONSISTENT, MDF_WAS_UP_TO_DATE, MDF_PEER_OUT_DATED). */
        boolean mdConsistent = true;
        boolean mdWasUpToDate = true;
        boolean mdPeerOutdated;
        /** Bumped at every attach and connection change: a handler's late answer for an older one is ignored. */
        int session;
    }

    private final World world;
    final Disk[] disks = {new Disk(), new Disk()};
    final BitSet acknowledged = new BitSet();
    boolean replicationUp = true;
    boolean connected;
    boolean standAlone;
    int syncTarget = -1;
    private int nextWrite;
    int promotions;

    SimDrbd(World world) {
        this.world = world;
    }

    private static int rank(String disk) {
        return switch (disk) {
            case "Diskless" -> 0;
            case "Inconsistent" -> 4;
            case "Outdated" -> 5;
            case "DUnknown" -> 6;
            case "Consistent" -> 7;
            case "UpToDate" -> 8;
            default -> throw new IllegalArgumentException(disk);
        };
    }

    /** DRBD writes its meta-data flags on every state change (drbd_state.c). */
    private static void writeMd(Disk d) {
        if (!d.attached) {
            return;
        }
        d.mdConsistent = rank(d.disk) > rank("Inconsistent");
        d.mdWasUpToDate = rank(d.disk) > rank("Outdated");
        d.mdPeerOutdated = d.pdsk.equals("Outdated") || d.pdsk.equals("Inconsistent");
    }

    /** At boot, before the supervisor starts: the disk's state from its meta-data. */
    void attach(int n) {
        Disk d = disks[n];
        d.attached = true;
        d.session++;
        d.primary = false;
        d.frozen = false;
        d.disk = !d.mdConsistent ? "Inconsistent" : d.mdWasUpToDate ? "Consistent" : "Outdated";
        d.pdsk = d.mdPeerOutdated ? "Outdated" : "DUnknown";
        if (d.disk.equals("Consistent") && d.pdsk.equals("Outdated")) {
            d.disk = "UpToDate";
        }
        world.log("drbd " + n + " attached: " + d.disk + ", peer " + d.pdsk);
        maybeConnect();
    }

    /** Power lost: the disk keeps its data and meta-data; everything else is gone. */
    void detach(int n) {
        Disk d = disks[n];
        if (!d.attached) {
            return;
        }
        d.attached = false;
        d.session++;
        d.primary = false;
        d.frozen = false;
        d.disk = "Diskless";
        if (connected) {
            lost();
        }
    }

    void replication(boolean up) {
        replicationUp = up;
        if (!up && connected) {
            lost();
        } else if (up) {
            maybeConnect();
        }
    }

    private void lost() {
        connected = false;
        if (syncTarget >= 0) {
            world.log("drbd: resync to " + syncTarget + " interrupted; it stays Inconsistent");
            syncTarget = -1;
        }
        for (int n = 0; n < 2; n++) {
            Disk d = disks[n];
            if (!d.attached) {
                continue;
            }
            d.session++;
            if (rank(d.pdsk) > rank("Outdated")) {
                d.pdsk = "DUnknown"; // a peer known Outdated or Inconsistent stays so (it cannot be promoted)
            }
            writeMd(d);
            if (d.primary && rank(d.pdsk) > rank("Outdated")) {
                d.frozen = true; // resource-and-stonith: freeze I/O and call the handler (drbd_receiver.c conn_disconnect)
                int node = n;
                int session = d.session;
                world.log("drbd " + n + ": peer lost while Primary: I/O frozen, fence-peer handler called");
                world.fencePeerHandler(n, exit -> handlerAnswered(node, session, exit));
            }
        }
    }

    /** conn_try_outdate_peer's reading of the handler's exit code, for a Primary that lost its peer. */
    private void handlerAnswered(int n, int session, int exit) {
        Disk d = disks[n];
        if (d.session != session || connected || !d.attached) {
            world.log("drbd " + n + ": ignoring fence-peer exit code " + exit + " (the connection changed meanwhile)");
            return;
        }
        switch (exit) {
            case 3 -> d.pdsk = "Inconsistent";
            case 4, 7 -> d.pdsk = "Outdated";
            case 5 -> {
                if (d.disk.equals("UpToDate")) {
                    d.pdsk = "Outdated"; // "peer is unreachable, assumed to be dead"
                }
            }
            default -> {
                world.log("drbd " + n + ": fence-peer helper broken, returned " + exit + ": I/O stays frozen");
                return;
            }
        }
        writeMd(d);
        if (rank(d.pdsk) <= rank("Outdated")) {
            d.frozen = false;
            world.log("drbd " + n + ": fence-peer returned " + exit + ": peer " + d.pdsk + ", I/O resumed");
        }
    }

    private void maybeConnect() {
        if (connected || standAlone || !replicationUp || !disks[0].attached || !disks[1].attached) {
            return;
        }
        Disk a = disks[0];
        Disk b = disks[1];
        int source;
        boolean aCoversB = covers(a.data, b.data);
        boolean bCoversA = covers(b.data, a.data);
        if (a.disk.equals("Inconsistent") != b.disk.equals("Inconsistent")) {
            source = a.disk.equals("Inconsistent") ? 1 : 0; // "Becoming sync source due to disk states"
            if (!covers(disks[source].data, disks[1 - source].data) && !disks[1 - source].data.isEmpty()) {
                int target = 1 - source;
                BitSet missing = (BitSet) disks[target].data.clone();
                missing.andNot(disks[source].data);
                missing.and(acknowledged);
                if (!missing.isEmpty()) {
                    world.violation("drbd: the Inconsistent disk of node " + target + " held acknowledged writes "
                            + missing + " its sync source lacks");
                }
            }
        } else if (a.disk.equals("Inconsistent")) {
            world.log("drbd: both disks Inconsistent: no sync source; staying disconnected");
            return;
        } else if (aCoversB && bCoversA) {
            source = -1;
        } else if (aCoversB) {
            source = 0;
        } else if (bCoversA) {
            source = 1;
        } else {
            standAlone = true;
            world.violation("drbd: split brain: both disks wrote alone (node 0 " + only(a.data, b.data) + ", node 1 "
                    + only(b.data, a.data) + ")");
            return;
        }
        if (source >= 0 && disks[1 - source].primary) {
            standAlone = true;
            world.violation("drbd: node " + (1 - source) + " is Primary with a disk older than node " + source + "'s");
            return;
        }
        connected = true;
        for (Disk d : disks) {
            d.session++;
            if (d.frozen) {
                d.frozen = false; // the connection is back: requests are resent, I/O resumes
            }
        }
        if (source < 0) {
            a.disk = "UpToDate";
            b.disk = "UpToDate";
            a.pdsk = "UpToDate";
            b.pdsk = "UpToDate";
            writeMd(a);
            writeMd(b);
            world.log("drbd connected: disks equal, both UpToDate");
            return;
        }
        int target = 1 - source;
        disks[source].disk = "UpToDate";
        disks[source].pdsk = "Inconsistent";
        disks[target].disk = "Inconsistent";
        disks[target].pdsk = "UpToDate";
        writeMd(disks[source]);
        writeMd(disks[target]);
        syncTarget = target;
        long took = 200 + world.random().nextInt(1500);
        world.log("drbd connected: node " + source + " is the sync source, node " + target + " resyncs for " + took
                + " ms");
        int s0 = disks[0].session;
        int s1 = disks[1].session;
        world.at(world.now() + took, () -> {
            if (connected && syncTarget == target && disks[0].session == s0 && disks[1].session == s1) {
                disks[target].data.clear();
                disks[target].data.or(disks[source].data);
                disks[target].disk = "UpToDate";
                disks[source].pdsk = "UpToDate";
                writeMd(disks[target]);
                writeMd(disks[source]);
                syncTarget = -1;
                world.log("drbd: resync done, both UpToDate");
            }
        });
    }

    private static boolean covers(BitSet big, BitSet small) {
        BitSet s = (BitSet) small.clone();
        s.andNot(big);
        return s.isEmpty();
    }

    private static BitSet only(BitSet x, BitSet y) {
        BitSet s = (BitSet) x.clone();
        s.andNot(y);
        return s;
    }

    // ---- what drbdsetup and drbdadm do, as the production DrbdResource sees them

    DrbdState state(int n) throws IOException {
        Disk d = disks[n];
        if (!d.attached) {
            throw new IOException("'r0' not defined in your config (for this host).");
        }
        return new DrbdState(RESOURCE, d.primary ? "Primary" : "Secondary", d.frozen ? "fencing" : "no",
                List.of(d.disk), List.of(connected ? "Connected" : "Connecting"), List.of(d.pdsk));
    }

    /** drbd_set_role, as drbdadm primary [--force] runs it. */
    void primary(int n, boolean force) throws IOException {
        Disk d = disks[n];
        Disk peer = disks[1 - n];
        if (!d.attached) {
            throw new IOException("'r0' not defined");
        }
        if (d.primary) {
            return;
        }
        if (connected) {
            if (peer.primary) {
                throw new IOException("0: State change failed: (-1) Multiple primaries not allowed by config");
            }
            if (!d.disk.equals("UpToDate")) {
                if (!force) {
                    throw new IOException("0: State change failed: (-2) Need access to UpToDate data");
                }
                d.disk = "UpToDate";
            }
            promoted(n, force);
            return;
        }
        if (force) {
            if (rank(d.disk) < rank("Inconsistent")) {
                throw new IOException("0: State change failed: (-2) Need access to UpToDate data");
            }
            if (rank(d.pdsk) > rank("Outdated")) {
                int exit = world.fencePeerHandlerNow(n);
                d.pdsk = exit == 3 ? "Inconsistent" : "Outdated"; // "Forced into split brain situation!" otherwise
            }
            d.disk = "UpToDate";
            writeMd(d);
            promoted(n, true);
            return;
        }
        if (d.disk.equals("UpToDate") && rank(d.pdsk) > rank("Outdated")) {
            int exit = world.fencePeerHandlerNow(n);
            if (exit != 3 && exit != 4 && exit != 5 && exit != 7) {
                throw new IOException("0: State change failed: (-7) Refusing to be Primary while peer is not outdated");
            }
            d.pdsk = exit == 3 ? "Inconsistent" : "Outdated";
        } else if (d.disk.equals("Consistent") && rank(d.pdsk) > rank("Outdated")) {
            int exit = world.fencePeerHandlerNow(n);
            if (exit != 3 && exit != 4 && exit != 7) {
                throw new IOException("0: State change failed: (-2) Need access to UpToDate data");
            }
            d.pdsk = exit == 3 ? "Inconsistent" : "Outdated";
            d.disk = "UpToDate"; // the handler said the peer cannot hold newer data
        } else if (!d.disk.equals("UpToDate")) {
            throw new IOException("0: State change failed: (-2) Need access to UpToDate data");
        }
        writeMd(d);
        promoted(n, false);
    }

    private void promoted(int n, boolean forced) {
        promotions++;
        Disk d = disks[n];
        d.primary = true;
        BitSet missing = (BitSet) acknowledged.clone();
        missing.andNot(d.data);
        world.log("drbd " + n + " Primary" + (forced ? " (forced)" : "") + " with " + d.data.cardinality() + " writes");
        if (!missing.isEmpty()) {
            world.violation("drbd: node " + n + " promoted a disk that lacks acknowledged writes " + first(missing)
                    + (forced ? " (forced)" : ""));
        }
    }

    private static String first(BitSet s) {
        return s.cardinality() <= 5 ? s.toString() : s.cardinality() + " writes from " + s.nextSetBit(0);
    }

    void secondary(int n) throws IOException {
        Disk d = disks[n];
        if (!d.attached) {
            throw new IOException("'r0' not defined");
        }
        d.primary = false;
    }

    /** Node {@code n} takes a write (the application, through MariaDB on the mounted disk); true when acknowledged. */
    boolean write(int n) {
        Disk d = disks[n];
        if (!d.attached || !d.primary || d.frozen) {
            return false;
        }
        int id = ++nextWrite;
        d.data.set(id);
        if (connected) {
            disks[1 - n].data.set(id); // protocol C: acknowledged once both disks have it
        }
        acknowledged.set(id);
        return true;
    }

    /** The acknowledged writes the disk of node {@code n} lacks. */
    BitSet missingOn(int n) {
        BitSet missing = (BitSet) acknowledged.clone();
        missing.andNot(disks[n].data);
        return missing;
    }
}
