package dev.palisade.supervisor.console;

import java.util.List;

/**
 * The numbered menu ({@code menu}), for an operator who does not know the commands, like the pfSense and
 * OPNsense console menus: each number runs one command line, with the same confirmation as when typed.
 */
final class ConsoleMenu {
    record Item(String label, String line) {
    }

    static final List<Item> ITEMS = List.of(
            new Item("Status", "status"),
            new Item("Heartbeat links", "links"),
            new Item("Resources", "resources"),
            new Item("Events (transitions)", "events"),
            new Item("Fence history", "fence-history"),
            new Item("Standby (hand the group over)", "standby"),
            new Item("Unstandby", "unstandby"),
            new Item("Switchover", "switchover"),
            new Item("Maintenance on", "maintenance on"),
            new Item("Maintenance off", "maintenance off"),
            new Item("Doctor", "doctor"),
            new Item("Check configuration", "check-config"),
            new Item("Log (last 40 lines)", "log"));

    private ConsoleMenu() {
    }

    /** The menu in two columns that fit 80 columns. */
    static String render(String node) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n  palisade console: ").append(node).append("\n\n");
        int half = (ITEMS.size() + 1) / 2;
        for (int i = 0; i < half; i++) {
            sb.append(String.format(" %2d) %-32s", i + 1, ITEMS.get(i).label()));
            if (i + half < ITEMS.size()) {
                sb.append(String.format(" %2d) %s", i + half + 1, ITEMS.get(i + half).label()));
            }
            sb.append('\n');
        }
        sb.append("  0) Leave the menu\n");
        return sb.toString();
    }

    /** The command line for a chosen number, or null for 0, an empty answer or a number not in the menu. */
    static String choose(String answer) {
        String a = answer.strip();
        if (!a.matches("[0-9]{1,2}")) {
            return null;
        }
        int n = Integer.parseInt(a);
        return n >= 1 && n <= ITEMS.size() ? ITEMS.get(n - 1).line() : null;
    }
}
