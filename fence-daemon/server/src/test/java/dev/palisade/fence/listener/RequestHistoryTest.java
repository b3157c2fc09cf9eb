package dev.palisade.fence.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestHistoryTest {
    private final AtomicLong now = new AtomicLong();
    private final RequestHistory h = new RequestHistory(now::get);

    @Test
    void duplicateWithinTenSecondsIsDroppedCaseInsensitively() {
        assertTrue(h.claim(1, 42, "vm"));
        assertFalse(h.claim(1, 42, "VM"));
        assertTrue(h.claim(2, 42, "vm"), "another request code is another request");
        assertTrue(h.claim(1, 43, "vm"), "another seqno is another request");
        now.addAndGet(9_999_000_000L);
        assertFalse(h.claim(1, 42, "vm"));
        now.addAndGet(2_000_000L);
        assertTrue(h.claim(1, 42, "vm"), "forgotten after 10 s");
    }

    @Test
    void releasedClaimCanBeServedAgain() {
        assertTrue(h.claim(4, 1, "vm"));
        h.release(4, 1, "vm");
        assertTrue(h.claim(4, 1, "vm"));
    }

    @Test
    void tableIsBounded() {
        for (int i = 0; i < RequestHistory.MAX_ENTRIES + 100; i++) {
            h.claim(1, i, "vm");
        }
        assertEquals(RequestHistory.MAX_ENTRIES, h.size());
    }
}
