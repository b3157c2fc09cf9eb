package dev.palisade.drivers.ipmi;

/** Chassis Control request codes (IPMI v2.0 §28.3) and the word ipmitool prints for each. */
public enum ChassisControl {
    POWER_DOWN(0, "Down/Off"),
    POWER_UP(1, "Up/On"),
    POWER_CYCLE(2, "Cycle"),
    HARD_RESET(3, "Reset"),
    DIAGNOSTIC_INTERRUPT(4, "Diag"),
    SOFT_SHUTDOWN(5, "Soft");

    private final int code;
    private final String word;

    ChassisControl(int code, String word) {
        this.code = code;
        this.word = word;
    }

    public int code() {
        return code;
    }

    /** "Down/Off", "Up/On", ...: what follows "Chassis Power Control: " in ipmitool's output. */
    public String word() {
        return word;
    }
}
