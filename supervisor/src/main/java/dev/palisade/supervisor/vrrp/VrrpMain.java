package dev.palisade.supervisor.vrrp;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.config.ConfigBlock;
import dev.palisade.fence.config.ConfigException;
import dev.palisade.fence.config.ConfigParser;
import dev.palisade.fence.config.Section;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.config.VrrpConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code palisade vrrp -f FILE}: runs only the VRRP instances of a configuration (like keepalived --vrrp),
 * logging every state change with its reason, until SIGTERM/SIGINT, which hands the addresses over at once
 * (priority 0) and removes them.
 */
public final class VrrpMain {
    private VrrpMain() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("-f")) {
            err.println("usage: palisade vrrp -f FILE");
            return ExitCode.USAGE;
        }
        VrrpConfig config;
        try {
            ConfigBlock root = ConfigParser.parse(Path.of(args[1]));
            if (root.block("supervisor").isPresent()) {
                config = SupervisorConfig.from(Path.of(args[1]), root).vrrp();
            } else {
                new Section(root, "").allow(Set.of(), Set.of("vrrp"));
                config = VrrpConfig.from(root);
            }
        } catch (NoSuchFileException e) {
            err.println(args[1] + ": no such file");
            return ExitCode.USAGE;
        } catch (IOException e) {
            err.println(args[1] + ": " + e.getMessage());
            return ExitCode.SYSTEM;
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return ExitCode.USAGE;
        }
        if (config.instances().isEmpty()) {
            err.println(args[1] + ": no vrrp { instance { ... } } to run");
            return ExitCode.USAGE;
        }
        List<VrrpInstance> running = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (VrrpInstance i : running) {
                i.close();
            }
            done.countDown();
        }, "vrrp-shutdown"));
        try {
            for (VrrpConfig.Instance c : config.instances()) {
                running.add(VrrpInstance.start(c, line -> out.println(line)));
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("palisade vrrp: " + e.getMessage());
            return ExitCode.SYSTEM;
        }
        out.println("palisade vrrp: " + running.size() + " instance(s) running");
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }
}
