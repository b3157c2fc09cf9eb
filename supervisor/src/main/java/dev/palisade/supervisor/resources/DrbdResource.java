package dev.palisade.supervisor.resources;

import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.drivers.storage.DrbdState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * {@code drbd::RESOURCE} (and Heartbeat's {@code drbddisk::RESOURCE}): this node's role of a DRBD resource.
 * Start promotes it, and only an UpToDate local disk: a disk that is only Consistent may be older than writes
 * the peer acknowledged (after a site power loss the node that was behind can boot first; fencing the peer,
 * already off, proves nothing about whose data is newer), so its start is refused ({@link StartRefusedException})
 * until DRBD knows better (the peer connects and the newer disk wins) or an operator runs
 * {@code palisade ctl promote-consistent --yes-i-may-lose-data}, which forces it once. Outdated, Inconsistent or
 * missing data is never promoted. Ready when DRBD reports Primary. Stop demotes and is done when it reports
 * Secondary. State comes from {@code drbdsetup events2 --now}; changes go through {@code drbdadm}.
 *
 * <p>DRBD's own rules matter here (drbd_nl.c, 8.4 and 9): promoting a disconnected Consistent disk without
 * {@code --force} makes DRBD call the fence-peer handler, and a handler answering "fenced" turns the disk
 * UpToDate: so this resource never asks for a promotion of a disk that is not UpToDate, and the handler refuses
 * to fence for one ({@link #fencePeerRefusal}).
 */
public final class DrbdResource implements Resource {
    private volatile DrbdState last;
    /** The DRBD tools, replaceable where DRBD's kernel module cannot run. */
    public interface Control {
        DrbdState state(String resource) throws IOException;

        void primary(String resource, boolean force) throws IOException;

        void secondary(String resource) throws IOException;
    }

    /** {@code drbdsetup events2 --now} and {@code drbdadm primary|secondary}, each with a deadline. */
    public record Tools(String drbdadm, String drbdsetup, Duration timeout) implements Control {
        public static final Tools SYSTEM = new Tools("/usr/sbin/drbdadm", "/usr/sbin/drbdsetup", Duration.ofSeconds(120));

        @Override
        public DrbdState state(String resource) throws IOException {
            ProcessRun.Result r = ProcessRun.run(List.of(drbdsetup, "events2", "--now", resource), null, timeout);
            if (r.exit() != 0) {
                throw new IOException("drbdsetup events2 --now " + resource + " " + (r.timedOut() ? "timed out"
                        : "failed with exit code " + r.exit()) + ": " + r.output());
            }
            try {
                return DrbdState.parse(resource, r.output());
            } catch (DrbdState.ParseException e) {
                throw new IOException("drbdsetup events2 --now " + resource + ": " + e.getMessage());
            }
        }

        @Override
        public void primary(String resource, boolean force) throws IOException {
            drbdadm("primary", resource, force ? List.of("primary", "--force", resource) : List.of("primary", resource));
        }

        @Override
        public void secondary(String resource) throws IOException {
            drbdadm("secondary", resource, List.of("secondary", resource));
        }

        private void drbdadm(String what, String resource, List<String> args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(drbdadm);
            cmd.addAll(args);
            ProcessRun.Result r = ProcessRun.run(cmd, null, timeout);
            if (r.exit() != 0) {
                throw new IOException("drbdadm " + what + " " + resource + " failed (" + (r.timedOut() ? "timed out"
                        : "exit code " + r.exit()) + "): " + r.output());
            }
        }
    }

    private final String resource;
    private final Control drbd;
    /** An operator's one-time permission to promote a disk that is only Consistent. */
    private volatile boolean forceOnce;

    public DrbdResource(String resource, Control drbd) {
        if (!resource.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("DRBD resource name '" + resource + "' is not a resource name");
        }
        this.resource = resource;
        this.drbd = drbd;
    }

    @Override
    public String name() {
        return "drbd " + resource;
    }

    public String resource() {
        return resource;
    }

    /** The current state, read from DRBD. */
    public DrbdState state() throws IOException {
        DrbdState s = drbd.state(resource);
        last = s;
        return s;
    }

    /** The state read last (by a monitor, a start or a stop), for status and metrics; null before the first. */
    public DrbdState lastState() {
        return last;
    }

    /**
     * An operator's decision, logged: the next start promotes this disk even if it is only Consistent (with
     * {@code --force}), accepting that writes the peer acknowledged after this disk fell behind are lost.
     */
    public void allowConsistentOnce() {
        forceOnce = true;
        Logger.error("drbd {}: OPERATOR OVERRIDE: the next promotion may force a Consistent disk (writes the peer"
                + " acknowledged after this disk fell behind would be lost)", resource);
    }

    @Override
    public void start() throws IOException {
        DrbdState s = state();
        if (s.primary()) {
            return;
        }
        boolean force = false;
        if (!s.upToDate()) {
            String why = refusal(s);
            if (why != null && !(forceOnce && s.consistent())) {
                throw new StartRefusedException(why); // waiting for the peer (or the operator) is all that helps
            }
            force = true;
            forceOnce = false;
            Logger.error("drbd {}: promoting the Consistent disk with --force, as the operator asked", resource);
        }
        drbd.primary(resource, force);
        forceOnce = false; // an operator's permission is for one promotion, whichever disk it was
        if (!state().primary()) {
            throw new IOException("drbdadm primary " + resource + " returned success but the role is not Primary");
        }
    }

    /** Why a disk in state {@code s} may not be promoted, or null (UpToDate). */
    private String refusal(DrbdState s) {
        if (s.upToDate()) {
            return null;
        }
        if (!s.consistent()) {
            return "refusing to promote " + resource + ": local disk " + s.disks() + " is not UpToDate (Outdated"
                    + " or Inconsistent data is never promoted; waiting for the peer to connect and resync)";
        }
        return "refusing to promote " + resource + ": local disk " + s.disks() + " is only Consistent: it may be"
                + " older than what the peer acknowledged (" + (s.connected() ? "connected: DRBD is deciding which"
                + " disk is newer" : "waiting for the peer to connect, so DRBD can tell which disk is newer") + "); if"
                + " the peer's disk is lost for good: palisade ctl promote-consistent --yes-i-may-lose-data"
                + " (docs/failover.md)";
    }

    @Override
    public String startBlocker() throws IOException {
        DrbdState s = state();
        return s.primary() || forceOnce && s.consistent() ? null : refusal(s);
    }

    /**
     * Why DRBD's fence-peer handler must not report the peer fenced for this resource now, or null. DRBD calls
     * the handler when a disconnected Primary lost its peer (fence it: I/O resumes) and when a Secondary is being
     * promoted while disconnected: for a disk that is not UpToDate, a "fenced" answer would make DRBD take it as
     * UpToDate and promote data that may be stale, so the handler refuses.
     */
    public String fencePeerRefusal() throws IOException {
        DrbdState s = state();
        if (s.primary() || s.upToDate()) {
            return null;
        }
        return "this node's disk of " + resource + " is " + s.disks() + ", not UpToDate, and it is not Primary: a"
                + " fence now would let DRBD promote data that may be stale";
    }

    @Override
    public void stop() throws IOException {
        if (!state().primary()) {
            return;
        }
        try {
            drbd.secondary(resource);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; still Primary", e);
        }
        if (state().primary()) {
            throw new IOException("drbdadm secondary " + resource + " returned success but the role is still Primary");
        }
    }

    @Override
    public Status monitor() throws IOException {
        DrbdState s;
        try {
            s = state();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).matches("(?s).*(not defined|[Nn]o such resource|[Uu]nknown resource).*")) {
                return Status.STOPPED; // not up on this node (yet): nothing of it is Primary here
            }
            throw e;
        }
        if (s.primary()) {
            return s.consistent() ? Status.RUNNING : Status.FAILED; // UpToDate counts as Consistent
        }
        return Status.STOPPED;
    }
}
