package dev.palisade.supervisor.fencing;

import java.io.IOException;

/**
 * One way to cut a node's power: an IPMI BMC, a fence_virt gateway for a VM, or an external fence agent.
 * Each call has its own deadline inside the device and either returns or throws; "accepted" is all
 * {@link #off()} promises, which is why the coordinator verifies with {@link #status()}.
 */
public interface FenceDevice {
    /** What the node's power reads. */
    enum Power { ON, OFF }

    /** How this device is named in logs and reports, e.g. {@code ipmi fence@10.0.0.12:623 (suite 3)}. */
    String describe();

    Power status() throws IOException;

    void off() throws IOException;

    void on() throws IOException;
}
