package io.dosqlite.it.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Random;

/**
 * One JVM of a history check ({@link LeaseHistoryTest}): runs OPS operations one after another on
 * one connection with a read lease and prints each as {@code OP R|W version invokeNanos completeNanos}
 * ({@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC, shared by every JVM of the machine).
 * Every write's version is known, so a checker needs no search ({@link History}):
 * <ul>
 *   <li>{@code register}: row {@code reg} holds a counter; a write increments it in a transaction
 *   and reads the result back, a read selects it.</li>
 *   <li>{@code bank}: a write is a bank transfer (as {@link BankClient}) whose version is the number
 *   of transfers after it; a read is an audit of the total balance and the number of transfers, and
 *   a total other than ACCOUNTS x 1000 is printed as {@code BADSUM}.</li>
 * </ul>
 * Usage: HistoryClient URL TOKEN WORKLOAD OPS CONSISTENCY SEED [ACCOUNTS]
 */
public final class HistoryClient {
    private HistoryClient() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("leases", "true");
        p.setProperty("consistency", args[4]);
        boolean bank = args[2].equals("bank");
        int ops = Integer.parseInt(args[3]);
        Random rnd = new Random(Long.parseLong(args[5]));
        int accounts = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        try (Connection c = DriverManager.getConnection(args[0], p); Statement s = c.createStatement()) {
            System.out.println("READY");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine(); // "go": all start together
            for (int i = 0; i < ops; i++) {
                boolean write = rnd.nextInt(10) < 4;
                io.dosqlite.remote.ClientStats before = c.unwrap(io.dosqlite.jdbc.DosqliteConnection.class).statistics().snapshot();
                long t0 = System.nanoTime();
                long version;
                if (write) {
                    version = bank ? transfer(c, s, rnd, accounts) : increment(c, s);
                } else if (bank) {
                    long[] audit = longs(s, "SELECT (SELECT sum(bal) FROM account), (SELECT count(*) FROM transfers)");
                    if (audit[0] != accounts * BankClient.INITIAL) {
                        System.out.println("BADSUM " + audit[0] + " at " + audit[1]);
                    }
                    version = audit[1];
                } else {
                    version = longs(s, "SELECT v FROM reg WHERE id = 1")[0];
                }
                long t1 = System.nanoTime();
                io.dosqlite.remote.ClientStats d = c.unwrap(io.dosqlite.jdbc.DosqliteConnection.class).statistics().snapshot().minus(before);
                // what the operation cost, for reading a violation: requests, pages fetched, lease reads, invalidations
                System.out.println("OP " + (write ? "W " : "R ") + version + " " + t0 + " " + t1 + " req=" + d.requests()
                        + " fetched=" + d.pagesFetched() + " leaseReads=" + d.leaseReads() + " inval=" + d.invalidations());
            }
        }
        System.out.println("DONE");
        System.out.flush();
    }

    private static long increment(Connection c, Statement s) throws SQLException {
        return retried(c, () -> {
            s.executeUpdate("UPDATE reg SET v = v + 1 WHERE id = 1");
            return longs(s, "SELECT v FROM reg WHERE id = 1")[0];
        });
    }

    private static long transfer(Connection c, Statement s, Random rnd, int accounts) throws SQLException {
        int src = 1 + rnd.nextInt(accounts);
        int dst = 1 + (src + rnd.nextInt(accounts - 1)) % accounts;
        int amount = 1 + rnd.nextInt(100);
        String xid = Long.toHexString(rnd.nextLong());
        return retried(c, () -> {
            s.executeUpdate("UPDATE account SET bal = bal - " + amount + " WHERE id = " + src);
            s.executeUpdate("UPDATE account SET bal = bal + " + amount + " WHERE id = " + dst);
            s.executeUpdate("INSERT INTO transfers VALUES ('" + xid + "', " + src + ", " + dst + ", " + amount + ")");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM transfers")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** The first row of {@code sql} as longs (not {@link Rel}: a child JVM records no figures). */
    private static long[] longs(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            long[] r = new long[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < r.length; i++) {
                r[i] = rs.getLong(i + 1);
            }
            return r;
        }
    }

    interface Body {
        long run() throws SQLException;
    }

    /** Runs {@code body} in one transaction, again after each SQLState 40001 (nothing of it was applied). */
    private static long retried(Connection c, Body body) throws SQLException {
        while (true) {
            c.setAutoCommit(false);
            try {
                long v = body.run();
                c.commit();
                return v;
            } catch (SQLException e) {
                c.rollback();
                if (!"40001".equals(e.getSQLState())) {
                    throw e;
                }
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
