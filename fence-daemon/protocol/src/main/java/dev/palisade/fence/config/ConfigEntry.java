package dev.palisade.fence.config;

/** One {@code key = "value";} statement. */
public record ConfigEntry(String key, String value, ConfigPosition keyPosition, ConfigPosition valuePosition) {
}
