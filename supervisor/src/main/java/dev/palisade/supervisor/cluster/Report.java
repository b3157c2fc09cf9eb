package dev.palisade.supervisor.cluster;

import dev.palisade.supervisor.cluster.galera.GraState;
import dev.palisade.supervisor.cluster.galera.GvwState;
import java.util.UUID;

/**
 * What one node tells the others about its stopped Galera node before an election: the cluster uuid and seqno
 * of its data (from grastate.dat, or from {@code --wsrep-recover} when grastate.dat says -1: then
 * {@code recovered}), whether Galera marked it safe to bootstrap, and the last Primary Component view it saved
 * (gvwstate.dat; null when there is none). A seqno of -1 is a position that could not be recovered.
 */
public record Report(UUID uuid, long seqno, boolean safeToBootstrap, boolean recovered, GvwState.View view) {
    /** A uuid other than Galera's zero uuid, and a seqno that was found. */
    public boolean valid() {
        return !uuid.equals(GraState.ZERO) && seqno >= 0;
    }

    /**
     * Galera's own mark counts only on a position read from a clean grastate.dat: a node that crashed while it
     * was the last member still says safe_to_bootstrap: 1 next to seqno -1, and what it holds must then be
     * recovered and compared like any other position.
     */
    public boolean safe() {
        return safeToBootstrap && !recovered && valid();
    }

    /** {@code --wsrep-start-position} for this data: uuid:seqno. */
    public String position() {
        return uuid + ":" + seqno;
    }

    @Override
    public String toString() {
        return position() + (safeToBootstrap ? " safe_to_bootstrap" : "") + (recovered ? " (recovered)" : "")
                + (view != null ? " view " + view : "");
    }
}
