package dev.palisade.supervisor.config;

import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigEntry;
import dev.palisade.fence.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

/**
 * A fence password opens the peer's power, and the cluster key lets anyone speak for a node: secrets live only
 * where root alone can read them and nobody else can change them. An inline secret in a configuration group or
 * others can read is refused at its position; a secret file that group or others can read or write, or that is
 * owned by someone other than root (or the user the supervisor runs as), is refused. Each refusal says the fix.
 */
public final class Secrets {
    private Secrets() {
    }

    /**
     * Whether a fencing device key names a secret given inline (ipmi's password; an agent's password, passwd...).
     * A key that names where the secret is ({@code password_file}, an agent's {@code password_script}) is not one:
     * that file or script is what {@link #checkFile} guards.
     */
    static boolean secretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith("_file") || k.endsWith("_script")) {
            return false;
        }
        return k.contains("passw") || k.contains("secret") || k.equals("community");
    }

    /** Refuses inline secrets of the fencing block when {@code file} is readable by group or others. */
    static void checkInline(Path file, ConfigBlock root) throws ConfigException {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        boolean readable = perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ);
        if (!readable) {
            return;
        }
        for (ConfigBlock fencing : root.blocks("fencing")) {
            for (ConfigBlock node : fencing.blocks("node")) {
                for (ConfigBlock level : node.blocks("level")) {
                    for (ConfigBlock device : level.blocks("device")) {
                        for (ConfigEntry e : device.entries()) {
                            if (secretKey(e.key())) {
                                throw new ConfigException(e.keyPosition(), "inline secret '" + e.key() + "' in a file"
                                        + " group or others can read (" + PosixFilePermissions.toString(perms) + ")",
                                        "chmod 600 " + file + ", or move it to a file of its own (password_file = "
                                                + "\"/etc/palisade/pf2.ipmi\"; mode 0600)");
                            }
                        }
                    }
                }
            }
        }
    }

    /** Refuses a secret file group or others can read or write, or that root (or this user) does not own. */
    public static Path checkFile(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            a = Files.readAttributes(p, PosixFileAttributes.class);
        }
        Set<PosixFilePermission> perms = a.permissions();
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(p + " is writable by group or others (" + PosixFilePermissions.toString(perms)
                    + "): anyone who can change it can change who may fence; run: chmod 600 " + p);
        }
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException(p + " is readable by group or others (" + PosixFilePermissions.toString(perms)
                    + "); run: chmod 600 " + p);
        }
        String owner = a.owner().getName();
        String me = System.getProperty("user.name");
        if (!owner.equals("root") && !owner.equals(me)) {
            throw new IOException(p + " is owned by " + owner + ", not root: whoever owns it can change it; run: chown"
                    + " root:root " + p);
        }
        return p;
    }
}
