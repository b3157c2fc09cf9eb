package dev.palisade.fence.config;

/**
 * A configuration error an operator must fix. The message always starts with {@code file:line:column}
 * and ends with what to do.
 */
public final class ConfigException extends Exception {
    private final ConfigPosition position;

    public ConfigException(ConfigPosition position, String problem, String fix) {
        super(position + ": " + problem + (fix == null || fix.isEmpty() ? "" : "; " + fix));
        this.position = position;
    }

    public ConfigPosition position() {
        return position;
    }
}
