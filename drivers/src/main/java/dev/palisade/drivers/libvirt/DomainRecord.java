package dev.palisade.drivers.libvirt;

import java.util.Objects;

/**
 * One domain as the hypervisor reports it.
 *
 * @param name  the libvirt domain name
 * @param uuid  the UUID in its canonical 36-character string form
 * @param state the raw libvirt {@code virDomainState} (1 running, 3 paused, 5 shut off, ...), which is
 *              also what the fence_virt host list carries on the wire
 */
public record DomainRecord(String name, String uuid, int state) {
    public static final int NOSTATE = 0;
    public static final int RUNNING = 1;
    public static final int BLOCKED = 2;
    public static final int PAUSED = 3;
    public static final int SHUTDOWN = 4;
    public static final int SHUTOFF = 5;
    public static final int CRASHED = 6;
    public static final int PMSUSPENDED = 7;

    public DomainRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
    }

    public boolean isShutOff() {
        return state == SHUTOFF;
    }
}
