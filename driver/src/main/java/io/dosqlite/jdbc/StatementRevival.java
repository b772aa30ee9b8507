package io.dosqlite.jdbc;

import java.sql.SQLException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.core.CoreStatement;
import org.sqlite.core.SafeStmtPtr;
import org.sqlite.jdbc3.JDBC3PreparedStatement;

/**
 * sqlite-jdbc finalizes a prepared statement whose execution failed with an I/O error (a lost
 * connection, a refused commit), so every later use fails with "statement is not executing". A
 * network error must not break the application's prepared statements for good: the driver
 * prepares it again (its parameters are kept on the Java side) so it can be executed again,
 * as JDBC expects after a failed execution.
 */
final class StatementRevival {
    private static final Logger LOG = Logger.getLogger("io.dosqlite.jdbc");

    private StatementRevival() {
    }

    /** Whether {@code delegate} is a prepared statement that can be executed now. */
    static boolean isLive(Object delegate) {
        if (!(delegate instanceof JDBC3PreparedStatement)) {
            return false;
        }
        SafeStmtPtr p = ((CoreStatement) delegate).pointer;
        return p != null && !p.isClosed();
    }

    /** Prepares {@code delegate} again if a failure finalized it; best effort. */
    static void revive(Object delegate) {
        CoreStatement s = (CoreStatement) delegate;
        try {
            if (s.conn.isClosed() || isLive(delegate)) {
                return;
            }
            s.getDatabase().prepare(s);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "could not prepare a failed statement again; it stays closed", e);
        }
    }
}
