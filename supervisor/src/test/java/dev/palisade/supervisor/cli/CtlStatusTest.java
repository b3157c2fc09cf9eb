package dev.palisade.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The exit code {@code ctl status} takes from the supervisor's answer, text or JSON. */
class CtlStatusTest {
    @Test
    void theTextStatusLastHealthLineDecides() {
        assertEquals(0, CtlStatus.exitCode("node pf1: ACTIVE since ...\nhealth: OK\n"));
        assertEquals(1, CtlStatus.exitCode("node pf1: ACTIVE\nhealth: DEGRADED: link udp 10.0.0.2:694 down\n"));
        assertEquals(2, CtlStatus.exitCode("reason: health: OK in a reason\nhealth: CRITICAL: no node is ACTIVE\n"));
        assertEquals(3, CtlStatus.exitCode("health: UNKNOWN: this node is waiting for its peer\n"));
    }

    @Test
    void theJsonStatusHealthCodeDecides() {
        assertEquals(0, CtlStatus.exitCode("{\"format\":\"palisade-status/1\",\"health\":{\"status\":\"ok\",\"code\":0,"
                + "\"reasons\":[]}}"));
        assertEquals(2, CtlStatus.exitCode("{\"health\":{\"status\":\"critical\",\"code\":2,\"reasons\":[\"x\"]}}"));
    }

    @Test
    void anAnswerWithoutAGradeIsUnknown() {
        assertEquals(3, CtlStatus.exitCode(""));
        assertEquals(3, CtlStatus.exitCode("health: SPLENDID\n"));
        assertEquals(3, CtlStatus.exitCode("{\"health\":{\"status\":\"ok\",\"code\":7}}"));
    }
}
