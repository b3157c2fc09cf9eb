package dev.palisade.supervisor.cli;

import dev.palisade.drivers.testing.Commands;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs {@code palisade ARGS} as its own process from the test classpath, the way an operator's shell does. */
public final class PalisadeProcess {
    private PalisadeProcess() {
    }

    public static Commands.Result run(long timeoutMs, String... args) throws Exception {
        return Commands.run(timeoutMs, command(args));
    }

    /** The command line of {@code palisade ARGS} from the test classpath, logging as in production. */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dtinylog.configuration=tinylog.properties",
                "-cp", System.getProperty("java.class.path"), Palisade.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
