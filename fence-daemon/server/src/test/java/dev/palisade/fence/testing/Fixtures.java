package dev.palisade.fence.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/** Files the gateway tests share: a key written the way an operator should, the demo domain XML, free ports. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path key(Path dir, String name) throws IOException {
        byte[] b = new byte[4096];
        new SecureRandom().nextBytes(b);
        Path k = dir.resolve(name);
        Files.write(k, b);
        Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-------"));
        return k;
    }

    /** Copies the test domains (4 domains: two running, one shut off, one paused) and returns its test:// URI. */
    public static String domainsUri(Path dir) throws IOException {
        Path xml = dir.resolve("domains.xml");
        try (InputStream in = Fixtures.class.getResourceAsStream("/libvirt/domains.xml")) {
            Files.copy(in, xml, StandardCopyOption.REPLACE_EXISTING);
        }
        return "test://" + xml.toAbsolutePath();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /**
     * A gateway configuration with one TCP listener on 127.0.0.1:{@code port} (for a backend double: the
     * libvirt section only has to parse). {@code daemon} goes into {@code fence_virtd}, {@code listener} into
     * the tcp section.
     */
    public static Path tcpGateway(Path dir, Path key, int port, String daemon, String listener) throws IOException {
        return write(dir.resolve("f.conf"), """
                fence_virtd { %s }
                listeners { tcp { key_file = "%s"; address = "127.0.0.1"; port = "%d"; %s } }
                backends { libvirt { uri = "test:///default"; } }
                """.formatted(daemon, key, port, listener));
    }
}
