package dev.palisade.supervisor.cluster.galera;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The position {@code mariadbd --wsrep-recover} finds in InnoDB, read from the log it writes:
 * {@code [Note] WSREP: Recovered position: 6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c:1234}. The last such line counts
 * (a log may hold earlier runs). A position of {@code 00000000-...:-1} means InnoDB holds none.
 */
public record RecoveredPosition(UUID uuid, long seqno) {
    private static final Pattern LINE = Pattern.compile("WSREP: Recovered position: ?([^\\s:]+):(-?[0-9]+)\\s*$",
            Pattern.MULTILINE);

    public static RecoveredPosition parse(byte[] log) throws GaleraStateException {
        if (log.length > 16 * 1024 * 1024) {
            throw new GaleraStateException(GaleraStateException.Defect.TOO_LARGE, "a recovery log of " + log.length
                    + " bytes");
        }
        Matcher m = LINE.matcher(new String(log, java.nio.charset.StandardCharsets.UTF_8));
        String uuid = null;
        String seqno = null;
        while (m.find()) {
            uuid = m.group(1);
            seqno = m.group(2);
        }
        if (uuid == null) {
            throw new GaleraStateException(GaleraStateException.Defect.MISSING, "no 'WSREP: Recovered position' line"
                    + " in the recovery log");
        }
        return new RecoveredPosition(GaleraText.uuid(uuid, "recovered uuid"), GaleraText.seqno(seqno,
                "recovered seqno"));
    }

    @Override
    public String toString() {
        return uuid + ":" + seqno;
    }
}
