package dev.palisade.fence.backend;

import dev.palisade.drivers.libvirt.DomainRecord;
import dev.palisade.drivers.libvirt.Hypervisor;
import dev.palisade.drivers.libvirt.HypervisorException;
import dev.palisade.fence.wire.HostState;
import dev.palisade.fence.wire.ResponseCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The libvirt backend, with fence_virtd's result table (server/virt.c), one row per action and state:
 *
 * <pre>
 *   action   unknown VM      shut off           running/paused/other
 *   status   UNKNOWN_DOMAIN  OFF                SUCCESS
 *   off      UNKNOWN_DOMAIN  SUCCESS            destroy -> SUCCESS
 *   on       UNKNOWN_DOMAIN  create -> SUCCESS  SUCCESS
 *   reboot   UNKNOWN_DOMAIN  SUCCESS (stays off) destroy, wait until off, create -> SUCCESS
 * </pre>
 *
 * ({@code UNKNOWN_DOMAIN} goes on the stock wire as fence_virtd's OFF for status and FAIL for actions.) A
 * hypervisor error or a connection that is down gives FAIL (never a guess), and devstatus reports the
 * connection honestly.
 *
 * <p>With several URIs ({@code uri}, {@code uri1}, ...) every hypervisor is asked, because a migration
 * leaves the VM's definition, shut off, on the host it left: the first hypervisor that knows the name is not
 * the one that runs it. Running anywhere means ON; off destroys it wherever it runs; on starts it only when
 * it runs nowhere (on the first hypervisor, in configuration order, that has it defined); and when the
 * hypervisors disagree, that is logged. When a hypervisor cannot be asked, a status that found the VM
 * running elsewhere is still ON; anything else is FAIL, after destroying what could be destroyed: it might
 * run on the one that did not answer.
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

    /** What every hypervisor says of a domain: where it is defined (and in which state), who could not answer. */
    private record Survey(String vm, List<Located> seen, HypervisorException error) {
        List<Located> running() {
            return seen.stream().filter(l -> !l.domain.isShutOff()).toList();
        }

        boolean known() {
            return !seen.isEmpty();
        }

        /** Fails the request when a hypervisor could not be asked: the domain might be there. */
        void requireEveryAnswer() throws BackendException {
            if (error != null) {
                throw new BackendException(error.getMessage(), error);
            }
        }
    }

    private record Located(Hypervisor hv, DomainRecord domain) {
    }

    private Survey survey(String vm) {
        List<Located> seen = new ArrayList<>();
        HypervisorException error = null;
        for (Hypervisor hv : hypervisors) {
            try {
                hv.lookup(vm).ifPresent(d -> seen.add(new Located(hv, d)));
            } catch (HypervisorException e) {
                error = e;
            }
        }
        Survey s = new Survey(vm, seen, error);
        if (!s.running().isEmpty() && s.running().size() < seen.size()) {
            disagree(vm, seen.stream().map(l -> new Seen(l.hv, !l.domain.isShutOff())).toList());
        }
        return s;
    }

    private record Seen(Hypervisor hv, boolean running) {
    }

    private static void disagree(String vm, List<Seen> seen) {
        Logger.warn("hypervisors disagree about '{}': running on {}, shut off on {} (a definition left behind by a "
                + "migration?); it counts as running", vm, where(seen, true), where(seen, false));
    }

    private static String where(List<Seen> seen, boolean running) {
        return String.join(", ", seen.stream().filter(s -> s.running == running).map(s -> name(s.hv)).toList());
    }

    private static String name(Hypervisor hv) {
        return hv instanceof dev.palisade.drivers.libvirt.LibvirtHypervisor l ? l.uri() : hv.toString();
    }

    @Override
    public ResponseCode status(String vm) throws BackendException {
        // the cheaper state call (two hypervisor calls instead of four) on every hypervisor
        List<Seen> seen = new ArrayList<>();
        HypervisorException error = null;
        for (Hypervisor hv : hypervisors) {
            try {
                int state = hv.state(vm);
                if (state >= 0) {
                    seen.add(new Seen(hv, state != DomainRecord.SHUTOFF));
                }
            } catch (HypervisorException e) {
                error = e;
            }
        }
        boolean running = seen.stream().anyMatch(Seen::running);
        if (running && seen.stream().anyMatch(x -> !x.running)) {
            disagree(vm, seen);
        }
        if (running) {
            return ResponseCode.SUCCESS;
        }
        if (error != null) {
            throw new BackendException(error.getMessage(), error);
        }
        return seen.isEmpty() ? ResponseCode.UNKNOWN_DOMAIN : ResponseCode.OFF;
    }

    @Override
    public ResponseCode off(String vm, String source, long seqno) throws BackendException {
        Survey s = survey(vm);
        destroyWhereRunning(s, "off", source, seqno);
        s.requireEveryAnswer();
        if (!s.known()) {
            Logger.info("off {}: no such domain", vm);
            return ResponseCode.UNKNOWN_DOMAIN;
        }
        if (s.running().isEmpty()) {
            Logger.info("off {}: already shut off", vm);
        }
        return ResponseCode.SUCCESS;
    }

    /** Destroys the domain on every hypervisor it runs on (a fence acts wherever the VM is). */
    private static void destroyWhereRunning(Survey s, String action, String source, long seqno) throws BackendException {
        for (Located l : s.running()) {
            try {
                l.hv.destroy(s.vm);
            } catch (HypervisorException e) {
                throw new BackendException(e.getMessage(), e);
            }
            Logger.info("{} {}: destroyed on {} (requested by {}, seqno {})", action, s.vm, name(l.hv), source, seqno);
        }
    }

    @Override
    public ResponseCode on(String vm, String source, long seqno) throws BackendException {
        Survey s = survey(vm);
        if (!s.running().isEmpty()) {
            Logger.info("on {}: already running", vm);
            return ResponseCode.SUCCESS;
        }
        // it may run on the hypervisor that did not answer: starting it here could make two
        s.requireEveryAnswer();
        if (!s.known()) {
            Logger.info("on {}: no such domain", vm);
            return ResponseCode.UNKNOWN_DOMAIN;
        }
        Located first = s.seen().get(0);
        if (s.seen().size() > 1) {
            Logger.warn("on {}: defined on {} hypervisors; starting it on {}, the first in the configuration", vm,
                    s.seen().size(), name(first.hv));
        }
        try {
            first.hv.create(vm);
        } catch (HypervisorException e) {
            throw new BackendException(e.getMessage(), e);
        }
        Logger.info("on {}: started on {} (requested by {}, seqno {})", vm, name(first.hv), source, seqno);
        return ResponseCode.SUCCESS;
    }

    @Override
    public ResponseCode reboot(String vm, String source, long seqno) throws BackendException {
        Survey s = survey(vm);
        List<Located> running = s.running();
        destroyWhereRunning(s, "reboot", source, seqno);
        s.requireEveryAnswer();
        if (!s.known()) {
            Logger.info("reboot {}: no such domain", vm);
            return ResponseCode.UNKNOWN_DOMAIN;
        }
        if (running.isEmpty()) {
            Logger.info("reboot {}: shut off, left off (reboot does not power on a node that is off)", vm);
            return ResponseCode.SUCCESS;
        }
        Hypervisor hv = running.get(0).hv;
        try {
            for (Located l : running) {
                waitUntilOff(l.hv, vm);
            }
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

    /**
     * Every domain of every hypervisor, sorted by name case-insensitively (fence_virtd's order). A domain
     * defined on several hypervisors is listed once, in its running state if it runs on one of them.
     */
    @Override
    public List<HostState> hostlist() throws BackendException {
        Map<String, HostState> byUuid = new LinkedHashMap<>();
        for (Hypervisor hv : hypervisors) {
            try {
                for (DomainRecord d : hv.domains()) {
                    HostState h = new HostState(d.name(), d.uuid(), d.state());
                    byUuid.merge(d.uuid(), h, (a, b) -> a.state() == DomainRecord.SHUTOFF ? b : a);
                }
            } catch (HypervisorException e) {
                throw new BackendException(e.getMessage(), e);
            }
        }
        List<HostState> out = new ArrayList<>(byUuid.values());
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
        Survey s = survey(vm);
        List<Located> pick = s.running().isEmpty() ? s.seen() : s.running();
        if (pick.isEmpty()) {
            s.requireEveryAnswer();
            return Optional.empty();
        }
        DomainRecord d = pick.get(0).domain;
        return Optional.of(new HostState(d.name(), d.uuid(), d.state()));
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
