package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureLogTest {
    @Test
    void aSourceIsLoggedInFullForTenFailuresAMinuteThenSummarised() {
        AtomicLong now = new AtomicLong();
        FailureLog l = new FailureLog("test", now::get);
        for (int i = 0; i < FailureLog.MAX_LINES; i++) {
            assertTrue(l.failed("10.0.0.9"), "logged in full");
        }
        assertFalse(l.failed("10.0.0.9"), "the eleventh is no longer logged in full");
        assertTrue(l.failed("10.0.0.10"), "other sources are not affected");
        now.addAndGet(FailureLog.WINDOW_NANOS + 1);
        assertTrue(l.failed("10.0.0.9"), "failures age out");
    }

    @Test
    void forgingManySourcesDoesNotFloodTheLog() {
        AtomicLong now = new AtomicLong();
        FailureLog l = new FailureLog("test", now::get);
        int full = 0;
        for (int i = 0; i < 1000; i++) {
            full += l.failed("10.0." + i / 250 + "." + i % 250) ? 1 : 0;
        }
        assertTrue(full == FailureLog.MAX_LINES_PER_WINDOW, "full lines: " + full);
    }
}
