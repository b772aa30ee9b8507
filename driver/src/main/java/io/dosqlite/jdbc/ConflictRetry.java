package io.dosqlite.jdbc;

import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How an autocommit statement that ran into another client's commit is run again: at most
 * {@code bound} more times, the first at once, then after a backoff that doubles from 1 ms to
 * 200 ms with jitter (so writers that collide do not collide again in step).
 */
final class ConflictRetry {
    private static final long MAX_BACKOFF_MICROS = 200_000;

    private final int bound;

    ConflictRetry(int bound) {
        this.bound = Math.max(0, bound);
    }

    /** Whether attempt {@code n} (0-based) that failed may be followed by another. */
    boolean mayRetry(int n) {
        return n < bound;
    }

    int bound() {
        return bound;
    }

    /** Waits before attempt {@code n + 1}. */
    void pause(int n) throws SQLException {
        if (n == 0) {
            return;
        }
        long cap = Math.min(MAX_BACKOFF_MICROS, 1000L << Math.min(n - 1, 20));
        long micros = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
        try {
            Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SqlState.SERIALIZATION_FAILURE.exception("Interrupted while waiting to run a statement again"
                    + " after a serialization failure; nothing of it was applied. Run it again.");
        }
    }

    static boolean isSerializationFailure(SQLException e) {
        return SqlState.SERIALIZATION_FAILURE.code().equals(e.getSQLState());
    }
}
