package dev.palisade.supervisor.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.supervisor.cluster.galera.GraState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The election as a table. Each node is written {@code UUID:SEQNO[s][r]}: U, V or W a cluster uuid, Z Galera's
 * zero uuid; s safe_to_bootstrap: 1 in grastate.dat; r the position was recovered with --wsrep-recover (grastate
 * said -1); {@code -} the node is missing (not in the group); {@code g} an operator gave it up (force-bootstrap).
 */
class ElectionTest {
    private static final Map<Character, UUID> UUIDS = Map.of('U', UUID.fromString("6fd3d5b7-f0d6-11ee-8b8a-6a1f4c1e2d3c"),
            'V', UUID.fromString("11111111-2222-3333-4444-555555555555"),
            'W', UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), 'Z', GraState.ZERO);

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            highest seqno wins                          | U:5   U:7   U:6    | n2
            highest seqno wins whatever the node order  | U:9   U:7   U:6    | n1
            safe_to_bootstrap beats a higher seqno      | U:5s  U:7   U:6    | n1
            safe_to_bootstrap on the last node          | U:5   U:6   U:7s   | n3
            a recovered position with the highest seqno | U:5   U:9r  U:6    | n2
            every position recovered                    | U:5r  U:9r  U:6r   | n2
            equal seqnos: the grastate.dat one          | U:7r  U:7   U:7r   | n2
            equal seqnos, all recovered: lowest id      | U:7r  U:7r  U:7r   | n1
            equal seqnos, none recovered: lowest id     | U:3   U:7   U:7    | n2
            a zero uuid is left out                     | Z:99  U:7   U:6    | n2
            two zero uuids: the one with data           | Z:0   Z:0   U:4r   | n3
            an unrecoverable seqno is left out          | U:-1  U:7   U:6    | n2
            unrecoverable and safe is left out          | U:-1s U:3   U:2    | n2
            safe on a recovered position is not trusted | U:9rs U:10r U:2    | n2
            safe on a zero uuid is not trusted          | Z:9s  U:3   U:2    | n2
            the majority uuid wins over a higher seqno  | V:99  U:7   U:6    | n2
            majority among usable positions             | V:99  U:7   Z:0    | blocked:different histories
            three histories                             | U:5   V:7   W:6    | blocked:different histories
            nothing usable                              | Z:0   U:-1  Z:3    | blocked:no member has a usable position
            a missing node blocks                       | U:5   U:7   -      | blocked:waiting for n3
            a missing node blocks a recovered winner    | U:5r  U:9r  -      | blocked:force-bootstrap n3
            two missing nodes block                     | U:5   -     -      | blocked:waiting for n2, n3
            safe_to_bootstrap lets it go on             | U:5   U:7s  -      | n2
            safe on the missing node's side is unknown  | U:5s  U:7   -      | n1
            a given-up node does not block              | U:5   U:7   g      | n2
            given up with a recovered winner            | U:5r  U:3   g      | n1
            a given-up node and a missing one           | U:5   g     -      | blocked:waiting for n3
            safe with a missing node but two histories  | U:5s  V:7   -      | blocked:waiting for n3
            the safe node must hold the majority uuid   | V:5s  U:3   U:2    | n2
            nobody reported yet                         | -     -     -      | blocked:no member has reported
            a new cluster without new_cluster_from      | Z:-1  Z:-1  Z:-1   | blocked:new_cluster_from
            a new cluster from the named member         | Z:-1  Z:-1  Z:-1   | n2 from n2
            a new cluster waits for every member        | Z:-1  Z:-1  -      | blocked:waiting for n3
            a new cluster needs every member, none given up | Z:-1 Z:-1 g     | blocked:no member has a usable position
            new_cluster_from never beats real data      | Z:-1  Z:-1  U:3r   | n3 from n2
            """)
    void decides(String why, String positions, String expected) {
        List<Election.Member> members = List.of(new Election.Member("n1", 1), new Election.Member("n2", 2),
                new Election.Member("n3", 3));
        Map<Integer, Report> reports = new HashMap<>();
        Set<Integer> givenUp = new HashSet<>();
        String[] nodes = positions.strip().split("\\s+");
        for (int i = 0; i < 3; i++) {
            String n = nodes[i];
            if (n.equals("-")) {
                continue;
            }
            if (n.equals("g")) {
                givenUp.add(i + 1);
                continue;
            }
            reports.put(i + 1, report(n));
        }
        Election.Member from = null;
        if (expected.contains(" from ")) {
            String name = expected.substring(expected.indexOf(" from ") + 6);
            from = members.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
            expected = expected.substring(0, expected.indexOf(" from "));
        }
        Election.Outcome o = Election.decide(members, reports, givenUp, from);
        if (expected.startsWith("blocked:")) {
            Election.Blocked b = assertInstanceOf(Election.Blocked.class, o, why + ": " + o);
            assertTrue(b.why().contains(expected.substring("blocked:".length())), why + ": " + b.why());
        } else {
            Election.Winner w = assertInstanceOf(Election.Winner.class, o, why + ": " + o);
            assertEquals(expected, w.member().name(), why + ": " + w.why());
        }
    }

    /** {@code U:7sr}: uuid U, seqno 7, safe_to_bootstrap, recovered. */
    static Report report(String s) {
        UUID u = UUIDS.get(s.charAt(0));
        String rest = s.substring(2);
        int end = rest.startsWith("-") ? 1 : 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        long seqno = Long.parseLong(rest.substring(0, end));
        String flags = rest.substring(end);
        return new Report(u, seqno, flags.contains("s"), flags.contains("r"), null);
    }

    @ParameterizedTest(name = "same inputs in any member order: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            U:7r,U:7r,U:7r,U:7r,U:7r
            U:1,U:9r,U:9,V:10,U:3s
            Z:0,U:2,U:2r,U:-1,V:8
            """)
    void everyNodeNamesTheSameWinnerWhateverOrderItListsTheMembersIn(String line) {
        String[] r = line.split(",");
        List<Election.Member> members = new ArrayList<>();
        Map<Integer, Report> reports = new HashMap<>();
        for (int i = 0; i < r.length; i++) {
            members.add(new Election.Member("n" + (i + 1), i + 1));
            reports.put(i + 1, report(r[i]));
        }
        String first = Election.decide(members, reports, Set.of()).toString();
        for (int k = 0; k < 20; k++) {
            List<Election.Member> shuffled = new ArrayList<>(members);
            java.util.Collections.shuffle(shuffled, new java.util.Random(k));
            assertEquals(first, Election.decide(shuffled, new HashMap<>(reports), Set.of()).toString());
        }
    }
}
