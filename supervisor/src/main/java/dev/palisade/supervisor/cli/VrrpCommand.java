package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.config.VrrpConfig;
import dev.palisade.supervisor.vrrp.VrrpInstance;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code palisade vrrp -f FILE}: runs only the VRRP instances of a configuration (like keepalived --vrrp),
 * logging every state change with its reason, until SIGTERM/SIGINT, which hands the addresses over at once
 * (priority 0) and removes them.
 */
public final class VrrpCommand {
    private VrrpCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("-f")) {
            err.println("usage: palisade vrrp -f FILE");
            return ExitCode.USAGE;
        }
        return Palisade.withConfig(args[1], err, () -> vrrp(SupervisorConfig.loadPart(Path.of(args[1]), "vrrp",
                SupervisorConfig::vrrp, VrrpConfig::from), args[1], out, err));
    }

    private static int vrrp(VrrpConfig config, String file, PrintStream out, PrintStream err) {
        if (config.instances().isEmpty()) {
            err.println(file + ": no vrrp { instance { ... } } to run");
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
