package dev.palisade.fence.access;

import dev.palisade.fence.config.ConfigPosition;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.config.Section;
import dev.palisade.fence.wire.HostState;
import java.util.List;
import java.util.Locale;

/**
 * Who may fence whom: fence_virtd's static {@code groups} map with one rule for every request.
 *
 * <p>A source identity (the caller's IP address; later a vsock CID or a serial domain's UUID) may act on a
 * target domain when some group lists the source in {@code ip} (or in {@code uuid}, for a VM identity) and
 * lists the target in {@code uuid} by its name or by its UUID. The host list shows exactly the domains
 * the caller could act on. With no group listing any source or target, everything is allowed, as in
 * fence_virtd. All comparisons ignore case.
 */
public final class AccessMap {
    private final List<Group> groups;
    private final boolean open;

    /** One {@code group { name; ip; uuid; }} block, as the configuration read it. */
    public record Group(String name, List<String> sources, List<String> targets, ConfigPosition position) {
        public Group {
            sources = List.copyOf(sources);
            targets = List.copyOf(targets);
        }

        static Group of(FenceDaemonConfig.Group g) {
            return new Group(g.name(), g.sources(), g.targets(), g.position());
        }

        boolean listsSource(String source) {
            return contains(sources, source) || contains(targets, source);
        }

        boolean listsTarget(HostState target) {
            return contains(targets, target.domain()) || contains(targets, target.uuid());
        }

        String describe() {
            return "group '" + (name == null ? "(unnamed)" : name) + "'" + (position == null ? "" : " at " + position);
        }
    }

    /** The access map a listener applies: every group, or exactly the groups its section names. */
    public static AccessMap of(FenceDaemonConfig config, FenceDaemonConfig.ListenerConfig listener) {
        List<Group> chosen = config.groupsOf(listener).stream().map(Group::of).toList();
        return listener.groups().isEmpty() ? new AccessMap(chosen) : restrictedTo(chosen);
    }

    /** The outcome of a check, with the rule that decided it, for the log. */
    public record Decision(boolean allowed, String rule) {
    }

    public AccessMap(List<Group> groups) {
        this(groups, false);
    }

    private AccessMap(List<Group> groups, boolean restricted) {
        this.groups = List.copyOf(groups);
        boolean any = restricted;
        for (Group g : groups) {
            any |= !g.sources.isEmpty() || !g.targets.isEmpty();
        }
        this.open = !any;
    }

    /**
     * A listener's scope: exactly these groups, never open, even when they list nothing (a listener that
     * names its groups has asked to be restricted).
     */
    public static AccessMap restrictedTo(List<Group> groups) {
        return new AccessMap(groups, true);
    }

    public static AccessMap allowAll() {
        return new AccessMap(List.of());
    }

    public boolean isOpen() {
        return open;
    }

    /** May {@code source} act on {@code target}? */
    public Decision check(String source, HostState target) {
        if (open) {
            return new Decision(true, "no groups configured: every source may fence every domain");
        }
        boolean sourceKnown = false;
        for (Group g : groups) {
            if (g.listsSource(source)) {
                sourceKnown = true;
                if (g.listsTarget(target)) {
                    return new Decision(true, g.describe() + " lists " + source + " and " + target.domain());
                }
            }
        }
        if (!sourceKnown) {
            return new Decision(false, "no group lists source " + source + " in 'ip' or 'uuid'");
        }
        StringBuilder which = new StringBuilder();
        for (Group g : groups) {
            if (g.listsSource(source)) {
                which.append(which.length() == 0 ? "" : ", ").append(g.describe());
            }
        }
        return new Decision(false, "source " + source + " is in " + which + ", but none lists domain '"
                + target.domain() + "' (uuid " + target.uuid() + ") in 'uuid'");
    }

    /** Whether some group names this source identity at all. */
    public boolean knowsSource(String source) {
        for (Group g : groups) {
            if (g.listsSource(source)) {
                return true;
            }
        }
        return false;
    }

    /** The host-list entries {@code source} may see: the same rule as {@link #check}. */
    public List<HostState> filter(String source, List<HostState> hosts) {
        if (open) {
            return hosts;
        }
        return hosts.stream().filter(h -> check(source, h).allowed()).toList();
    }

    /** Case-insensitive, and two spellings of one IP address ("fd77::1", "fd77:0::1") are equal. */
    private static boolean contains(List<String> list, String value) {
        if (value == null) {
            return false;
        }
        String v = value.toLowerCase(Locale.ROOT);
        java.net.InetAddress va = Section.parseLiteral(value);
        for (String s : list) {
            if (s.toLowerCase(Locale.ROOT).equals(v)) {
                return true;
            }
            if (va != null && va.equals(Section.parseLiteral(s))) {
                return true;
            }
        }
        return false;
    }
}
