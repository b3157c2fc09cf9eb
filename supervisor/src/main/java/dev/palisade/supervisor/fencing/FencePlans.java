package dev.palisade.supervisor.fencing;

import dev.palisade.drivers.agents.FenceAgent;
import dev.palisade.drivers.ipmi.CipherSuite;
import dev.palisade.drivers.ipmi.IpmiTarget;
import dev.palisade.drivers.ipmi.Privilege;
import dev.palisade.drivers.ipmi.RakpKeys;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.Section;
import dev.palisade.supervisor.config.FencingConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns the checked {@code fencing} configuration into devices and plans, reading secrets as it goes. */
public final class FencePlans {
    private FencePlans() {
    }

    /** The plan for fencing {@code node}; errors name the device's place in the file. */
    public static FenceCoordinator.Plan plan(FencingConfig config, FencingConfig.NodeFencing node) throws IOException {
        List<FenceCoordinator.Level> levels = new ArrayList<>();
        for (List<FencingConfig.DeviceSpec> level : node.levels()) {
            List<FenceDevice> devices = new ArrayList<>();
            for (FencingConfig.DeviceSpec spec : level) {
                try {
                    devices.add(device(spec));
                } catch (IOException | IllegalArgumentException e) {
                    throw new IOException(spec.position() + ": " + e.getMessage(), e);
                }
            }
            levels.add(new FenceCoordinator.Level(List.copyOf(devices)));
        }
        return new FenceCoordinator.Plan(node.name(), node.delay(), List.copyOf(levels), config.verifyTimeout(),
                config.pollInterval());
    }

    public static FenceDevice device(FencingConfig.DeviceSpec spec) throws IOException {
        if (spec instanceof FencingConfig.Ipmi i) {
            return new IpmiFenceDevice(ipmiTarget(i));
        }
        if (spec instanceof FencingConfig.FenceVirt v) {
            return fenceVirt(v);
        }
        FencingConfig.Agent a = (FencingConfig.Agent) spec;
        return new AgentFenceDevice(new FenceAgent(FenceAgent.locate(a.agent()), a.parameters(), a.timeout()));
    }

    private static IpmiTarget ipmiTarget(FencingConfig.Ipmi i) throws IOException {
        String password = i.password() != null ? i.password() : firstLine(secret(Path.of(i.passwordFile())));
        byte[] kg = i.kgFile() == null ? null : firstLine(secret(Path.of(i.kgFile()))).getBytes(StandardCharsets.UTF_8);
        InetAddress host = Section.parseLiteral(i.host());
        InetSocketAddress bmc = host != null ? new InetSocketAddress(host, i.port()) : new InetSocketAddress(i.host(), i.port());
        return new IpmiTarget(bmc, i.user(), RakpKeys.kuid(password), null, CipherSuite.of(i.cipherSuite()),
                Privilege.parse(i.privilege()), i.timeout(), i.retries(), i.allowWeakSuite()).withKg(kg);
    }

    private static FenceDevice fenceVirt(FencingConfig.FenceVirt v) throws IOException {
        FenceKey key;
        try {
            key = FenceKey.load(secret(Path.of(v.keyFile())));
        } catch (dev.palisade.fence.auth.KeyFileException e) {
            throw new IOException(e.getMessage(), e);
        }
        FenceVirtClient client = v.hash() == null ? FenceVirtClient.hardened(key, v.timeout())
                : new FenceVirtClient(key, v.hash(), v.auth(), v.timeout());
        InetAddress a = Section.parseLiteral(v.address());
        if (a == null) {
            throw new IOException("address '" + v.address() + "' is not an IP address literal");
        }
        return v.mode().equals("tcp") ? FenceVirtDevice.tcp(client, new InetSocketAddress(a, v.port()), v.domain())
                : FenceVirtDevice.multicast(client, a, v.port(), v.domain());
    }

    /** A secret file: see {@link dev.palisade.supervisor.config.Secrets#checkFile}. */
    static Path secret(Path p) throws IOException {
        return dev.palisade.supervisor.config.Secrets.checkFile(p);
    }

    /** The first line of a password or key file, without its newline. */
    public static String firstLine(Path p) throws IOException {
        String s = Files.readString(p, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
