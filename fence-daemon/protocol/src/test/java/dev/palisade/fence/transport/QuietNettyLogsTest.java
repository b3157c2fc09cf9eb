package dev.palisade.fence.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.logging.InternalLogLevel;
import io.netty.util.internal.logging.InternalLogger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuietNettyLogsTest {
    @Test
    void nettysDebugIsDroppedAndItsWarningsAndErrorsReachTheLog() {
        InternalLogger log = new QuietNettyLogs().newInstance("io.netty.util.ResourceLeakDetector");
        assertEquals("io.netty.util.ResourceLeakDetector", log.name());
        for (InternalLogLevel l : new InternalLogLevel[] {InternalLogLevel.TRACE, InternalLogLevel.DEBUG,
                InternalLogLevel.INFO}) {
            assertFalse(log.isEnabled(l), l.toString());
        }
        assertTrue(log.isEnabled(InternalLogLevel.WARN));
        assertTrue(log.isEnabled(InternalLogLevel.ERROR));
        // tinylog's console writer goes to stderr (tinylog.properties): what Netty warns must be there
        PrintStream was = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            log.debug("dropped {}", 1);
            log.info("dropped too");
            log.warn("LEAK: {} was not released", "ByteBuf");
            log.error("failed: {} {}", "a", "b");
        } finally {
            System.setErr(was);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("dropped"), text);
        assertTrue(text.contains("netty: LEAK: ByteBuf was not released"), text);
        assertTrue(text.contains("netty: failed: a b"), text);
    }
}
