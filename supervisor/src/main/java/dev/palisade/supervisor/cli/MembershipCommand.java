package dev.palisade.supervisor.cli;

import dev.palisade.fence.ExitCode;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.supervisor.config.SupervisorConfig;
import dev.palisade.supervisor.membership.Membership;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;

/**
 * {@code palisade membership -f FILE [-d N]}: runs only the heartbeat membership of a supervisor
 * configuration and logs peer and link events, for testing and for operators wiring a new cable.
 */
public final class MembershipCommand {
    private MembershipCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println("usage: palisade membership -f FILE [-d LEVEL]");
            return ExitCode.OK;
        }
        return DaemonOptions.run("membership", args, err, MembershipCommand::runMembership);
    }

    private static int runMembership(SupervisorConfig config, FenceKey key) {
        CountDownLatch stop = new CountDownLatch(1);
        try (Membership m = new Membership(config, key, e -> { })) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                m.close();
                stop.countDown();
            }, "membership-shutdown"));
            m.start();
            stop.await();
        } catch (IOException e) {
            Logger.error("cannot start: {}", e.getMessage());
            return ExitCode.SYSTEM;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.OK;
    }
}
