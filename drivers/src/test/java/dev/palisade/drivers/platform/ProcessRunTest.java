package dev.palisade.drivers.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a program prints (an agent's, drbdadm's) may carry secrets: only root reads it while it runs. */
class ProcessRunTest {
    @Test
    void theProgramsOutputIsReadableByRootOnly() throws Exception {
        ProcessRun.Result r = ProcessRun.run(List.of("sh", "-c", "stat -L -c %a /proc/self/fd/1"), null,
                Duration.ofSeconds(10));
        assertEquals(0, r.exit(), r.output());
        assertEquals("600", r.output().strip(), "mode of the file the output goes to");
    }
}
