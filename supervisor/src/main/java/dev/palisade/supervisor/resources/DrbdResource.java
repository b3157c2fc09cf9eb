package dev.palisade.supervisor.resources;

import dev.palisade.drivers.platform.ProcessRun;
import dev.palisade.drivers.storage.DrbdState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * {@code drbd::RESOURCE} (and Heartbeat's {@code drbddisk::RESOURCE}): this node's role of a DRBD resource.
 * Start promotes it, but only when the local disk is UpToDate, or when it is Consistent and the peer is
 * verified fenced (its power read back off since it was last heard: nothing newer can exist on a dead peer
 * that cannot write); Outdated, Inconsistent or missing data is never promoted. Ready when drbdsetup reports
 * Primary. Stop demotes and is done when it reports Secondary. State comes from
 * {@code drbdsetup events2 --now}; changes go through {@code drbdadm}.
 */
public final class DrbdResource implements Resource {
    private final String resource;
    private final String drbdadm;
    private final String drbdsetup;
    private final BooleanSupplier peerFenced;
    private final Duration timeout;

    public DrbdResource(String resource, String drbdadm, String drbdsetup, BooleanSupplier peerFenced,
                        Duration timeout) {
        if (!resource.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("DRBD resource name '" + resource + "' is not a resource name");
        }
        this.resource = resource;
        this.drbdadm = drbdadm;
        this.drbdsetup = drbdsetup;
        this.peerFenced = peerFenced;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "drbd " + resource;
    }

    /** The current state, read from drbdsetup. */
    public DrbdState state() throws IOException {
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
    public void start() throws IOException {
        DrbdState s = state();
        if (s.primary()) {
            return;
        }
        boolean force = false;
        if (!s.upToDate()) {
            if (!s.consistent()) {
                throw new IOException("refusing to promote " + resource + ": local disk " + s.disks()
                        + " is not UpToDate (Outdated or Inconsistent data is never promoted)");
            }
            if (s.connected() || !peerFenced.getAsBoolean()) {
                throw new IOException("refusing to promote " + resource + ": local disk " + s.disks() + " is only "
                        + "Consistent and the peer is not verified fenced (it may hold newer data)");
            }
            force = true;
            Logger.warn("drbd {}: local disk Consistent, peer verified fenced: promoting with --force (this node's "
                    + "data is the newest that survives)", resource);
        }
        drbdadm("primary", "", force ? List.of("primary", "--force", resource) : List.of("primary", resource));
        if (!state().primary()) {
            throw new IOException("drbdadm primary " + resource + " returned success but the role is not Primary");
        }
    }

    @Override
    public void stop() throws IOException {
        if (!state().primary()) {
            return;
        }
        drbdadm("secondary", "; still Primary", List.of("secondary", resource));
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

    /** Runs {@code drbdadm ARGS}; a failure names the role change ({@code what}), how it failed and the output. */
    private void drbdadm(String what, String afterOutput, List<String> args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(drbdadm);
        cmd.addAll(args);
        ProcessRun.Result r = ProcessRun.run(cmd, null, timeout);
        if (r.exit() != 0) {
            throw new IOException("drbdadm " + what + " " + resource + " failed (" + (r.timedOut() ? "timed out"
                    : "exit code " + r.exit()) + "): " + r.output() + afterOutput);
        }
    }
}
