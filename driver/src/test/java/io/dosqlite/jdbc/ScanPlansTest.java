package io.dosqlite.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The read-ahead hint taken from SQLite's plan lines (EXPLAIN QUERY PLAN, SQLite 3.40+ wording). */
class ScanPlansTest {

    @Test
    void aRangeOfOneIndexColumnIsBoundedByItsTwoParameters() {
        ScanPlans.Plan p = ScanPlans.plan(List.of("SEARCH items USING INDEX items_k (k>? AND k<?)"));
        assertTrue(p.scans());
        assertEquals(List.of("K>?", "K<?"), p.boundTerms());
        assertFalse(p.onRowid());
    }

    @Test
    void aRowidRangeIsBoundedOnTheTable() {
        ScanPlans.Plan p = ScanPlans.plan(List.of("SEARCH items USING INTEGER PRIMARY KEY (rowid>?)"));
        assertTrue(p.scans());
        assertEquals(List.of("ROWID>?"), p.boundTerms());
        assertTrue(p.onRowid());
    }

    @Test
    void lookupsByEqualityGetNoHint() {
        assertFalse(ScanPlans.plan(List.of("SEARCH items USING INTEGER PRIMARY KEY (rowid=?)")).scans());
        assertFalse(ScanPlans.plan(List.of("SEARCH items USING INDEX items_k (k=?)")).scans());
        // a join that looks rows up one by one: read-ahead there fetches what nobody reads
        assertFalse(ScanPlans.plan(List.of("SEARCH a USING INDEX items_k (k<?)",
                "SEARCH b USING INTEGER PRIMARY KEY (rowid=?)")).scans());
        assertFalse(ScanPlans.plan(List.of("SCAN CONSTANT ROW")).scans());
        assertFalse(ScanPlans.plan(List.of()).scans());
    }

    @Test
    void wholeTreeScansScanWithoutBounds() {
        ScanPlans.Plan full = ScanPlans.plan(List.of("SCAN items"));
        assertTrue(full.scans());
        assertNull(full.boundTerms());
        assertTrue(ScanPlans.plan(List.of("SCAN items USING COVERING INDEX items_k")).scans());
        assertTrue(ScanPlans.plan(List.of("SCAN a", "SCAN b")).scans());
    }

    @Test
    void rangesWhoseBoundsCannotBeKnownGetNoHint() {
        // an equality before the range: the first column is not the range's
        assertFalse(ScanPlans.plan(List.of("SEARCH t USING INDEX t_ab (a=? AND b>?)")).scans());
        assertFalse(ScanPlans.plan(List.of("SCAN a", "SEARCH b USING INDEX b_k (k>?)")).scans());
        assertFalse(ScanPlans.plan(List.of("SEARCH t USING INDEX t_ab (a>? AND b<?)")).scans());
    }

    @Test
    void aLimitMayStopAScanEarly() {
        assertTrue(ScanPlans.mayStopEarly("SELECT * FROM t ORDER BY id limit ?"));
        assertTrue(ScanPlans.mayStopEarly("SELECT * FROM t LIMIT 10 OFFSET 20"));
        assertFalse(ScanPlans.mayStopEarly("SELECT * FROM limits"));
    }
}
