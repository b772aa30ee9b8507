package io.dosqlite.bench;

import io.dosqlite.jdbc.DosqliteConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** A JDBC system: local sqlite-jdbc, dosqlite or PostgreSQL. */
final class JdbcDb implements Db {
    private final Callable<Connection> connector;
    private final boolean batchInserts;
    private final boolean dosqlite;
    private Connection conn;
    /** Requests of the handles closed by reopen (each dosqlite handle counts from zero). */
    private long closedRequests;
    private long closedWasted;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    JdbcDb(Callable<Connection> connector, boolean batchInserts, boolean dosqlite) {
        this.connector = connector;
        this.batchInserts = batchInserts;
        this.dosqlite = dosqlite;
        reopen();
    }

    private static RuntimeException wrap(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    private PreparedStatement ps(String sql) throws SQLException {
        PreparedStatement p = prepared.get(sql);
        if (p == null) {
            p = conn.prepareStatement(sql);
            prepared.put(sql, p);
        }
        return p;
    }

    private List<Object[]> run(String sql, Object[] params) throws SQLException {
        PreparedStatement p = ps(sql);
        for (int i = 0; i < params.length; i++) {
            p.setObject(i + 1, params[i]);
        }
        List<Object[]> rows = new ArrayList<>();
        if (!isQuery(sql)) {
            p.executeUpdate();
        } else {
            try (ResultSet rs = p.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Object[] r = new Object[n];
                    for (int i = 0; i < n; i++) {
                        r[i] = rs.getObject(i + 1);
                    }
                    rows.add(r);
                }
            }
        }
        return rows;
    }

    private static boolean isQuery(String sql) {
        return sql.regionMatches(true, 0, "SELECT", 0, 6) || sql.regionMatches(true, 0, "WITH", 0, 4);
    }

    @Override
    public List<Object[]> exec(String sql, Object... params) {
        try {
            if (sql.startsWith("CREATE") || sql.startsWith("DROP")) {
                // DDL changes the schema: do not keep statements prepared against the old one
                clearPrepared();
                try (var s = conn.createStatement()) {
                    s.execute(sql);
                }
                return List.of();
            }
            return run(sql, params);
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    /** Work on the connection that may throw SQLException. */
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} in one transaction: committed, or rolled back on any failure. */
    private <T> T inTransaction(SqlWork<T> work) {
        try {
            conn.setAutoCommit(false);
            try {
                T result = work.run();
                conn.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    @Override
    public List<List<Object[]>> txn(List<Stmt> stmts) {
        return inTransaction(() -> {
            List<List<Object[]>> out = new ArrayList<>(stmts.size());
            for (Stmt s : stmts) {
                out.add(run(s.sql(), s.params()));
            }
            return out;
        });
    }

    @Override
    public void bulk(String insertSql, List<Object[]> rows) {
        inTransaction(() -> {
            PreparedStatement p = ps(insertSql);
            int pending = 0;
            for (Object[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    p.setObject(i + 1, r[i]);
                }
                if (batchInserts) {
                    p.addBatch();
                    if (++pending == 1000) {
                        p.executeBatch();
                        pending = 0;
                    }
                } else {
                    p.executeUpdate();
                }
            }
            if (pending > 0) {
                p.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void beginRead() {
        try {
            conn.setAutoCommit(false);
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    @Override
    public List<Object[]> query(String sql, Object... params) {
        try {
            return run(sql, params);
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    @Override
    public void endRead() {
        try {
            conn.commit();
            conn.setAutoCommit(true);
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    private void clearPrepared() throws SQLException {
        for (PreparedStatement p : prepared.values()) {
            p.close();
        }
        prepared.clear();
    }

    @Override
    public void reopen() {
        try {
            if (conn != null) {
                clearPrepared();
                if (dosqlite) {
                    closedRequests += conn.unwrap(DosqliteConnection.class).statistics().requests();
                    closedWasted += conn.unwrap(DosqliteConnection.class).statistics().wastedReadAheadBytes();
                }
                conn.close();
            }
            conn = connector.call();
        } catch (Exception e) {
            throw wrap(e);
        }
    }

    @Override
    public long wastedReadAheadBytes() {
        if (!dosqlite) {
            return -1;
        }
        try {
            return closedWasted + conn.unwrap(DosqliteConnection.class).statistics().wastedReadAheadBytes();
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    @Override
    public long requests() {
        if (!dosqlite) {
            return -1;
        }
        try {
            return closedRequests + conn.unwrap(DosqliteConnection.class).statistics().requests();
        } catch (SQLException e) {
            throw wrap(e);
        }
    }

    @Override
    public void close() {
        try {
            clearPrepared();
            conn.close();
        } catch (SQLException e) {
            throw wrap(e);
        }
    }
}
