package dev.palisade.fence.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Reads an annotated golden-packet fixture: lines of {@code field offset hex # meaning}, continuation lines of hex. */
public final class Golden {
    private Golden() {
    }

    /** A fixture file as text, verbatim (a captured configuration, for example). */
    public static String text(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static byte[] packet(String resource) throws IOException {
        StringBuilder hex = new StringBuilder();
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + resource)) {
            if (in == null) {
                throw new IOException("no fixture " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int hash = line.indexOf('#');
                String body = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (body.isEmpty()) {
                    continue;
                }
                String[] parts = body.split("\\s+");
                hex.append(parts[parts.length - 1]);
            }
        }
        return HexFormat.of().parseHex(hex);
    }

    /** The key every fixture was signed with. */
    public static byte[] key() {
        return "palisade-golden-key\n".getBytes(StandardCharsets.US_ASCII);
    }
}
