package dev.palisade.supervisor.cluster.galera;

import java.util.HashMap;
import java.util.Map;

/**
 * The wsrep status variables that decide whether a node may serve writes, read from
 * {@code SHOW GLOBAL STATUS LIKE 'wsrep_%'} (tab-separated name and value per line, as {@code mariadb --batch}
 * prints them): {@code wsrep_cluster_status} (Primary / non-Primary / Disconnected), {@code wsrep_local_state}
 * (4 = Synced; 1 Joining, 2 Donor/Desynced, 3 Joined), {@code wsrep_ready} (ON when it accepts queries).
 */
public record WsrepStatus(String clusterStatus, int localState, boolean ready, String stateUuid, long lastCommitted,
                          int clusterSize) {
    /** {@code wsrep_local_state} of a node in sync with the component. */
    public static final int SYNCED = 4;

    public boolean primary() {
        return "Primary".equals(clusterStatus);
    }

    public boolean synced() {
        return localState == SYNCED;
    }

    /** Parses the client's output; unknown or missing variables read as "not ready". */
    public static WsrepStatus parse(String batchOutput) {
        Map<String, String> v = new HashMap<>();
        for (String line : batchOutput.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                v.put(line.substring(0, tab).trim().toLowerCase(java.util.Locale.ROOT), line.substring(tab + 1).trim());
            }
        }
        return new WsrepStatus(v.getOrDefault("wsrep_cluster_status", "Disconnected"),
                number(v.get("wsrep_local_state")), "ON".equalsIgnoreCase(v.get("wsrep_ready")),
                v.getOrDefault("wsrep_cluster_state_uuid", ""), number(v.get("wsrep_last_committed")),
                number(v.get("wsrep_cluster_size")));
    }

    private static int number(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return clusterStatus + ", " + (synced() ? "Synced" : "local state " + localState) + ", ready "
                + (ready ? "ON" : "OFF") + ", size " + clusterSize + ", last committed " + lastCommitted;
    }
}
