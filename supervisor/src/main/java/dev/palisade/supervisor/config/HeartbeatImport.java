package dev.palisade.supervisor.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns Heartbeat's ha.cf, haresources and authkeys into a Palisade supervisor configuration. Every
 * directive Palisade has an equivalent for is mapped; everything else is reported with its line number
 * and why it was left out, so an operator migrating knows exactly what changed.
 */
public final class HeartbeatImport {
    /** The result: the configuration text, the key material from authkeys (or null), and the report. */
    public record Result(String config, byte[] keyMaterial, List<String> report) {
    }

    /** One source line after comment removal and backslash joining, with its first line number. */
    record Line(int number, String text) {
    }

    private final List<String> report = new ArrayList<>();
    private final List<String> nodes = new ArrayList<>();
    private final List<String> links = new ArrayList<>();
    private final java.util.Set<Integer> usedPorts = new java.util.HashSet<>();
    private String keepalive;
    private String warntime;
    private String deadtime;
    private String initdead;
    private String autoFailback = "off";

    private HeartbeatImport() {
    }

    /**
     * Imports the three files' contents (any may be null when missing). {@code thisNode} names the node the
     * configuration is for; null picks the first {@code node} line (reported).
     */
    public static Result convert(String haCf, String haresources, String authkeys, String thisNode, String keyPath) {
        HeartbeatImport h = new HeartbeatImport();
        return h.run(haCf, haresources, authkeys, thisNode, keyPath);
    }

    private Result run(String haCf, String haresources, String authkeys, String thisNode, String keyPath) {
        if (haCf == null) {
            report.add("ha.cf: missing; nothing to import");
            return new Result(null, null, report);
        }
        readHaCf(haCf);
        byte[] key = authkeys == null ? null : readAuthkeys(authkeys);
        if (authkeys == null) {
            report.add("authkeys: missing; make a cluster key with: palisade fence-keygen -f " + keyPath);
        }
        List<String> groups = haresources == null ? List.of() : readHaresources(haresources);
        if (nodes.size() != 2) {
            report.add("ha.cf: " + nodes.size() + " node(s) named; a Palisade pair has exactly two (node lines: "
                    + String.join(", ", nodes) + ")");
            if (nodes.size() < 2) {
                return new Result(null, key, report);
            }
        }
        String node = thisNode;
        if (node == null || !nodes.contains(node.toLowerCase(Locale.ROOT))) {
            if (node != null) {
                report.add("'" + node + "' is not one of the nodes " + nodes + "; writing the configuration for "
                        + nodes.get(0));
            } else {
                report.add("writing the configuration for node " + nodes.get(0) + " (pass --node to choose)");
            }
            node = nodes.get(0);
        }
        node = node.toLowerCase(Locale.ROOT);
        String peer = nodes.get(0).equals(node) ? nodes.get(1) : nodes.get(0);
        if (links.isEmpty()) {
            report.add("ha.cf: no bcast, mcast, ucast or serial medium; add a link before using this configuration");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# Imported from Heartbeat's ha.cf, haresources and authkeys by palisade import-heartbeat.\n");
        sb.append("supervisor {\n\tnode = \"").append(node).append("\";\n\tpeer = \"").append(peer).append("\";\n");
        for (String[] kv : new String[][] {{"keepalive", keepalive}, {"warntime", warntime}, {"deadtime", deadtime},
                {"initdead", initdead}}) {
            if (kv[1] != null) {
                sb.append('\t').append(kv[0]).append(" = \"").append(kv[1]).append("\";\n");
            }
        }
        sb.append("\tauto_failback = \"").append(autoFailback).append("\";\n}\n");
        sb.append("auth {\n\tkey_file = \"").append(keyPath).append("\";\n}\n");
        sb.append("links {\n");
        links.forEach(l -> sb.append('\t').append(l).append('\n'));
        sb.append("}\n");
        if (!groups.isEmpty()) {
            sb.append("resources {\n");
            groups.forEach(sb::append);
            sb.append("}\n");
        }
        return new Result(sb.toString(), key, report);
    }

    /** Comment removal and backslash continuation, keeping the first line number of each logical line. */
    static List<Line> lines(String text) {
        List<Line> out = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        StringBuilder cur = null;
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            String l = raw[i];
            int hash = l.indexOf('#');
            if (hash >= 0) {
                l = l.substring(0, hash);
            }
            boolean cont = l.stripTrailing().endsWith("\\");
            if (cont) {
                l = l.stripTrailing();
                l = l.substring(0, l.length() - 1);
            }
            if (cur == null) {
                cur = new StringBuilder();
                start = i + 1;
            }
            cur.append(' ').append(l);
            if (!cont) {
                String t = cur.toString().trim();
                if (!t.isEmpty()) {
                    out.add(new Line(start, t));
                }
                cur = null;
            }
        }
        if (cur != null && !cur.toString().isBlank()) {
            out.add(new Line(start, cur.toString().trim()));
        }
        return out;
    }

    /** A token that cannot stand inside a quoted value of the configuration grammar. */
    private static boolean unquotable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c < 0x20 && c != '\t' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** The logical lines of a file, less those that carry characters no configuration value may hold. */
    private List<Line> usable(String file, String text) {
        List<Line> out = new ArrayList<>();
        for (Line l : lines(text)) {
            if (unquotable(l.text())) {
                report.add(file + ":" + l.number() + ": a double quote or control character; line left out");
            } else {
                out.add(l);
            }
        }
        return out;
    }

    private void readHaCf(String text) {
        int udpport = 694;
        int baud = 19200;
        for (Line line : usable("ha.cf", text)) {
            String[] w = line.text().split("\\s+");
            String d = w[0].toLowerCase(Locale.ROOT);
            String where = "ha.cf:" + line.number() + ": ";
            switch (d) {
                case "keepalive", "warntime", "deadtime", "initdead" -> {
                    String v = w.length > 1 ? time(w[1]) : null;
                    if (v == null) {
                        report.add(where + d + " '" + (w.length > 1 ? w[1] : "") + "' is not a Heartbeat time; left out");
                    } else {
                        switch (d) {
                            case "keepalive" -> keepalive = v;
                            case "warntime" -> warntime = v;
                            case "deadtime" -> deadtime = v;
                            default -> initdead = v;
                        }
                    }
                }
                case "node" -> {
                    for (int i = 1; i < w.length; i++) {
                        nodes.add(w[i].toLowerCase(Locale.ROOT));
                    }
                }
                case "udpport" -> udpport = intArg(w, udpport, where);
                case "baud" -> baud = intArg(w, baud, where);
                case "serial" -> {
                    for (int i = 1; i < w.length; i++) {
                        links.add("serial { device = \"" + w[i] + "\"; baud = \"" + baud + "\"; }");
                    }
                }
                case "bcast" -> {
                    for (int i = 1; i < w.length; i++) {
                        links.add("udp { interface = \"" + w[i] + "\"; broadcast = \"255.255.255.255\"; port = \""
                                + port(udpport, where) + "\"; }");
                    }
                    report.add(where + "bcast mapped to a limited broadcast per interface; ucast to the peer's "
                            + "address is the better link on a dedicated cable");
                }
                case "ucast" -> {
                    if (w.length < 3) {
                        report.add(where + "ucast needs an interface and an address; left out");
                    } else {
                        links.add("udp { interface = \"" + w[1] + "\"; peer = \"" + w[2] + "\"; port = \""
                                + port(udpport, where) + "\"; }");
                        report.add(where + "ucast " + w[2] + " imported; Heartbeat configurations often list both "
                                + "nodes' addresses: keep only the peer's in each node's file");
                    }
                }
                case "mcast" -> {
                    if (w.length < 3) {
                        report.add(where + "mcast needs interface, group and port; left out");
                    } else {
                        int wanted = udpport;
                        if (w.length > 3) {
                            try {
                                wanted = Integer.parseInt(w[3]);
                            } catch (NumberFormatException e) {
                                report.add(where + "mcast port '" + w[3] + "' is not a number; using " + udpport);
                            }
                        }
                        links.add("udp { interface = \"" + w[1] + "\"; group = \"" + w[2] + "\"; port = \""
                                + port(wanted, where) + "\"; }");
                    }
                }
                case "auto_failback" -> {
                    String v = w.length > 1 ? w[1].toLowerCase(Locale.ROOT) : "";
                    if (v.matches("on|yes|true|y|1")) {
                        autoFailback = "on";
                    } else if (v.matches("off|no|false|n|0")) {
                        autoFailback = "off";
                    } else {
                        autoFailback = "off";
                        report.add(where + "auto_failback " + v + " mapped to off (Palisade has no legacy mode)");
                    }
                }
                case "mcast6", "ucast6" -> report.add(where + d + ": IPv6 heartbeat links are not supported yet; left out");
                case "crm", "pacemaker" -> report.add(where + d + ": Palisade manages resources itself; left out");
                case "watchdog" -> report.add(where + "watchdog: not mapped in this release; left out");
                case "ping", "ping_group", "deadping", "respawn", "apiauth", "hopfudge", "realtime", "rtprio",
                        "debug", "debugfile", "logfile", "logfacility", "use_logd", "msgfmt", "hbgenmethod",
                        "autojoin", "uuidfrom", "compression", "compression_threshold", "traditional_compression",
                        "coredumps", "conn_logd_time", "stonith", "stonith_host" ->
                        report.add(where + d + ": no Palisade equivalent; left out");
                default -> report.add(where + "unknown directive '" + w[0] + "'; left out");
            }
        }
    }

    /**
     * Heartbeat's media may share udpport; each Palisade UDP link has a socket of its own, so a link whose
     * port is taken gets the next free one (the same on both nodes, which import the same ha.cf).
     */
    private int port(int wanted, String where) {
        int p = wanted;
        while (!usedPorts.add(p)) {
            p++;
        }
        if (p != wanted) {
            report.add(where + "port " + wanted + " is used by an earlier link; this link uses " + p
                    + " (each Palisade link has its own port; import the same ha.cf on both nodes)");
        }
        return p;
    }

    private int intArg(String[] w, int current, String where) {
        try {
            return Integer.parseInt(w[1]);
        } catch (RuntimeException e) {
            report.add(where + w[0] + " needs a number; kept " + current);
            return current;
        }
    }

    /** Heartbeat time syntax: seconds (fractions allowed) or NNNms. */
    static String time(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                long ms = Long.parseLong(s.substring(0, s.length() - 2));
                return ms >= 0 ? ms + "ms" : null;
            }
            double sec = Double.parseDouble(s);
            if (sec < 0 || sec > 86_400) {
                return null;
            }
            long ms = Math.round(sec * 1000);
            return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private byte[] readAuthkeys(String text) {
        String index = null;
        java.util.Map<String, String[]> methods = new java.util.HashMap<>();
        for (Line line : usable("authkeys", text)) {
            String[] w = line.text().split("\\s+");
            String where = "authkeys:" + line.number() + ": ";
            if (w[0].equals("auth")) {
                if (w.length < 2) {
                    report.add(where + "'auth' without an index");
                } else {
                    index = w[1];
                }
            } else if (w[0].matches("\\d+") && w.length >= 2) {
                methods.put(w[0], w);
            } else {
                report.add(where + "not an authkeys line; left out");
            }
        }
        if (index == null) {
            report.add("authkeys: no 'auth N' line; make a cluster key with palisade fence-keygen");
            return null;
        }
        String[] m = methods.get(index);
        if (m == null) {
            report.add("authkeys: auth " + index + " names no key line; make a cluster key with palisade fence-keygen");
            return null;
        }
        String method = m[1].toLowerCase(Locale.ROOT);
        if (method.equals("crc")) {
            report.add("authkeys: method crc has no secret at all; make a cluster key with palisade fence-keygen");
            return null;
        }
        if (m.length < 3) {
            report.add("authkeys: " + method + " without a key; make a cluster key with palisade fence-keygen");
            return null;
        }
        byte[] secret = m[2].getBytes(StandardCharsets.ISO_8859_1);
        if (!method.equals("sha1") && !method.equals("md5")) {
            report.add("authkeys: unknown method " + method + "; its key is imported as key material anyway");
        }
        if (secret.length < 32) {
            report.add("authkeys: the " + method + " key is " + secret.length + " bytes, weaker than the 32 random "
                    + "bytes Palisade requires; it will be refused: make a new key with palisade fence-keygen");
        }
        return secret;
    }

    private List<String> readHaresources(String text) {
        List<String> out = new ArrayList<>();
        for (Line line : usable("haresources", text)) {
            String[] w = line.text().split("\\s+");
            if (w.length < 2) {
                report.add("haresources:" + line.number() + ": a home node without resources; left out");
                continue;
            }
            StringBuilder g = new StringBuilder("\tgroup {\n\t\thome = \"").append(w[0].toLowerCase(Locale.ROOT))
                    .append("\";\n");
            for (int i = 1; i < w.length; i++) {
                g.append("\t\tresource = \"").append(resource(w[i])).append("\";\n");
            }
            g.append("\t}\n");
            out.add(g.toString());
        }
        return out;
    }

    /** haresources shorthand: a bare IPv4 address is IPaddr::address. */
    static String resource(String r) {
        return r.matches("\\d+\\.\\d+\\.\\d+\\.\\d+(/.*)?") ? "IPaddr::" + r : r;
    }
}
