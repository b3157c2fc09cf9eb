package dev.palisade.acceptance.drbd;

/** A check of the acceptance run that did not hold, or a lab step that did not happen in time: the run fails. */
final class LabFailure extends Exception {
    LabFailure(String message) {
        super(message);
    }
}
