package dev.palisade.supervisor.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.palisade.supervisor.resources.ResourceFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Jazzer: resource lines in haresources' notation (the group's resource = "..." values and what
 * import-heartbeat copies from haresources): a resource or a clear IllegalArgumentException, nothing else.
 */
class ResourceLineFuzzTest {
    private static final ResourceFactory FACTORY = new ResourceFactory(new ResourceFactory.Paths(Path.of("/nonexistent"),
            Path.of("/nonexistent/resource.d"), Path.of("/nonexistent/init.d"), Duration.ofSeconds(1)), Map.of());

    @FuzzTest(maxDuration = "30s")
    void resourceLine(String line) {
        if (line == null) {
            return; // Jazzer's null for a String parameter; configuration values are never null
        }
        try {
            if (FACTORY.create(line).name() == null) {
                throw new AssertionError("a resource without a name");
            }
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("an error that says nothing", expected);
            }
        }
    }
}
