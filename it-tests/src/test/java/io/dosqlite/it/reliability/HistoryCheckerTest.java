package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.it.reliability.History.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history checker itself: it accepts legal histories and catches each kind of violation. */
class HistoryCheckerTest {
    @Test
    void overlappingOperationsMayTakeEitherOrder() {
        List<Op> h = List.of(
                new Op("a", true, 1, 0, 10),
                new Op("b", false, 0, 1, 5),   // overlaps the write: may miss it
                new Op("c", false, 1, 2, 6),   // overlaps the write: may see it
                new Op("b", false, 1, 11, 12));
        assertEquals(List.of(), History.linearizabilityViolations(h));
        assertEquals(List.of(), History.sessionViolations(h));
    }

    @Test
    void aReadAfterAnAcknowledgedWriteThatMissesItIsStale() {
        List<Op> h = List.of(new Op("a", true, 1, 0, 10), new Op("b", false, 0, 11, 12));
        List<String> v = History.linearizabilityViolations(h);
        assertEquals(1, v.size(), v::toString);
        assertTrue(v.get(0).startsWith("stale read"), v::toString);
        assertEquals(List.of(), History.sessionViolations(h), "another client's staleness is allowed in session mode");
    }

    @Test
    void aReadThatSeesAWriteNotYetBegunIsCaught() {
        List<Op> h = List.of(new Op("b", false, 1, 0, 1), new Op("a", true, 1, 2, 3));
        assertEquals(1, History.linearizabilityViolations(h).size());
    }

    @Test
    void readsThatGoBackInTimeAreCaughtInBothModes() {
        List<Op> h = List.of(
                new Op("a", true, 1, 0, 1), new Op("a", true, 2, 2, 3),
                new Op("b", false, 2, 4, 5), new Op("b", false, 1, 6, 7));
        assertEquals(1, History.linearizabilityViolations(h).size());
        List<String> s = History.sessionViolations(h);
        assertEquals(1, s.size(), s::toString);
        assertTrue(s.get(0).startsWith("monotonic reads"), s::toString);
    }

    @Test
    void notReadingOnesOwnWriteIsCaught() {
        List<Op> h = List.of(new Op("a", true, 3, 0, 1), new Op("a", false, 2, 2, 3), new Op("x", true, 2, -5, -4));
        List<String> s = History.sessionViolations(h);
        assertEquals(1, s.size(), s::toString);
        assertTrue(s.get(0).startsWith("read-your-writes"), s::toString);
    }

    @Test
    void twoWritesOfOneVersionAreALostUpdate() {
        List<Op> h = List.of(new Op("a", true, 1, 0, 1), new Op("b", true, 1, 0, 1));
        assertTrue(History.linearizabilityViolations(h).get(0).startsWith("two writes"));
    }
}
