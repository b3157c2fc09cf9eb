package dev.palisade.fence.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.logging.InternalLogLevel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class NettyLogsTest {
    private static final InternalLogLevel[] LEVELS = {InternalLogLevel.TRACE, InternalLogLevel.DEBUG,
            InternalLogLevel.INFO, InternalLogLevel.WARN, InternalLogLevel.ERROR};
    private static final Path TEST_LOG = Path.of("target/palisade-test.log");

    @Test
    void aOneShotCommandDropsNettysDebugAndItsWarningsAndErrorsReachTheLog() {
        InternalLogger log = new NettyLogs(InternalLogLevel.WARN).newInstance("io.netty.util.ResourceLeakDetector");
        assertEquals("io.netty.util.ResourceLeakDetector", log.name());
        assertEnabledFrom(log, InternalLogLevel.WARN);
        String text = stderrOf(l -> {
            l.debug("dropped {}", 1);
            l.info("dropped too");
            l.warn("LEAK: {} was not released", "ByteBuf");
            l.error("failed: {} {}", "a", "b");
        }, log);
        assertFalse(text.contains("dropped"), text);
        assertTrue(text.contains("netty: LEAK: ByteBuf was not released"), text);
        assertTrue(text.contains("netty: failed: a b"), text);
    }

    @Test
    void nettysLinesFollowTheCommandsOwnLevel() {
        String[] names = {"trace", "debug", "info", "warn", "error"};
        InternalLoggerFactory was = InternalLoggerFactory.getDefaultFactory();
        try {
            for (int i = 0; i < names.length; i++) {
                NettyLogs.installAt(names[i]);
                assertEnabledFrom(InternalLoggerFactory.getInstance("io.netty.x"), LEVELS[i]);
            }
        } finally {
            InternalLoggerFactory.setDefaultFactory(was); // the factory is global: the other tests keep theirs
        }
        // "off" and anything unknown ask only for errors (tinylog drops everything at off itself)
        assertEnabledFrom(new NettyLogs(InternalLogLevel.ERROR).newInstance("n"), InternalLogLevel.ERROR);
    }

    @Test
    void aDaemonAtInfoPassesNettysInfoLinesAndDropsItsDebugLines() throws Exception {
        // the tests' tinylog writes debug and above to target/palisade-test.log (tinylog-test.properties), so a
        // debug line that got past the flag would be there
        InternalLogger log = new NettyLogs(InternalLogLevel.INFO).newInstance("io.netty.channel.Foo");
        long before = Files.exists(TEST_LOG) ? Files.size(TEST_LOG) : 0;
        String tag = Long.toHexString(System.nanoTime());
        log.debug("debug line {}", tag);
        log.debug("debug line " + tag, new IllegalStateException("x"));
        log.info("info line {}", tag);
        String added = Files.readString(TEST_LOG).substring((int) before);
        assertTrue(added.contains("netty: info line " + tag), added);
        assertFalse(added.contains("debug line " + tag), added);
        assertTrue(log.isInfoEnabled() && !log.isDebugEnabled());
    }

    private static void assertEnabledFrom(InternalLogger log, InternalLogLevel lowest) {
        for (InternalLogLevel l : LEVELS) {
            assertEquals(l.ordinal() >= lowest.ordinal(), log.isEnabled(l), lowest + ": " + l);
        }
    }

    /** tinylog's console writer goes to stderr (tinylog.properties): what a logger passes on is there. */
    private static String stderrOf(Consumer<InternalLogger> use, InternalLogger log) {
        PrintStream was = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            use.accept(log);
        } finally {
            System.setErr(was);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
