package dev.palisade.drivers.libvirt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import com.sun.jna.Pointer;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.tinylog.Logger;

/**
 * One owned libvirt connection (libvirt-java over JNA) with keepalive, health checks and reconnection
 * with bounded exponential backoff.
 *
 * <p>A single connector thread owns opening, probing and re-opening the connection, so a hypervisor
 * that hangs during connect never blocks a caller: while the connection is down every operation fails
 * at once with {@link HypervisorUnavailableException}, and {@link #connected()} says so honestly.
 *
 * <p>The one wait is at start: an operation that comes before the first attempt to connect has ended waits
 * for it, up to {@link #FIRST_ATTEMPT_WAIT}. A gateway binds its listeners while its connections open, and a
 * fence request in that window is served once the hypervisor answers instead of failing for a connection
 * that was never tried.
 */
public final class LibvirtHypervisor implements Hypervisor {
    /** libvirt keepalive: probe every 5 s, give up after 3 unanswered probes (libvirtd's own defaults). */
    private static final int KEEPALIVE_INTERVAL_S = 5;
    private static final int KEEPALIVE_COUNT = 3;
    /** How long an operation waits for the first attempt to connect (a hung connect fails it after this). */
    static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(5);

    private final String uri;
    private final Duration healthInterval;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread connector;
    private volatile Connect conn;
    private volatile String lastError = "not connected yet";
    private volatile boolean closed;
    /** The first attempt to connect has ended, either way. */
    private volatile boolean firstAttemptDone;
    private boolean reconnectRequested;

    private static boolean silenced;

    /**
     * libvirt prints every error to stderr unless a callback replaces its default handler. Done once, by the first
     * connector thread before its first connection (every libvirt call follows a connection): loading JNA and
     * libvirt takes a fifth of a second, which the starting gateway then spends on its listeners meanwhile.
     */
    private static synchronized void silenceLibvirtOnce() {
        if (silenced) {
            return;
        }
        silenced = true;
        try {
            Connect.setErrorCallback((userData, error) -> { });
        } catch (LibvirtException | RuntimeException | LinkageError e) {
            Logger.warn("could not silence libvirt's stderr error handler: {}", e.getMessage());
        }
    }

    public LibvirtHypervisor(String uri) {
        this(uri, Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    public LibvirtHypervisor(String uri, Duration healthInterval, Duration minBackoff, Duration maxBackoff) {
        this.uri = uri;
        this.healthInterval = healthInterval;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.connector = new Thread(this::connectorLoop, "libvirt-connector");
        this.connector.setDaemon(true);
        this.connector.start();
    }

    public String uri() {
        return uri;
    }

    /** Waits until the first connection is up or {@code timeout} passes; returns whether it is up. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return await(timeout, false) != null;
    }

    /**
     * The connection once it is up, or null when {@code timeout} passes, the hypervisor is closed, or (with
     * {@code untilFirstAttempt}) the first attempt to connect has failed.
     */
    private Connect await(Duration timeout, boolean untilFirstAttempt) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (conn == null && !closed && !(untilFirstAttempt && firstAttemptDone)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wake.awaitNanos(left);
            }
            return conn;
        } finally {
            lock.unlock();
        }
    }

    /** Why the connection is down, for operators. */
    public String lastError() {
        return lastError;
    }

    @Override
    public boolean connected() {
        return conn != null;
    }

    @Override
    public List<DomainRecord> domains() throws HypervisorException {
        Connect c = current();
        try {
            // virConnectListAllDomains: active and inactive in one call, no lookup per domain.
            List<DomainRecord> out = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                try {
                    out.add(record(d));
                } finally {
                    free(d);
                }
            }
            return out;
        } catch (LibvirtException e) {
            throw failure("list domains", e);
        }
    }

    @Override
    public Optional<DomainRecord> lookup(String nameOrUuid) throws HypervisorException {
        return Optional.ofNullable(onDomain(nameOrUuid, "look up", LibvirtHypervisor::record));
    }

    @Override
    public int state(String nameOrUuid) throws HypervisorException {
        Connect c = current();
        Pointer conn = c instanceof LibvirtDirect.OwnedConnect oc ? oc.pointer() : null;
        if (conn == null) {
            throw new HypervisorUnavailableException("libvirt connection to " + uri + " is closed");
        }
        Pointer dom = null;
        if (looksLikeUuid(nameOrUuid)) {
            dom = LibvirtDirect.virDomainLookupByUUIDString(conn, nameOrUuid);
            if (dom == null) {
                checkNoDomain(nameOrUuid);
            }
        }
        if (dom == null) {
            dom = LibvirtDirect.virDomainLookupByName(conn, nameOrUuid);
            if (dom == null) {
                checkNoDomain(nameOrUuid);
                return -1;
            }
        }
        try {
            int[] state = new int[1];
            int[] reason = new int[1];
            if (LibvirtDirect.virDomainGetState(dom, state, reason, 0) < 0) {
                String msg = LibvirtDirect.virGetLastErrorMessage();
                LibvirtDirect.virResetLastError();
                throw directFailure("state of " + nameOrUuid, msg);
            }
            return state[0];
        } finally {
            LibvirtDirect.virDomainFree(dom);
        }
    }

    /** A failed lookup is an answer ("no such domain") unless libvirt says something else went wrong. */
    private void checkNoDomain(String nameOrUuid) throws HypervisorException {
        int code = LibvirtDirect.virGetLastErrorCode();
        String msg = LibvirtDirect.virGetLastErrorMessage();
        LibvirtDirect.virResetLastError();
        if (code != LibvirtDirect.VIR_ERR_NO_DOMAIN && code != 0) {
            throw directFailure("look up " + nameOrUuid, msg);
        }
    }

    private HypervisorException directFailure(String what, String msg) {
        markDownUnlessAlive(what, msg);
        return new HypervisorException(what + " failed: " + msg);
    }

    /** Releases the domain handle now rather than in its finalizer. */
    private static void free(Domain d) {
        try {
            d.free();
        } catch (LibvirtException | RuntimeException e) {
            Logger.debug("libvirt domain free: {}", e.getMessage());
        }
    }

    @Override
    public String xml(String nameOrUuid) throws HypervisorException {
        return onDomain(nameOrUuid, "XML of", d -> d.getXMLDesc(0));
    }

    @Override
    public void destroy(String nameOrUuid) throws HypervisorException {
        if (onDomain(nameOrUuid, "destroy", d -> {
            d.destroy();
            return Boolean.TRUE;
        }) == null) {
            throw new HypervisorException("no domain named " + nameOrUuid);
        }
    }

    @Override
    public void create(String nameOrUuid) throws HypervisorException {
        if (onDomain(nameOrUuid, "start", d -> {
            d.create();
            return Boolean.TRUE;
        }) == null) {
            throw new HypervisorException("no domain named " + nameOrUuid);
        }
    }

    private interface DomainCall<T> {
        T apply(Domain d) throws LibvirtException;
    }

    /**
     * Runs {@code call} on the domain {@code nameOrUuid} names and releases its handle; null when there is no
     * such domain. A libvirt error is reported as "{@code what} NAME failed" and may mark the connection down.
     */
    private <T> T onDomain(String nameOrUuid, String what, DomainCall<T> call) throws HypervisorException {
        Connect c = current();
        try {
            Domain d = find(c, nameOrUuid);
            if (d == null) {
                return null;
            }
            try {
                return call.apply(d);
            } finally {
                free(d);
            }
        } catch (LibvirtException e) {
            throw failure(what + " " + nameOrUuid, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.interrupt();
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        Connect c = conn;
        conn = null;
        closeQuietly(c);
    }

    private Connect current() throws HypervisorUnavailableException {
        Connect c = conn;
        if (c == null && !firstAttemptDone) {
            c = awaitFirstAttempt();
        }
        if (c == null) {
            throw new HypervisorUnavailableException("libvirt connection to " + uri + " is down (" + lastError + ")");
        }
        return c;
    }

    private Connect awaitFirstAttempt() throws HypervisorUnavailableException {
        try {
            return await(FIRST_ATTEMPT_WAIT, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorUnavailableException("interrupted waiting for the first libvirt connection to " + uri);
        }
    }

    /** A libvirt UUID string is 36 characters; anything else is a name (fence_virtd's is_uuid rule). */
    private static Domain find(Connect c, String nameOrUuid) throws LibvirtException {
        if (looksLikeUuid(nameOrUuid)) {
            Domain d = lookupQuietly(() -> c.domainLookupByUUIDString(nameOrUuid));
            if (d != null) {
                return d;
            }
        }
        return lookupQuietly(() -> c.domainLookupByName(nameOrUuid));
    }

    static boolean looksLikeUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char ch = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? ch != '-' : Character.digit(ch, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private interface Lookup {
        Domain get() throws LibvirtException;
    }

    /** A lookup of a domain that does not exist is an answer, not a failure. */
    private static Domain lookupQuietly(Lookup lookup) throws LibvirtException {
        try {
            return lookup.get();
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() != null
                    && e.getError().getCode().name().equals("VIR_ERR_NO_DOMAIN")) {
                return null;
            }
            throw e;
        }
    }

    private static DomainRecord record(Domain d) throws LibvirtException {
        return new DomainRecord(d.getName(), d.getUUIDString(), d.getInfo().state.ordinal());
    }

    private HypervisorException failure(String what, LibvirtException e) {
        String msg = e.getError() != null ? e.getError().getMessage() : e.getMessage();
        markDownUnlessAlive(what, msg);
        return new HypervisorException(what + " failed: " + msg, e);
    }

    /** After a failed call: if the connection itself is gone, hand it to the connector to re-open. */
    private void markDownUnlessAlive(String what, String msg) {
        Connect c = conn;
        boolean alive;
        try {
            alive = c != null && c.isAlive();
        } catch (LibvirtException | RuntimeException probe) {
            alive = false;
        }
        if (!alive) {
            markDown("connection lost during " + what + ": " + msg);
        }
    }

    private void markDown(String why) {
        lock.lock();
        try {
            if (conn != null) {
                Logger.warn("libvirt {}: {}; reconnecting", uri, why);
            }
            lastError = why;
            Connect old = conn;
            conn = null;
            reconnectRequested = true;
            wake.signalAll();
            closeQuietly(old);
        } finally {
            lock.unlock();
        }
    }

    private void firstAttemptEnded() {
        if (firstAttemptDone) {
            return;
        }
        lock.lock();
        try {
            firstAttemptDone = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void connectorLoop() {
        silenceLibvirtOnce();
        long backoffNanos = minBackoff.toNanos();
        while (!closed) {
            if (conn == null) {
                try {
                    Connect c = new LibvirtDirect.OwnedConnect(uri);
                    enableKeepAlive(c);
                    lock.lock();
                    try {
                        if (closed) {
                            closeQuietly(c);
                            return;
                        }
                        conn = c;
                        reconnectRequested = false;
                        lastError = "";
                        firstAttemptDone = true;
                        wake.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    Logger.info("libvirt connected to {}", uri);
                    backoffNanos = minBackoff.toNanos();
                } catch (LibvirtException | RuntimeException e) {
                    lastError = "connect failed: " + (e instanceof LibvirtException le && le.getError() != null
                            ? le.getError().getMessage() : e.getMessage());
                    Logger.warn("libvirt {}: {}; next attempt in {} ms", uri, lastError,
                            TimeUnit.NANOSECONDS.toMillis(backoffNanos));
                    firstAttemptEnded();
                    if (!sleep(backoffNanos)) {
                        return;
                    }
                    backoffNanos = Math.min(backoffNanos * 2, maxBackoff.toNanos());
                    continue;
                }
            }
            if (!sleep(healthInterval.toNanos())) {
                return;
            }
            probe();
        }
    }

    private void probe() {
        Connect c = conn;
        if (c == null) {
            return;
        }
        try {
            if (!c.isAlive()) {
                markDown("health check: connection is not alive");
            }
        } catch (LibvirtException | RuntimeException e) {
            markDown("health check failed: " + e.getMessage());
        }
    }

    /** Sleeps up to {@code nanos}, waking early on close or a reconnect request; false when closed. */
    private boolean sleep(long nanos) {
        lock.lock();
        try {
            long left = nanos;
            while (!closed && left > 0 && !(reconnectRequested && conn == null)) {
                left = wake.awaitNanos(left);
            }
            reconnectRequested = false;
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void enableKeepAlive(Connect c) {
        try {
            c.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
        } catch (LibvirtException | RuntimeException e) {
            // Local drivers (test://, qemu:///system over a local socket without an event loop) do not
            // support keepalive; the periodic health check covers them.
            Logger.debug("libvirt {}: keepalive not available ({}); relying on health checks", uri, e.getMessage());
        }
    }

    private static void closeQuietly(Connect c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (LibvirtException | RuntimeException e) {
            Logger.debug("libvirt close: {}", e.getMessage());
        }
    }
}
