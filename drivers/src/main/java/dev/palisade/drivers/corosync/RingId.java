package dev.palisade.drivers.corosync;

/** A totem ring (membership) id: the node that formed it and its sequence number. */
public record RingId(int nodeId, long seq) {
    @Override
    public String toString() {
        return nodeId + "." + Long.toHexString(seq);
    }
}
