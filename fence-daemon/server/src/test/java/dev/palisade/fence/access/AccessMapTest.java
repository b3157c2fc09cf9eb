package dev.palisade.fence.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.wire.HostState;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessMapTest {
    private static final HostState A = new HostState("vm-a", "aaaaaaaa-0000-4000-8000-000000000001", 1);
    private static final HostState B = new HostState("vm-b", "bbbbbbbb-0000-4000-8000-000000000002", 1);
    private static final HostState C = new HostState("vm-c", "cccccccc-0000-4000-8000-000000000003", 5);

    private static final AccessMap MAP = new AccessMap(List.of(
            new AccessMap.Group("g1", List.of("10.0.0.1"), List.of("vm-a", "BBBBBBBB-0000-4000-8000-000000000002"), null),
            new AccessMap.Group("g2", List.of("10.0.0.9"), List.of("vm-c"), null)));

    @Test
    void noGroupsAllowsEverything() {
        assertTrue(AccessMap.allowAll().check("1.2.3.4", A).allowed());
        assertTrue(new AccessMap(List.of(new AccessMap.Group("empty", List.of(), List.of(), null))).isOpen());
    }

    @Test
    void targetMatchesByNameOrUuidIgnoringCase() {
        assertTrue(MAP.check("10.0.0.1", A).allowed());
        assertTrue(MAP.check("10.0.0.1", B).allowed(), "listed by UUID in upper case");
        assertTrue(MAP.check("10.0.0.1", new HostState("VM-A", "x", 1)).allowed());
    }

    @Test
    void denialNamesTheRule() {
        AccessMap.Decision d = MAP.check("10.0.0.1", C);
        assertFalse(d.allowed());
        assertTrue(d.rule().contains("group 'g1'"), d.rule());
        assertTrue(d.rule().contains("vm-c"), d.rule());
        AccessMap.Decision u = MAP.check("192.0.2.7", A);
        assertFalse(u.allowed());
        assertTrue(u.rule().contains("no group lists source 192.0.2.7"), u.rule());
    }

    @Test
    void listUsesTheSameRule() {
        assertEquals(List.of(A, B), MAP.filter("10.0.0.1", List.of(A, B, C)));
        assertEquals(List.of(C), MAP.filter("10.0.0.9", List.of(A, B, C)));
        assertEquals(List.of(), MAP.filter("10.9.9.9", List.of(A, B, C)));
    }

    @Test
    void vmIdentityIsMatchedInUuidList() {
        AccessMap m = new AccessMap(List.of(new AccessMap.Group("serial", List.of(), List.of(A.uuid(), B.domain()), null)));
        assertTrue(m.check(A.uuid(), B).allowed());
    }
}
