package dev.palisade.fence.listener;

import dev.palisade.fence.auth.HardenedAuth;
import dev.palisade.fence.wire.FenceRequest;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import org.tinylog.Logger;

/** The one log line of every answered request: power actions and failures at info, the rest at debug. */
final class AnswerLog {
    private AnswerLog() {
    }

    static void answered(String listener, String from, FenceRequest req, ResponseCode r, String detail, long started) {
        answered(listener, from, req, r, detail, started,
                req.hashTypeByte() == HardenedAuth.HASH_TYPE ? "hardened" : "legacy");
    }

    /** {@code scheme}: how the request came ("legacy", "hardened", "stock frame"). */
    static void answered(String listener, String from, FenceRequest req, ResponseCode r, String detail, long started,
                         String scheme) {
        RequestCode c = req.request();
        boolean notable = c != null && c.changesPower() || r != ResponseCode.SUCCESS && r != ResponseCode.OFF;
        if (!notable && !Logger.isDebugEnabled()) {
            return;
        }
        String action = c == null ? "request " + req.requestByte() : c.action();
        String ms = String.format("%.1f", (System.nanoTime() - started) / 1e6);
        if (notable) {
            // power actions and failures are what an operator reads the log for
            Logger.info("{} {}: {} '{}' -> {}{} ({}, {} ms)", listener, from, action, req.domain(), r, detail, scheme, ms);
        } else {
            Logger.debug("{} {}: {} '{}' -> {}{} ({}, {} ms)", listener, from, action, req.domain(), r, detail, scheme, ms);
        }
    }

    static void unknownCode(String listener, String from, FenceRequest req) {
        Logger.warn("{} {}: unknown request code {} for '{}'; answering FAIL", listener, from, req.requestByte(),
                req.domain());
    }
}
