package dev.palisade.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.drivers.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two .debs as files: control fields, lintian, contents, native dependencies, reproducibility. */
class PackageBuildIT {
    @TempDir
    Path tmp;

    @Test
    void controlFieldsComeFromThePom() throws Exception {
        for (String pkg : Debs.BOTH) {
            Path deb = Debs.deb(pkg);
            assertEquals(pkg, Debs.ok(30_000, "dpkg-deb", "-f", deb.toString(), "Package").strip());
            assertEquals(Debs.debianVersion(), Debs.ok(30_000, "dpkg-deb", "-f", deb.toString(), "Version").strip());
            assertEquals("amd64", Debs.ok(30_000, "dpkg-deb", "-f", deb.toString(), "Architecture").strip());
        }
        String gatewayDepends = Debs.ok(30_000, "dpkg-deb", "-f", Debs.deb(Debs.GATEWAY).toString(), "Depends");
        assertTrue(gatewayDepends.contains("libvirt0"), gatewayDepends);
    }

    @Test
    void lintianIsClean() throws Exception {
        String lintian = Commands.require("lintian");
        for (String pkg : Debs.BOTH) {
            Commands.Result r = Debs.run(600_000, lintian, "--fail-on", "error,warning", "--tag-display-limit", "0",
                    Debs.deb(pkg).toString());
            assertEquals(0, r.exit(), pkg + ": lintian found errors or warnings:\n" + r);
        }
    }

    @Test
    void theGatewayPackageCarriesNoSupervisorClass() throws Exception {
        Path root = extract(Debs.GATEWAY);
        Path jar = root.resolve("usr/lib/palisade/fence-gateway/palisade-fence-gateway.jar");
        String entries = Debs.ok(60_000, "unzip", "-Z1", jar.toString());
        assertTrue(entries.contains("dev/palisade/fence/FenceDaemon.class"), "the gateway itself is there");
        assertTrue(entries.contains("dev/palisade/gateway/FenceGateway.class"));
        for (String e : entries.split("\n")) {
            assertTrue(!e.startsWith("dev/palisade/supervisor/"), "supervisor class in the gateway's jar: " + e);
        }
    }

    /** Every library an ELF file of a package needs is in the package or in a package it depends on. */
    @Test
    void nativeLibrariesNeedOnlyWhatThePackageDependsOn() throws Exception {
        for (String pkg : Debs.BOTH) {
            Path root = extract(pkg);
            Set<String> depends = new TreeSet<>();
            for (String d : Debs.ok(30_000, "dpkg-deb", "-f", Debs.deb(pkg).toString(), "Depends").split(",")) {
                depends.add(d.strip().split("[ (]")[0]);
            }
            Set<String> bundled = new TreeSet<>();
            List<Path> elves = new ArrayList<>();
            try (var files = Files.walk(root)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] head = new byte[4];
                    try (var in = Files.newInputStream(f)) {
                        if (in.read(head) == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                            elves.add(f);
                            bundled.add(f.getFileName().toString());
                        }
                    }
                }
            }
            assertTrue(elves.size() > 3, pkg + ": " + elves);
            for (Path elf : elves) {
                for (String line : Debs.ok(30_000, "objdump", "-p", elf.toString()).split("\n")) {
                    String l = line.strip();
                    if (!l.startsWith("NEEDED")) {
                        continue;
                    }
                    String lib = l.substring("NEEDED".length()).strip();
                    if (bundled.contains(lib)) {
                        continue;
                    }
                    String owner = owner(lib);
                    assertTrue(depends.contains(owner), pkg + ": " + root.relativize(elf) + " needs " + lib
                            + " from " + owner + ", which Depends (" + depends + ") does not name");
                }
            }
        }
    }

    /** Same jars, sources and JDK: the same bytes (the build script run again into another directory). */
    @Test
    void theBuildIsReproducible() throws Exception {
        Path again = Files.createDirectories(tmp.resolve("again"));
        Path image = Debs.imageDir().getParent();
        Debs.ok(900_000, "bash", image.resolve("src/deb/build-debs.sh").toString(),
                "--version", System.getProperty("palisade.version", "0.1.0-SNAPSHOT"),
                "--timestamp", "2026-12-01T00:00:00Z", "--jdk", System.getProperty("java.home"),
                "--appliance-jar", Debs.imageDir().resolve("palisade.jar").toString(),
                "--gateway-jar", image.resolve("gateway/target/palisade-fence-gateway.jar").toString(),
                "--out", again.toString());
        for (String pkg : Debs.BOTH) {
            Path first = Debs.deb(pkg);
            Path second = again.resolve(first.getFileName());
            assertEquals(sha256(first), sha256(second), pkg + ": two builds differ; compare them with diffoscope");
        }
    }

    private Path extract(String pkg) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(pkg));
        Debs.ok(120_000, "dpkg-deb", "-x", Debs.deb(pkg).toString(), root.toString());
        return root;
    }

    /** The Debian package that ships {@code lib} on this machine (multiarch suffix dropped). */
    private static String owner(String lib) throws Exception {
        Commands.Result r = Debs.run(30_000, "dpkg", "-S", "*/" + lib);
        if (r.exit() != 0) {
            throw new AssertionError(lib + " comes from no installed package: " + r);
        }
        return r.stdout().split("\n")[0].split(":")[0].strip();
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
