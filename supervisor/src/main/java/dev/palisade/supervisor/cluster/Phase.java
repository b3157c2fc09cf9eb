package dev.palisade.supervisor.cluster;

/** Where one node's Galera server stands, as the node's decision machine and its peers see it. */
public enum Phase {
    /** Just started: the first look at the server has not come back yet. */
    PROBING,
    /** No server runs and its position is not known yet. */
    DOWN,
    /** Reading grastate.dat, and running mariadbd --wsrep-recover when it says -1. */
    RECOVERING,
    /** Stopped, with its position told to the group: waiting to join, to be elected, or for the election. */
    REPORTED,
    /** Starting to join a Primary Component (IST or SST). */
    JOINING,
    /** Starting normally after a crash of every node, for Galera's own pc.recovery to re-form the component. */
    PC_RECOVERY,
    /** Starting with --wsrep-new-cluster: the elected node. */
    BOOTSTRAPPING,
    /** A server runs (Primary or not: see the flags). */
    RUNNING,
    /** Stopping the server cleanly. */
    STOPPING,
    /** The server did not stop: nothing more is done until it is gone or the node is fenced. */
    FAILED;

    /** The phase's number in a STATE message (0 is not a phase). */
    public int wire() {
        return ordinal() + 1;
    }

    /** The phase a STATE message's number names, or null. */
    public static Phase fromWire(int n) {
        return n >= 1 && n <= values().length ? values()[n - 1] : null;
    }
}
