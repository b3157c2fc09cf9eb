package dev.palisade.drivers.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What keeps a heartbeat on time on a busy machine, as Heartbeat and Corosync do it: the threads on the
 * heartbeat path run with a real-time scheduling policy ({@code SCHED_FIFO}, with {@code SCHED_RESET_ON_FORK} so
 * programs the supervisor starts do not inherit it), and the process's memory is locked ({@code mlockall}) so a
 * page fault never stalls it. Both need privileges (root, or CAP_SYS_NICE and CAP_IPC_LOCK with RLIMIT_RTPRIO and
 * RLIMIT_MEMLOCK raised, which the systemd unit grants); without them each call says why and changes nothing.
 * Memory is locked only when the lock limit is unlimited: with a limit, MCL_FUTURE would make the JVM's later
 * allocations fail.
 */
public final class Realtime {
    private static final int SCHED_FIFO = 1;
    private static final int SCHED_RESET_ON_FORK = 0x40000000;
    private static final int MCL_CURRENT = 1;
    private static final int MCL_FUTURE = 2;
    private static final int RLIMIT_MEMLOCK = 8;
    private static final long RLIM_INFINITY = -1L;

    private static final class C {
        static {
            Native.register(C.class, "c");
        }

        static native int sched_setscheduler(int pid, int policy, byte[] param) throws LastErrorException;

        static native int mlockall(int flags) throws LastErrorException;

        static native int getrlimit(int resource, byte[] rlim) throws LastErrorException;
    }

    private Realtime() {
    }

    /**
     * Gives the calling thread SCHED_FIFO at {@code priority} (1-99; the heartbeat path uses a low one, above
     * every normal thread). Returns what happened, for the log.
     */
    public static String thisThread(int priority) {
        byte[] param = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(priority).array();
        try {
            C.sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, param);
            return "SCHED_FIFO " + priority;
        } catch (LastErrorException e) {
            return "normal scheduling (SCHED_FIFO refused: errno " + e.getErrorCode()
                    + (e.getErrorCode() == 1 ? ", needs CAP_SYS_NICE and LimitRTPRIO" : "") + ")";
        } catch (UnsatisfiedLinkError e) {
            return "normal scheduling (" + e.getMessage() + ")";
        }
    }

    /** Locks the process's memory now and for the future when the lock limit allows all of it; returns what happened. */
    public static String lockMemory() {
        try {
            byte[] rlim = new byte[16];
            C.getrlimit(RLIMIT_MEMLOCK, rlim);
            long soft = ByteBuffer.wrap(rlim).order(ByteOrder.nativeOrder()).getLong(0);
            if (soft != RLIM_INFINITY) {
                return "memory not locked (RLIMIT_MEMLOCK is " + soft + " bytes; LimitMEMLOCK=infinity allows it)";
            }
            C.mlockall(MCL_CURRENT | MCL_FUTURE);
            return "memory locked";
        } catch (LastErrorException e) {
            return "memory not locked (mlockall: errno " + e.getErrorCode() + ")";
        } catch (UnsatisfiedLinkError e) {
            return "memory not locked (" + e.getMessage() + ")";
        }
    }
}
