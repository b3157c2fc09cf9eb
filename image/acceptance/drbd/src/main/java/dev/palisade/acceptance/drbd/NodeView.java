package dev.palisade.acceptance.drbd;

import java.util.HashMap;
import java.util.Map;

/**
 * What one look at an appliance saw (view.sh): the supervisor's unit state and its one-line status
 * ({@code ACTIVE, peer STANDBY, 2/2 links}), DRBD's connection, role and disks
 * ({@code Connected Primary/Secondary UpToDate/UpToDate}, or {@code Unconfigured}), whether the VIP is on eth0,
 * whether mariadbd runs, and the guest's clock (epoch ns).
 */
record NodeView(String node, String unit, String status, String drbd, boolean vip, boolean mariadb, long clockNanos) {

    static NodeView parse(String node, String text) {
        Map<String, String> kv = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                kv.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        long clock;
        try {
            clock = Long.parseLong(kv.getOrDefault("clock", "0"));
        } catch (NumberFormatException e) {
            clock = 0;
        }
        return new NodeView(node, kv.getOrDefault("systemd", "?"), kv.getOrDefault("status", ""),
                kv.getOrDefault("drbd", "?"), "yes".equals(kv.get("vip")), "yes".equals(kv.get("mariadb")), clock);
    }

    /** The failover state, the status line's first word (ACTIVE, STANDBY, ...), or "" before the first status. */
    String state() {
        int end = status.indexOf(',');
        String s = (end < 0 ? status : status.substring(0, end)).strip();
        int paren = s.indexOf(" (");
        return paren < 0 ? s : s.substring(0, paren);
    }

    /** Whether the supervisor says its group waits for data (a Consistent disk, a resync). */
    boolean waitingForData() {
        return status.contains("(waiting for data)");
    }

    /** What the supervisor last heard the peer say ("STANDBY"), or "not heard". */
    String peerSays() {
        int p = status.indexOf("peer ");
        if (p < 0) {
            return "";
        }
        int end = status.indexOf(',', p);
        return status.substring(p + 5, end < 0 ? status.length() : end).strip();
    }

    String links() {
        int comma = status.lastIndexOf(", ");
        return comma < 0 ? "" : status.substring(comma + 2);
    }

    private String drbdField(int i) {
        String[] f = drbd.split(" ");
        return f.length == 3 ? f[i] : "";
    }

    String connection() {
        return drbd.equals("Unconfigured") ? drbd : drbdField(0);
    }

    /** This node's DRBD role (Primary, Secondary), or "" when the resource is not up. */
    String role() {
        String r = drbdField(1);
        int slash = r.indexOf('/');
        return slash < 0 ? r : r.substring(0, slash);
    }

    /** This node's disk state (UpToDate, Consistent, Outdated, ...), or "". */
    String disk() {
        String d = drbdField(2);
        int slash = d.indexOf('/');
        return slash < 0 ? d : d.substring(0, slash);
    }

    String peerDisk() {
        String d = drbdField(2);
        int slash = d.indexOf('/');
        return slash < 0 ? "" : d.substring(slash + 1);
    }

    @Override
    public String toString() {
        return node + ": " + unit + " [" + status + "] drbd " + drbd + (vip ? ", VIP" : "") + (mariadb ? ", mariadbd" : "");
    }
}
