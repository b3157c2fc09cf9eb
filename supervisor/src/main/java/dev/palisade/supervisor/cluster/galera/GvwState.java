package dev.palisade.supervisor.cluster.galera;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code gvwstate.dat}: the last Primary Component view a node saw, which Galera keeps while it runs (and after a
 * crash) for {@code pc.recovery}; a clean shutdown removes it.
 * <pre>
 * my_uuid: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4
 * #vwbeg
 * view_id: 3 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 5
 * bootstrap: 0
 * member: 1d0a5f2f-f0d7-11ee-a2b7-7fa3b3fd4e7e 0
 * member: 9a7c6d5e-f0d7-11ee-9fd2-2b8bdfd1a0c4 0
 * #vwend
 * </pre>
 * {@code view_id} is the view's type, its representative's uuid and its sequence number: nodes whose files name
 * the same view were members of the same Primary Component when they went down.
 */
public record GvwState(UUID myUuid, View view, List<UUID> members) {
    /** A Primary Component view: {@code view_id: TYPE UUID SEQ}. */
    public record View(int type, UUID uuid, long seq) {
        @Override
        public String toString() {
            return type + " " + uuid + " " + seq;
        }
    }

    public static GvwState parse(byte[] raw) throws GaleraStateException {
        String text = GaleraText.text(raw, "gvwstate.dat");
        UUID me = null;
        View view = null;
        List<UUID> members = new ArrayList<>();
        boolean inView = false;
        boolean viewEnded = false;
        int n = 0;
        for (String line : text.split("\r?\n", -1)) {
            n++;
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.equals("#vwbeg")) {
                if (inView || viewEnded) {
                    throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat line " + n
                            + ": a second #vwbeg");
                }
                inView = true;
                continue;
            }
            if (l.equals("#vwend")) {
                if (!inView) {
                    throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat line " + n
                            + ": #vwend without #vwbeg");
                }
                inView = false;
                viewEnded = true;
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new GaleraStateException(GaleraStateException.Defect.SYNTAX, "gvwstate.dat line " + n + " '"
                        + GraState.abbreviate(l) + "' is not 'key: value'");
            }
            String key = l.substring(0, colon).strip();
            String[] v = l.substring(colon + 1).strip().split("\\s+");
            switch (key) {
                case "my_uuid" -> {
                    if (me != null) {
                        throw new GaleraStateException(GaleraStateException.Defect.DUPLICATE, "gvwstate.dat line " + n
                                + " gives my_uuid a second time");
                    }
                    me = GaleraText.uuid(v[0], "gvwstate.dat my_uuid");
                }
                case "view_id" -> {
                    if (!inView || view != null || v.length != 3) {
                        throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat line " + n
                                + ": view_id must be 'TYPE UUID SEQ', once, between #vwbeg and #vwend");
                    }
                    int type;
                    try {
                        type = Integer.parseInt(v[0]);
                    } catch (NumberFormatException e) {
                        throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat line " + n
                                + ": view type '" + GraState.abbreviate(v[0]) + "' is not a number");
                    }
                    view = new View(type, GaleraText.uuid(v[1], "gvwstate.dat view_id"),
                            GaleraText.seqno(v[2], "gvwstate.dat view sequence"));
                }
                case "member" -> {
                    if (!inView) {
                        throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat line " + n
                                + ": member outside #vwbeg ... #vwend");
                    }
                    members.add(GaleraText.uuid(v[0], "gvwstate.dat member"));
                }
                default -> {
                    // bootstrap: and keys of later versions
                }
            }
        }
        if (me == null) {
            throw new GaleraStateException(GaleraStateException.Defect.MISSING, "gvwstate.dat has no my_uuid");
        }
        if (view == null || !viewEnded) {
            throw new GaleraStateException(GaleraStateException.Defect.VIEW, "gvwstate.dat has no complete view "
                    + "(#vwbeg, view_id, #vwend)");
        }
        return new GvwState(me, view, List.copyOf(members));
    }
}
