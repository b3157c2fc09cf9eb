package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureLimiterTest {
    @Test
    void sourceIsThrottledAfterTenFailuresInAMinuteAndReleasedLater() {
        AtomicLong now = new AtomicLong();
        FailureLimiter l = new FailureLimiter("test", now::get);
        for (int i = 0; i < FailureLimiter.MAX_FAILURES; i++) {
            assertTrue(l.failed("10.0.0.9"), "logged in full");
            assertFalse(l.throttled("10.0.0.9"));
        }
        assertFalse(l.failed("10.0.0.9"), "the eleventh is no longer logged in full");
        assertTrue(l.throttled("10.0.0.9"));
        assertFalse(l.throttled("10.0.0.10"), "other sources are not affected");
        now.addAndGet(FailureLimiter.WINDOW_NANOS + 1);
        assertFalse(l.throttled("10.0.0.9"), "failures age out");
    }
}
