package dev.palisade.fence.backend;

import dev.palisade.drivers.libvirt.DomainRecord;
import dev.palisade.drivers.libvirt.Hypervisor;
import dev.palisade.drivers.libvirt.HypervisorException;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResponseCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The libvirt backend, with fence_virtd's result table (server/virt.c), one row per action and state:
 *
 * <pre>
 *   action   unknown VM  shut off           running/paused/other
 *   status   OFF         OFF                SUCCESS
 *   off      FAIL        SUCCESS            destroy -> SUCCESS
 *   on       FAIL        create -> SUCCESS  SUCCESS
 *   reboot   FAIL        SUCCESS (stays off) destroy, wait until off, create -> SUCCESS
 * </pre>
 *
 * A hypervisor error or a connection that is down gives FAIL (never a guess), and devstatus reports the
 * connection honestly. With several URIs ({@code uri}, {@code uri1}, ...), the first hypervisor that
 * knows the domain serves it.
 */
public final class LibvirtBackend implements FenceBackend, DomainDirectory {
    private static final Duration REBOOT_WAIT = Duration.ofSeconds(15);
    private static final long REBOOT_POLL_MS = 20;

    private final List<Hypervisor> hypervisors;

    public LibvirtBackend(List<? extends Hypervisor> hypervisors) {
        if (hypervisors.isEmpty()) {
            throw new IllegalArgumentException("at least one hypervisor");
        }
        this.hypervisors = List.copyOf(hypervisors);
    }

    @Override
    public String name() {
        return "libvirt";
    }

    private record Located(Hypervisor hv, DomainRecord domain) {
    }

    private Optional<Located> locate(String vm) throws BackendException {
        HypervisorException last = null;
        for (Hypervisor hv : hypervisors) {
            try {
                Optional<DomainRecord> d = hv.lookup(vm);
                if (d.isPresent()) {
                    return Optional.of(new Located(hv, d.get()));
                }
            } catch (HypervisorException e) {
                last = e;
            }
        }
        if (last != null) {
            // A hypervisor we could not ask might hold the domain: "unknown" would be a guess.
            throw new BackendException(last.getMessage(), last);
        }
        return Optional.empty();
    }

    @Override
    public ResponseCode status(String vm) throws BackendException {
        HypervisorException last = null;
        for (Hypervisor hv : hypervisors) {
            try {
                int state = hv.state(vm);
                if (state >= 0) {
                    return state == DomainRecord.SHUTOFF ? ResponseCode.OFF : ResponseCode.SUCCESS;
                }
            } catch (HypervisorException e) {
                last = e;
            }
        }
        if (last != null) {
            throw new BackendException(last.getMessage(), last);
        }
        return ResponseCode.OFF;
    }

    @Override
    public ResponseCode off(String vm, String source, long seqno) throws BackendException {
        Optional<Located> l = locate(vm);
        if (l.isEmpty()) {
            Logger.info("off {}: no such domain", vm);
            return ResponseCode.FAIL;
        }
        if (l.get().domain.isShutOff()) {
            Logger.info("off {}: already shut off", vm);
            return ResponseCode.SUCCESS;
        }
        try {
            l.get().hv.destroy(vm);
        } catch (HypervisorException e) {
            throw new BackendException(e.getMessage(), e);
        }
        Logger.info("off {}: destroyed (requested by {}, seqno {})", vm, source, seqno);
        return ResponseCode.SUCCESS;
    }

    @Override
    public ResponseCode on(String vm, String source, long seqno) throws BackendException {
        Optional<Located> l = locate(vm);
        if (l.isEmpty()) {
            Logger.info("on {}: no such domain", vm);
            return ResponseCode.FAIL;
        }
        if (!l.get().domain.isShutOff()) {
            Logger.info("on {}: already running", vm);
            return ResponseCode.SUCCESS;
        }
        try {
            l.get().hv.create(vm);
        } catch (HypervisorException e) {
            throw new BackendException(e.getMessage(), e);
        }
        Logger.info("on {}: started (requested by {}, seqno {})", vm, source, seqno);
        return ResponseCode.SUCCESS;
    }

    @Override
    public ResponseCode reboot(String vm, String source, long seqno) throws BackendException {
        Optional<Located> l = locate(vm);
        if (l.isEmpty()) {
            Logger.info("reboot {}: no such domain", vm);
            return ResponseCode.FAIL;
        }
        if (l.get().domain.isShutOff()) {
            Logger.info("reboot {}: shut off, left off (reboot does not power on a node that is off)", vm);
            return ResponseCode.SUCCESS;
        }
        Hypervisor hv = l.get().hv;
        try {
            hv.destroy(vm);
            waitUntilOff(hv, vm);
        } catch (HypervisorException e) {
            throw new BackendException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("reboot " + vm + " interrupted after power-off");
        }
        try {
            hv.create(vm);
            Logger.info("reboot {}: powered off and on again (requested by {}, seqno {})", vm, source, seqno);
        } catch (HypervisorException e) {
            // The node is fenced (verified off); failing to restart it does not undo the fence.
            Logger.warn("reboot {}: powered off, but could not start it again: {}", vm, e.getMessage());
        }
        return ResponseCode.SUCCESS;
    }

    private static void waitUntilOff(Hypervisor hv, String vm) throws HypervisorException, InterruptedException {
        long deadline = System.nanoTime() + REBOOT_WAIT.toNanos();
        while (true) {
            Optional<DomainRecord> d = hv.lookup(vm);
            if (d.isEmpty() || d.get().isShutOff()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new HypervisorException(vm + " still not off " + REBOOT_WAIT.toSeconds() + " s after destroy");
            }
            Thread.sleep(REBOOT_POLL_MS);
        }
    }

    @Override
    public ResponseCode devstatus() {
        for (Hypervisor hv : hypervisors) {
            if (!hv.connected()) {
                return ResponseCode.FAIL;
            }
        }
        return ResponseCode.SUCCESS;
    }

    @Override
    public List<HostState> hostlist() throws BackendException {
        List<HostState> out = new ArrayList<>();
        for (Hypervisor hv : hypervisors) {
            try {
                for (DomainRecord d : hv.domains()) {
                    out.add(new HostState(d.name(), d.uuid(), d.state()));
                }
            } catch (HypervisorException e) {
                throw new BackendException(e.getMessage(), e);
            }
        }
        out.sort(Comparator.comparing(HostState::domain, LibvirtBackend::strcasecmp));
        return out;
    }

    /** C's strcasecmp in the C locale: bytes compared unsigned, ASCII letters folded to lower case. */
    static int strcasecmp(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = lower(x[i] & 0xff) - lower(y[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return x.length - y.length;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    @Override
    public Optional<HostState> describe(String vm) throws BackendException {
        return locate(vm).map(l -> new HostState(l.domain.name(), l.domain.uuid(), l.domain.state()));
    }

    @Override
    public List<RunningDomain> running() throws BackendException {
        List<RunningDomain> out = new ArrayList<>();
        for (Hypervisor hv : hypervisors) {
            try {
                for (DomainRecord d : hv.domains()) {
                    if (d.isShutOff()) {
                        continue;
                    }
                    String xml = hv.xml(d.uuid());
                    if (xml != null) {
                        out.add(new RunningDomain(d.name(), d.uuid(), xml));
                    }
                }
            } catch (HypervisorException e) {
                throw new BackendException(e.getMessage(), e);
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (Hypervisor hv : hypervisors) {
            hv.close();
        }
    }
}
