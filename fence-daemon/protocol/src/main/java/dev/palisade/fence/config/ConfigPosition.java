package dev.palisade.fence.config;

/** Where something stands in a configuration file: 1-based line and column. */
public record ConfigPosition(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
