package dev.palisade.fence.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A block {@code name { ... }} or {@code name = "value" { ... }} of the fence_virt.conf grammar, with its
 * statements and sub-blocks in file order. Names compare case-insensitively, as fence_virtd's lookups do.
 */
public final class ConfigBlock {
    private final String name;
    private final String value;
    private final ConfigPosition position;
    private final List<ConfigEntry> entries = new ArrayList<>();
    private final List<ConfigBlock> blocks = new ArrayList<>();

    public ConfigBlock(String name, String value, ConfigPosition position) {
        this.name = name;
        this.value = value;
        this.position = position;
    }

    public String name() {
        return name;
    }

    /** The value of {@code name = "value" { ... }}, or null. */
    public String value() {
        return value;
    }

    public ConfigPosition position() {
        return position;
    }

    public List<ConfigEntry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public List<ConfigBlock> blocks() {
        return Collections.unmodifiableList(blocks);
    }

    void add(ConfigEntry e) {
        entries.add(e);
    }

    void add(ConfigBlock b) {
        blocks.add(b);
    }

    /** The last statement with this key (fence_virtd's lookup returns the last occurrence). */
    public Optional<ConfigEntry> last(String key) {
        ConfigEntry found = null;
        for (ConfigEntry e : entries) {
            if (e.key().equalsIgnoreCase(key)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every statement with this key, in file order. */
    public List<ConfigEntry> all(String key) {
        List<ConfigEntry> out = new ArrayList<>();
        for (ConfigEntry e : entries) {
            if (e.key().equalsIgnoreCase(key)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Every sub-block with this name, in file order. */
    public List<ConfigBlock> blocks(String blockName) {
        List<ConfigBlock> out = new ArrayList<>();
        for (ConfigBlock b : blocks) {
            if (b.name.equalsIgnoreCase(blockName)) {
                out.add(b);
            }
        }
        return out;
    }

    /** The last sub-block with this name. */
    public Optional<ConfigBlock> block(String blockName) {
        List<ConfigBlock> all = blocks(blockName);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public String lowerName() {
        return name.toLowerCase(Locale.ROOT);
    }
}
