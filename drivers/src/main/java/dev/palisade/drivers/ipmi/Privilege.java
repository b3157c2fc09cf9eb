package dev.palisade.drivers.ipmi;

import java.util.Locale;

/** Session privilege levels (IPMI v2.0 §6.8). Chassis Control needs OPERATOR. */
public enum Privilege {
    USER(2), OPERATOR(3), ADMINISTRATOR(4);

    private final int level;

    Privilege(int level) {
        this.level = level;
    }

    public int level() {
        return level;
    }

    /** ipmitool's -L names (case-insensitive): USER, OPERATOR, ADMINISTRATOR. */
    public static Privilege parse(String s) {
        return switch (s.toUpperCase(Locale.ROOT)) {
            case "USER" -> USER;
            case "OPERATOR" -> OPERATOR;
            case "ADMINISTRATOR", "ADMIN" -> ADMINISTRATOR;
            default -> throw new IllegalArgumentException("privilege level '" + s
                    + "' is not USER, OPERATOR or ADMINISTRATOR");
        };
    }
}
