package dev.palisade.supervisor.status;

import dev.palisade.supervisor.history.HistoryRecord;
import dev.palisade.supervisor.history.HistoryText;
import dev.palisade.supervisor.node.FenceDeviceMonitor;
import dev.palisade.supervisor.node.Health;
import dev.palisade.supervisor.node.NodeStatus;
import java.util.List;

/**
 * {@code /}: the status page, one self-contained HTML document (no script, no external asset: inline styles
 * only, and a Content-Security-Policy that forbids everything else) that reloads itself every
 * {@value #REFRESH_SECONDS} s. It shows both nodes and their states with the active one marked, the heartbeat
 * links with the age of their last frame, the resources, who holds each virtual address, the last transitions
 * with their reasons and the fence history. Every text from the node (names, reasons) is HTML-escaped.
 */
public final class StatusPage {
    static final int REFRESH_SECONDS = 5;
    public static final String CONTENT_TYPE = "text/html; charset=utf-8";
    /** Nothing but inline styles: the page needs no script and loads nothing. */
    public static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'";

    private StatusPage() {
    }

    public static String render(StatusView v) {
        StringBuilder h = new StringBuilder(8192);
        Health health = v.health();
        NodeStatus s = v.snapshot();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>palisade ").append(esc(v.node())).append(": ").append(health.level()).append("</title>")
                .append("<style>").append(STYLE).append("</style></head>\n<body>\n");
        h.append("<h1>palisade <span id=\"node\">").append(esc(v.node())).append("</span> <span id=\"health\" class=\"")
                .append(health.level().word()).append("\">").append(health.level()).append("</span></h1>\n");
        if (!health.reasons().isEmpty()) {
            h.append("<ul id=\"reasons\">");
            for (String r : health.reasons()) {
                h.append("<li>").append(esc(r)).append("</li>");
            }
            h.append("</ul>\n");
        }
        h.append("<h2>Nodes</h2>\n<table id=\"nodes\"><tr><th>node</th><th>state</th><th>since</th><th>detail</th></tr>\n");
        String active = v.activeNode();
        if (s == null) {
            nodeRow(h, v.node(), "STARTING", "", "checking for leftovers of the group before joining", false, true);
        } else {
            nodeRow(h, s.node(), s.state().toString(), HistoryText.time(s.stateSinceMillis()), "this node: "
                    + s.reason() + (s.blocked() != null ? "; waiting: " + s.blocked() : ""), s.node().equals(active), true);
            NodeStatus.Peer p = s.peer();
            String said = p.said() == null ? "UNKNOWN" : p.said().toString();
            nodeRow(h, p.name(), p.heardNow() ? said : "NOT HEARD", "", "peer: membership "
                    + p.membership().toString().toLowerCase() + (p.heardAgoMillis() < 0 ? ", never heard"
                    : ", heard " + (p.heardAgoMillis() + v.late()) + " ms ago") + (!p.heardNow() && p.said() != null
                    ? " (last said " + said + ")" : "") + (p.verifiedOff() ? ", power verified off" : ""),
                    p.name().equals(active), false);
        }
        h.append("</table>\n<p id=\"active\">active node: <b>").append(active == null ? "none" : esc(active))
                .append("</b></p>\n");
        if (s != null) {
            h.append("<h2>Heartbeat links</h2>\n<table id=\"links\"><tr><th>link</th><th>state</th><th>last frame</th></tr>\n");
            for (var l : s.links()) {
                h.append("<tr class=\"").append(l.up() ? "up" : "down").append("\"><td>").append(esc(l.name()))
                        .append("</td><td>").append(l.up() ? "up" : "DOWN").append("</td><td>")
                        .append(l.agoMillis() < 0 ? "never" : (l.agoMillis() + v.late()) + " ms ago").append("</td></tr>\n");
            }
            h.append("</table>\n<h2>Resources</h2>\n<table id=\"resources\"><tr><th>resource</th><th>status</th></tr>\n");
            for (NodeStatus.ResourceView r : s.resources()) {
                h.append("<tr class=\"").append(r.status().name().toLowerCase()).append("\"><td>").append(esc(r.name()))
                        .append("</td><td>").append(r.status()).append("</td></tr>\n");
            }
            h.append("</table>\n<h2>Virtual addresses</h2>\n<table id=\"vips\"><tr><th>instance</th><th>addresses</th>"
                    + "<th>held by</th></tr>\n");
            for (NodeStatus.Vip vip : s.vips()) {
                String holder = v.vipHolder(vip);
                h.append("<tr><td>").append(esc(vip.name())).append("</td><td>").append(esc(vip.addresses()))
                        .append("</td><td class=\"holder\">").append(holder == null ? "nobody" : esc(holder))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n<p>fencing ").append(esc(s.peer().name())).append(": ")
                    .append(esc(s.fencing().error() != null ? s.fencing().error() : s.fencing().plan()))
                    .append(s.fencing().running() ? " <b>(a fence is running)</b>" : "").append("</p>\n");
            if (!s.fencing().devices().isEmpty()) {
                h.append("<ul id=\"fence-devices\">\n");
                for (FenceDeviceMonitor.Check c : s.fencing().devices()) {
                    h.append("<li class=\"").append(c.ok() ? "ok" : "bad").append("\">level ").append(c.level())
                            .append(" ").append(esc(c.device())).append(": ").append(c.ok() ? "ok, power "
                            + esc(c.power()) : "<b>FAILED</b>: " + esc(c.error())).append("</li>\n");
                }
                h.append("</ul>\n");
            }
        }
        h.append("<h2>Last transitions</h2>\n<table id=\"transitions\"><tr><th>time</th><th>from</th><th>to</th>"
                + "<th>reason</th></tr>\n");
        List<HistoryRecord.Transition> ts = v.events();
        for (int i = ts.size() - 1; i >= 0; i--) {
            HistoryRecord.Transition t = ts.get(i);
            h.append("<tr><td>").append(HistoryText.time(t.atMillis())).append("</td><td>").append(t.from())
                    .append("</td><td>").append(t.to()).append("</td><td>").append(esc(t.reason())).append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Fence history</h2>\n<table id=\"fences\"><tr><th>time</th><th>node</th><th>result</th>"
                + "<th>level</th><th>duration</th><th>devices</th><th>detail</th></tr>\n");
        List<HistoryRecord.Fence> fs = v.fences();
        for (int i = fs.size() - 1; i >= 0; i--) {
            HistoryRecord.Fence f = fs.get(i);
            h.append("<tr class=\"").append(f.result().word()).append("\"><td>").append(HistoryText.time(f.atMillis()))
                    .append("</td><td>").append(esc(f.node())).append("</td><td>").append(f.result()).append("</td><td>")
                    .append(f.level()).append("</td><td>").append(f.millis()).append(" ms</td><td>")
                    .append(esc(String.join(", ", f.devices()))).append("</td><td>").append(esc(f.detail()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<footer>generated ").append(HistoryText.time(v.nowMillis())).append("; reloads every ")
                .append(REFRESH_SECONDS).append(" s; <a href=\"/status\">/status</a> (JSON), <a href=\"/metrics\">"
                        + "/metrics</a></footer>\n</body></html>\n");
        return h.toString();
    }

    private static void nodeRow(StringBuilder h, String name, String state, String since, String detail,
                                boolean active, boolean self) {
        h.append("<tr class=\"node").append(active ? " active" : "").append(self ? " self" : " peer")
                .append("\" data-node=\"").append(esc(name)).append("\" data-state=\"").append(esc(state))
                .append("\"><td>").append(esc(name)).append(active ? " <span class=\"badge\">active</span>" : "")
                .append("</td><td class=\"state\">").append(esc(state)).append("</td><td>").append(since)
                .append("</td><td>").append(esc(detail)).append("</td></tr>\n");
    }

    /** HTML text and attribute escaping (the five characters that matter). */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final String STYLE = "body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222}"
            + "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em}"
            + "table{border-collapse:collapse;min-width:40em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
            + "th{background:#f2f2f2}tr.active{background:#e3f6e3;font-weight:bold}tr.down td,tr.failed td{color:#b00}"
            + ".badge{background:#2a2;color:#fff;border-radius:3px;padding:0 .4em;font-size:.8em}"
            + "#health{border-radius:3px;padding:0 .4em;color:#fff}#health.ok{background:#2a2}"
            + "#health.degraded{background:#c80}#health.critical{background:#c00}#health.unknown{background:#777}"
            + "footer{margin-top:2em;color:#777;font-size:.9em}";
}
