package dev.palisade.supervisor.resources;

import java.io.IOException;

/**
 * A start a resource refuses because going on could lose data (a DRBD disk that is only Consistent: it may be
 * older than what the peer acknowledged). Unlike a failed start, trying again changes nothing until the data
 * is ready (the peer connects) or an operator decides; the message says which and how.
 */
public final class StartRefusedException extends IOException {
    public StartRefusedException(String message) {
        super(message);
    }
}
