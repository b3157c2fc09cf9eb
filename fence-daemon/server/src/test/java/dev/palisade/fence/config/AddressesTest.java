package dev.palisade.fence.config;

import dev.palisade.fence.access.AccessMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AddressesTest {
    @ParameterizedTest
    @CsvSource({
        "fd77:0:0:0:0:0:0:1, fd77::1",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "ff05:0:0:0:0:0:3:1, ff05::3:1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "fe80:0:0:0:0:0:0:0, fe80::",
        "10.0.0.1, 10.0.0.1",
    })
    void printsLikeInetNtop(String in, String out) throws Exception {
        assertEquals(out, Addresses.text(InetAddress.getByName(in)));
    }

    @Test
    void groupsMatchAnySpellingOfAnAddress() {
        AccessMap m = new AccessMap(List.of(new AccessMap.Group("v6", List.of("FD77:0::1"), List.of("vm"), null)));
        assertTrue(m.check("fd77::1", new dev.palisade.fence.wire.HostState("vm", "u", 1)).allowed());
    }
}
