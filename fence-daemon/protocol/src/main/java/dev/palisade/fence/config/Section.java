package dev.palisade.fence.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A typed view of one block that knows its legal keys and sub-blocks: anything else is an error at the
 * exact file:line:column, with the list of what is allowed there. Every typed reader goes through here,
 * so every value error names its position and the accepted values.
 */
public final class Section {
    private final ConfigBlock block;
    private final String path;

    public Section(ConfigBlock block, String path) {
        this.block = block;
        this.path = path;
    }

    public ConfigBlock block() {
        return block;
    }

    public String path() {
        return path;
    }

    /** Fails on any key or sub-block not in the given sets. */
    public Section allow(Set<String> keys, Set<String> blocks) throws ConfigException {
        for (ConfigEntry e : block.entries()) {
            if (!keys.contains(e.key().toLowerCase(Locale.ROOT))) {
                throw new ConfigException(e.keyPosition(), "unknown key '" + e.key() + "' in " + where(),
                        keys.isEmpty() ? "this block takes no keys, only blocks: " + new TreeSet<>(blocks)
                                : "known keys here: " + String.join(", ", new TreeSet<>(keys)));
            }
        }
        for (ConfigBlock b : block.blocks()) {
            if (!blocks.contains(b.lowerName())) {
                throw new ConfigException(b.position(), "unknown block '" + b.name() + "' in " + where(),
                        blocks.isEmpty() ? "this block takes no sub-blocks" : "known blocks here: "
                                + String.join(", ", new TreeSet<>(blocks)));
            }
        }
        return this;
    }

    private String where() {
        return path.isEmpty() ? "the top level" : "'" + path + "'";
    }

    public Optional<Section> child(String name) {
        return block.block(name).map(b -> new Section(b, path.isEmpty() ? b.name() : path + "/" + b.name()));
    }

    public List<Section> children(String name) {
        List<Section> out = new ArrayList<>();
        for (ConfigBlock b : block.blocks(name)) {
            out.add(new Section(b, path.isEmpty() ? b.name() : path + "/" + b.name()));
        }
        return out;
    }

    public Optional<ConfigEntry> entry(String key) {
        return block.last(key);
    }

    public String string(String key, String def) {
        return block.last(key).map(ConfigEntry::value).orElse(def);
    }

    public List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        for (ConfigEntry e : block.all(key)) {
            out.add(e.value());
        }
        return out;
    }

    /** The position of this key's value, or of the block when the key is absent. */
    public ConfigPosition positionOf(String key) {
        return block.last(key).map(ConfigEntry::valuePosition).orElse(block.position());
    }

    public int integer(String key, int def, int min, int max) throws ConfigException {
        Optional<ConfigEntry> e = block.last(key);
        if (e.isEmpty()) {
            return def;
        }
        try {
            int v = Integer.parseInt(e.get().value().trim());
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException ex) {
            throw new ConfigException(e.get().valuePosition(), "'" + key + "' in '" + path + "' is \""
                    + e.get().value() + "\"", "give a whole number from " + min + " to " + max);
        }
    }

    /** One of the listed words, case-insensitively; returns it in lower case. */
    public String choice(String key, String def, String... allowed) throws ConfigException {
        Optional<ConfigEntry> e = block.last(key);
        if (e.isEmpty()) {
            return def;
        }
        String v = e.get().value().toLowerCase(Locale.ROOT);
        if (!Arrays.asList(allowed).contains(v)) {
            throw new ConfigException(e.get().valuePosition(), "'" + key + "' in '" + path + "' is \""
                    + e.get().value() + "\"", "use one of: " + String.join(", ", allowed));
        }
        return v;
    }

    /** A numeric IP address literal (no name resolution: a fence path must not wait on DNS). */
    public InetAddress address(String key, String def) throws ConfigException {
        Optional<ConfigEntry> e = block.last(key);
        String v = e.map(ConfigEntry::value).orElse(def);
        InetAddress a = parseLiteral(v);
        if (a == null) {
            throw new ConfigException(e.map(ConfigEntry::valuePosition).orElse(block.position()),
                    "'" + key + "' in '" + path + "' is \"" + v + "\", not an IP address",
                    "give a numeric IPv4 or IPv6 address");
        }
        return a;
    }

    /** Parses a numeric IPv4/IPv6 literal without touching DNS; null when it is not one. */
    public static InetAddress parseLiteral(String v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        boolean v4 = v.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        boolean v6 = v.indexOf(':') >= 0 && v.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (!v4 && !v6) {
            return null;
        }
        if (v4) {
            String[] parts = v.split("\\.", -1);
            if (parts.length != 4) {
                return null;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException | SecurityException ex) {
            return null;
        }
    }
}
