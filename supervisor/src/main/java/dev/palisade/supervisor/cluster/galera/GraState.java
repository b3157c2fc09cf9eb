package dev.palisade.supervisor.cluster.galera;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * {@code grastate.dat}, Galera's saved state in the data directory, as galera-4 writes it:
 * <pre>
 * # GALERA saved state
 * version: 2.1
 * uuid:    6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c
 * seqno:   -1
 * safe_to_bootstrap: 0
 * </pre>
 * {@code seqno: -1} means the node did not stop cleanly (or runs now): its position must be recovered from
 * InnoDB with {@code mariadbd --wsrep-recover}. {@code safe_to_bootstrap: 1} is written by the last node to
 * leave the Primary Component cleanly. Unknown keys are kept out of the way (later versions may add some);
 * a missing safe_to_bootstrap (files older than Galera 3.19) reads as 0.
 */
public record GraState(String version, UUID uuid, long seqno, boolean safeToBootstrap) {
    /** Galera's "no cluster" uuid: a node that never joined one, or whose state was discarded. */
    public static final UUID ZERO = new UUID(0, 0);

    public static GraState parse(byte[] raw) throws GaleraStateException {
        String text = GaleraText.text(raw, "grastate.dat");
        Map<String, String> kv = new HashMap<>();
        int n = 0;
        for (String line : text.split("\r?\n", -1)) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new GaleraStateException(GaleraStateException.Defect.SYNTAX, "grastate.dat line " + n + " '"
                        + abbreviate(l) + "' is not 'key: value'");
            }
            String key = l.substring(0, colon).strip();
            if (kv.put(key, l.substring(colon + 1).strip()) != null) {
                throw new GaleraStateException(GaleraStateException.Defect.DUPLICATE, "grastate.dat line " + n
                        + " gives '" + key + "' a second time");
            }
        }
        for (String k : new String[] {"uuid", "seqno"}) {
            if (!kv.containsKey(k)) {
                throw new GaleraStateException(GaleraStateException.Defect.MISSING, "grastate.dat has no '" + k + "'");
            }
        }
        String safe = kv.getOrDefault("safe_to_bootstrap", "0");
        if (!safe.equals("0") && !safe.equals("1")) {
            throw new GaleraStateException(GaleraStateException.Defect.FLAG, "grastate.dat safe_to_bootstrap '"
                    + abbreviate(safe) + "' is neither 0 nor 1");
        }
        return new GraState(kv.getOrDefault("version", "?"), GaleraText.uuid(kv.get("uuid"), "grastate.dat uuid"),
                GaleraText.seqno(kv.get("seqno"), "grastate.dat seqno"), safe.equals("1"));
    }

    /**
     * The same file with safe_to_bootstrap set to 1 and every other line kept byte for byte: what the elected node's
     * file must say before {@code --wsrep-new-cluster} (galera-4 refuses to bootstrap from a node marked 0).
     */
    public static String markedSafe(String text) {
        StringBuilder out = new StringBuilder();
        boolean found = false;
        for (String line : text.split("(?<=\n)", -1)) {
            if (line.strip().startsWith("safe_to_bootstrap:")) {
                out.append("safe_to_bootstrap: 1").append(line.endsWith("\n") ? "\n" : "");
                found = true;
            } else {
                out.append(line);
            }
        }
        if (!found) {
            out.append(text.isEmpty() || text.endsWith("\n") ? "" : "\n").append("safe_to_bootstrap: 1\n");
        }
        return out.toString();
    }

    static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
