package dev.palisade.supervisor.vrrp;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The VRRP router state machine of RFC 5798 §6.4 (and RFC 3768 §6.4 for version 2) as an explicit table of
 * state x event -> handler. No I/O and no clock of its own: the caller passes the time in nanoseconds and
 * carries out the {@link Effects}. Every transition is reported with its reason.
 *
 * <p>Beyond the RFC, as operators expect from keepalived: a preempt delay after start-up, a conflicting
 * lower-priority advertisement seen as Master is answered at once (advertisement and announcements), and
 * priority 0 set by the supervisor means "release": a Master hands over at once and a Backup never takes over.
 */
public final class VrrpMachine {
    public enum State { INITIALIZE, BACKUP, MASTER }

    public enum Event { STARTUP, SHUTDOWN, MASTER_DOWN_TIMER, ADVER_TIMER, ADVERT, PRIORITY }

    /** What the machine asks of the world. */
    public interface Effects {
        void sendAdvert(int priority);

        /** Add the virtual addresses and announce them (gratuitous ARP / unsolicited NA). */
        void becomeMaster();

        /** Remove the virtual addresses. */
        void stopBeingMaster();

        /** Announce the virtual addresses again. */
        void announce();

        void transition(State from, State to, String reason);
    }

    /** Fixed settings; {@code adverIntervalCs} in centiseconds (v2 whole seconds are 100 cs each). */
    public record Settings(int version, int adverIntervalCs, boolean preempt, long preemptDelayNanos,
                           InetAddress primary) {
    }

    private static final long NEVER = Long.MAX_VALUE;

    private interface Handler {
        void handle(long now, VrrpPacket advert, InetAddress from);
    }

    private final Settings settings;
    private final Effects effects;
    private final Map<State, Map<Event, Handler>> table = new EnumMap<>(State.class);
    private State state = State.INITIALIZE;
    private int priority;
    private int masterAdverCs;
    private long masterDownAt = NEVER;
    private long adverAt = NEVER;
    private long preemptAllowedAt;

    public VrrpMachine(Settings settings, int initialPriority, Effects effects) {
        this.settings = settings;
        this.priority = initialPriority;
        this.effects = effects;
        this.masterAdverCs = settings.adverIntervalCs();
        for (State s : State.values()) {
            table.put(s, new EnumMap<>(Event.class));
        }
        on(State.INITIALIZE, Event.STARTUP, this::startup);
        on(State.BACKUP, Event.SHUTDOWN, (now, a, f) -> {
            masterDownAt = NEVER;
            to(State.INITIALIZE, "shutdown");
        });
        on(State.BACKUP, Event.MASTER_DOWN_TIMER, this::backupMasterDown);
        on(State.BACKUP, Event.ADVERT, this::backupAdvert);
        on(State.BACKUP, Event.PRIORITY, (now, a, f) -> {
            if (priority == 255) {
                becomeMaster(now, "priority raised to 255: address owner");
            } else {
                masterDownAt = now + masterDownInterval(); // the skew changed with the priority
            }
        });
        on(State.MASTER, Event.SHUTDOWN, (now, a, f) -> {
            adverAt = NEVER;
            effects.sendAdvert(0);
            effects.stopBeingMaster();
            to(State.INITIALIZE, "shutdown: sent priority 0 so the backup takes over at once");
        });
        on(State.MASTER, Event.ADVER_TIMER, (now, a, f) -> {
            effects.sendAdvert(priority);
            adverAt = now + cs(settings.adverIntervalCs());
        });
        on(State.MASTER, Event.ADVERT, this::masterAdvert);
        on(State.MASTER, Event.PRIORITY, (now, a, f) -> {
            if (priority == 0) {
                adverAt = NEVER;
                effects.sendAdvert(0);
                effects.stopBeingMaster();
                masterDownAt = now + masterDownInterval();
                to(State.BACKUP, "released by the supervisor: sent priority 0");
            } else {
                effects.sendAdvert(priority);
            }
        });
    }

    private void on(State s, Event e, Handler h) {
        table.get(s).put(e, h);
    }

    /** Feeds one event; events with no entry for the current state are ignored (RFC: "discard"). */
    public void handle(Event e, long now, VrrpPacket advert, InetAddress from) {
        Handler h = table.get(state).get(e);
        if (h != null) {
            h.handle(now, advert, from);
        }
    }

    /** Fires the timers whose time has come. */
    public void tick(long now) {
        if (state == State.BACKUP && now >= masterDownAt) {
            handle(Event.MASTER_DOWN_TIMER, now, null, null);
        }
        if (state == State.MASTER && now >= adverAt) {
            handle(Event.ADVER_TIMER, now, null, null);
        }
    }

    /** The next time {@link #tick} has something to do. */
    public long nextDeadline() {
        return state == State.BACKUP ? masterDownAt : state == State.MASTER ? adverAt : NEVER;
    }

    /**
     * Takes mastership now with priority {@code p}, without waiting out Master_Down_Interval: for the supervisor,
     * which calls it only when the peer holding the address is verified fenced or has released it. A Master
     * with a higher priority still wins by the RFC's rules when its advert arrives.
     */
    public void takeOver(int p, long now) {
        if (p < 1 || p > 255) {
            throw new IllegalArgumentException("priority " + p);
        }
        priority = p;
        if (state == State.BACKUP) {
            becomeMaster(now, "taken over by the supervisor (the peer is fenced or has released the address)");
        } else {
            handle(Event.PRIORITY, now, null, null);
        }
    }

    /** Changes the priority (0 releases; 255 claims ownership) and lets the state react. */
    public void priority(int p, long now) {
        if (p < 0 || p > 255) {
            throw new IllegalArgumentException("priority " + p);
        }
        priority = p;
        handle(Event.PRIORITY, now, null, null);
    }

    public int priority() {
        return priority;
    }

    public State state() {
        return state;
    }

    /** The interval the Backup currently expects adverts at (learned from the Master in v3), in centiseconds. */
    public int masterAdverIntervalCs() {
        return masterAdverCs;
    }

    /** RFC 5798 §6.1: Skew_Time; v2 (RFC 3768 §6.1) uses (256 - Priority) / 256 seconds. */
    public long skewNanos() {
        int p = Math.max(priority, 1);
        return settings.version() == 2 ? (256 - p) * 1_000_000_000L / 256 : (256 - p) * cs(masterAdverCs) / 256;
    }

    /** Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time. */
    public long masterDownInterval() {
        return 3 * cs(masterAdverCs) + skewNanos();
    }

    private static long cs(int centiseconds) {
        return centiseconds * 10_000_000L;
    }

    private void startup(long now, VrrpPacket a, InetAddress f) {
        preemptAllowedAt = now + settings.preemptDelayNanos();
        if (priority == 255) {
            becomeMaster(now, "priority 255: address owner");
        } else {
            masterAdverCs = settings.adverIntervalCs();
            masterDownAt = now + masterDownInterval();
            to(State.BACKUP, "startup; master down after " + masterDownInterval() / 1_000_000 + " ms without adverts");
        }
    }

    private void backupMasterDown(long now, VrrpPacket a, InetAddress f) {
        if (priority == 0) {
            masterDownAt = now + masterDownInterval(); // released: watch, never take over
            return;
        }
        becomeMaster(now, "no advertisement from a master for " + masterDownInterval() / 1_000_000 + " ms");
    }

    private void becomeMaster(long now, String reason) {
        masterDownAt = NEVER;
        effects.sendAdvert(priority);
        effects.becomeMaster();
        adverAt = now + cs(settings.adverIntervalCs());
        to(State.MASTER, reason);
    }

    private void backupAdvert(long now, VrrpPacket a, InetAddress from) {
        if (a.priority() == 0) {
            masterDownAt = now + skewNanos();
            return;
        }
        boolean mayPreempt = settings.preempt() && now >= preemptAllowedAt && priority > 0;
        if (!mayPreempt || a.priority() >= priority) {
            if (settings.version() == 3) {
                masterAdverCs = a.interval();
            }
            masterDownAt = now + masterDownInterval();
        }
        // else: a lower-priority master and we preempt: let the timer run out (RFC 5798 §6.4.2)
    }

    private void masterAdvert(long now, VrrpPacket a, InetAddress from) {
        if (a.priority() == 0) {
            effects.sendAdvert(priority);
            adverAt = now + cs(settings.adverIntervalCs());
            return;
        }
        if (a.priority() > priority || a.priority() == priority && greater(from, settings.primary())) {
            adverAt = NEVER;
            if (settings.version() == 3) {
                masterAdverCs = a.interval();
            }
            masterDownAt = now + masterDownInterval();
            effects.stopBeingMaster();
            to(State.BACKUP, "advert from " + from.getHostAddress() + " with priority " + a.priority()
                    + (a.priority() == priority ? " (equal; its address is higher)" : " (higher than our " + priority + ")"));
            return;
        }
        // a second master with lower priority (a healed split): assert ourselves at once
        effects.sendAdvert(priority);
        effects.announce();
        adverAt = now + cs(settings.adverIntervalCs());
    }

    private void to(State next, String reason) {
        State from = state;
        state = next;
        effects.transition(from, next, reason);
    }

    /** Unsigned comparison of two addresses of one family (RFC 5798 §6.4.3: the higher primary address wins). */
    static boolean greater(InetAddress a, InetAddress b) {
        if (a == null || b == null) {
            return false;
        }
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress()) > 0;
    }
}
