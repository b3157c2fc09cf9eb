package dev.palisade.supervisor.resources;

import dev.palisade.supervisor.vrrp.VrrpInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns one resource line of a group, in haresources' notation, into a {@link Resource}:
 * <ul>
 * <li>{@code Filesystem::DEVICE::DIRECTORY::FSTYPE[::OPTIONS]}: the built-in filesystem resource (Heartbeat's
 *     argument order);</li>
 * <li>{@code mariadb::DATADIR[::key=value]...}: the built-in MariaDB resource (a bare {@code mariadb}, as in
 *     haresources, is the init script);</li>
 * <li>{@code vip::INSTANCE}: the addresses of a VRRP instance of this configuration;</li>
 * <li>{@code drbd::RESOURCE}, and Heartbeat's {@code drbddisk::RESOURCE}: the built-in DRBD resource;</li>
 * <li>{@code ocf:PROVIDER:TYPE[::key=value]...}: an OCF resource agent;</li>
 * <li>anything else, {@code NAME[::ARG]...}: Heartbeat's resource.d/NAME with the arguments, else the LSB init
 *     script NAME, exactly as Heartbeat runs a haresources line.</li>
 * </ul>
 */
public final class ResourceFactory {
    /** Where scripts are looked up, and how long each call may take. */
    public record Paths(Path ocfRoot, Path heartbeatResources, Path initScripts, Duration timeout) {
        public static final Paths SYSTEM = new Paths(Path.of("/usr/lib/ocf"), Path.of("/etc/ha.d/resource.d"),
                Path.of("/etc/init.d"), Duration.ofSeconds(120));
    }

    private final Paths paths;
    private final Map<String, VrrpInstance> vrrp;
    private final DrbdResource.Control drbd;

    public ResourceFactory(Paths paths, Map<String, VrrpInstance> vrrp) {
        this(paths, vrrp, DrbdResource.Tools.SYSTEM);
    }

    public ResourceFactory(Paths paths, Map<String, VrrpInstance> vrrp, DrbdResource.Control drbd) {
        this.paths = paths;
        this.vrrp = vrrp;
        this.drbd = drbd;
    }

    /** The resource a line names; IllegalArgumentException says what is wrong with the line. */
    public Resource create(String line) {
        List<String> parts = Arrays.asList(line.split("::", -1));
        String name = parts.get(0);
        List<String> args = parts.subList(1, parts.size());
        switch (name) {
            case "Filesystem" -> {
                if (args.size() < 3 || args.size() > 4) {
                    throw new IllegalArgumentException("Filesystem takes DEVICE::DIRECTORY::FSTYPE[::OPTIONS]: " + line);
                }
                return new FilesystemResource(Path.of(args.get(0)), Path.of(args.get(1)), args.get(2),
                        args.size() == 4 ? args.get(3) : null, paths.timeout());
            }
            case "drbd", "drbddisk" -> {
                if (args.size() != 1 || args.get(0).isEmpty()) {
                    throw new IllegalArgumentException(name + " takes one DRBD resource name: " + name + "::r0");
                }
                return new DrbdResource(args.get(0), drbd);
            }
            case "mariadb" -> {
                if (!args.isEmpty()) { // a bare "mariadb" is the init script, as in haresources
                    return new MariaDbResource(MariaDbResource.Settings.parse(args));
                }
            }
            case "vip" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("vip takes the name of one VRRP instance: vip::vi_db");
                }
                VrrpInstance i = vrrp.get(args.get(0));
                if (i == null) {
                    throw new IllegalArgumentException("vip::" + args.get(0) + ": no VRRP instance '" + args.get(0)
                            + "' (instances: " + vrrp.keySet() + ")");
                }
                return new VipResource(i, Duration.ofSeconds(10));
            }
            default -> {
            }
        }
        if (name.startsWith("ocf:")) {
            String[] t = name.split(":");
            if (t.length != 3) {
                throw new IllegalArgumentException("an OCF agent is ocf:PROVIDER:TYPE, not " + name);
            }
            return AgentResource.ocf(paths.ocfRoot(), t[1], t[2], args, paths.timeout());
        }
        if (name.contains("/") || name.equals("..") || name.equals(".")) {
            throw new IllegalArgumentException("resource name '" + name + "' is not a script name");
        }
        Path hb = paths.heartbeatResources().resolve(name);
        if (Files.isRegularFile(hb)) {
            return AgentResource.heartbeat(hb, args, paths.timeout());
        }
        Path lsb = paths.initScripts().resolve(name);
        if (Files.isRegularFile(lsb)) {
            if (!args.isEmpty()) {
                throw new IllegalArgumentException(name + " is an init script, which takes no arguments: " + line);
            }
            return AgentResource.lsb(lsb, paths.timeout());
        }
        throw new IllegalArgumentException("no built-in resource, " + hb + " or " + lsb + " for '" + name + "'");
    }
}
