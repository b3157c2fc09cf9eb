package dev.palisade.supervisor.fencing;

import java.io.IOException;

/**
 * One way to cut a node's power: an IPMI BMC, a fence_virt gateway for a VM, or an external fence agent.
 * Each call has its own deadline inside the device and either returns or throws; "accepted" is all
 * {@link #off()} promises, which is why the coordinator verifies with {@link #status()}. A fence counts only
 * when the device proves it reaches the right target ({@link #checkTarget()}) and reads it off.
 */
public interface FenceDevice {
    /** What the node's power reads. */
    enum Power { ON, OFF }

    /** How this device is named in logs and reports, e.g. {@code ipmi fence@10.0.0.12:623 (suite 3)}. */
    String describe();

    Power status() throws IOException;

    void off() throws IOException;

    void on() throws IOException;

    /**
     * Proves the device sees its target before it is fenced (fence_virt: the domain is in the gateway's host
     * list); throws, naming what is missing, when it does not. A device whose target is the device itself (a
     * node's own BMC) has nothing more to prove than answering.
     */
    default void checkTarget() throws IOException {
    }

    /**
     * Whether {@link #status()} reading OFF means the target is off, and never "no such target": only then may
     * an "off" the device refused count when the power already reads off, and only then may a reading of off
     * spare a race delay. False where an unknown target also reads OFF (the stock fence_virt protocol answers
     * OFF for a domain it does not know).
     */
    default boolean offIsReliable() {
        return false;
    }
}
