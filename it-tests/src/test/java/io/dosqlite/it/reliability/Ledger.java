package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Checks the crash-workload database against its history: integrity ok; rows exactly 1..max
 * (a prefix); checksum row consistent with the rows (no partial transaction); every acknowledged
 * transaction present; at most the one in flight beyond it; every new row's payload intact.
 */
final class Ledger {
    long max;
    long inFlightPresent;
    long inFlightAbsent;
    long checks;

    /**
     * @param lastAck   highest id whose commit returned to the workload
     * @param maxAllowed highest id the workload may have sent (the one in flight)
     */
    void verify(Connection v, long lastAck, long maxAllowed, String where) throws SQLException {
        v.setAutoCommit(false);
        try {
            assertEquals("ok", Rel.integrity(v), where + ": integrity_check");
            long[] agg = Rel.longs(v, "SELECT count(*), coalesce(sum(id),0), coalesce(max(id),0), coalesce(min(id),0) FROM t");
            long[] meta = Rel.longs(v, "SELECT n, s, last FROM meta WHERE k = 1");
            long count = agg[0];
            long sum = agg[1];
            long mx = agg[2];
            assertEquals(mx, count, where + ": rows are not a prefix 1..max (count " + count + ", max " + mx + ")");
            assertTrue(count == 0 || agg[3] == 1, where + ": first row missing");
            assertEquals(count, meta[0], where + ": checksum row count disagrees with the rows (partial transaction)");
            assertEquals(sum, meta[1], where + ": checksum row sum disagrees with the rows (partial transaction)");
            assertEquals(mx, meta[2], where + ": checksum row 'last' disagrees with the rows");
            assertTrue(mx >= lastAck, where + ": acknowledged transaction " + lastAck + " is missing (max " + mx + ")");
            assertTrue(mx <= maxAllowed, where + ": transaction " + mx + " present but only " + maxAllowed + " was ever sent");
            assertTrue(mx >= max, where + ": rows went backwards from " + max + " to " + mx);
            try (PreparedStatement ps = v.prepareStatement("SELECT id, payload FROM t WHERE id > ? ORDER BY id")) {
                ps.setLong(1, max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        assertEquals(CrashWorkload.payload(id), rs.getString(2), where + ": payload of row " + id);
                    }
                }
            }
            if (maxAllowed > lastAck) {
                if (mx > lastAck) {
                    inFlightPresent++;
                } else {
                    inFlightAbsent++;
                }
            }
            max = mx;
            checks++;
        } finally {
            v.rollback();
            v.setAutoCommit(true);
        }
    }
}
