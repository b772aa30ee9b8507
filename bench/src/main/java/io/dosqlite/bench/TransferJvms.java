package io.dosqlite.bench;

import io.dosqlite.testsupport.TpcbTransfer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TPC-B-like transfers from several JVMs on one database (issue 16's "TPC-B with two JVMs"): each
 * JVM is a lease holder of the database the others write, and every transfer updates the one
 * branch row, so concurrent transfers truly conflict. The application retries a transfer refused
 * with 40001, as a Spring {@code @Retryable} would; the row counts those retries. Nothing may be
 * lost: the branch balance equals the sum of the history's deltas, and the history holds exactly
 * the acknowledged transfers.
 *
 * <p>As a child: {@code TransferJvms child URL TOKEN SECONDS}: prints READY, waits for a line on
 * stdin, runs, prints {@code DONE acked retried failed}.
 */
final class TransferJvms {
    static final int ACCOUNTS = 10_000;
    static final int TELLERS = 10;

    private TransferJvms() {
    }

    static void load(String url, Properties p) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
            for (String t : List.of("tb_branches", "tb_tellers", "tb_accounts", "tb_history")) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
            s.execute("CREATE TABLE tb_branches(bid INTEGER PRIMARY KEY, bbalance INTEGER NOT NULL)");
            s.execute("CREATE TABLE tb_tellers(tid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, tbalance INTEGER NOT NULL)");
            s.execute("CREATE TABLE tb_accounts(aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, abalance INTEGER NOT NULL, filler VARCHAR(84))");
            s.execute(TpcbTransfer.HISTORY_TABLE);
            c.setAutoCommit(false);
            s.execute("INSERT INTO tb_branches VALUES (1, 0)");
            for (int t = 1; t <= TELLERS; t++) {
                s.execute("INSERT INTO tb_tellers VALUES (" + t + ", 1, 0)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tb_accounts VALUES (?, 1, 0, ?)")) {
                for (int a = 1; a <= ACCOUNTS; a++) {
                    ps.setInt(1, a);
                    ps.setString(2, Workloads.FILLER);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    /** {acked, retried 40001, failed otherwise} of one connection running transfers until the deadline. */
    static long[] run(String url, Properties p, long deadlineNanos) throws SQLException {
        long acked = 0;
        long retried = 0;
        long failed = 0;
        try (Connection c = DriverManager.getConnection(url, p); TpcbTransfer transfer = new TpcbTransfer(c)) {
            c.setAutoCommit(false);
            while (System.nanoTime() < deadlineNanos) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int aid = 1 + r.nextInt(ACCOUNTS);
                int tid = 1 + r.nextInt(TELLERS);
                int delta = r.nextInt(10_001) - 5_000;
                try {
                    transfer.run(null, aid, tid, delta);
                    c.commit();
                    acked++;
                } catch (SQLException e) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // the next transfer's statements report a broken connection
                    }
                    if ("40001".equals(e.getSQLState())) {
                        retried++;
                    } else {
                        failed++;
                    }
                }
            }
        }
        return new long[] {acked, retried, failed};
    }

    /** The history's count and the branch balance minus the sum of the history's deltas (0: nothing lost). */
    static long[] audit(String url, Properties p) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM tb_history),"
                     + " (SELECT bbalance FROM tb_branches WHERE bid = 1) - (SELECT coalesce(sum(delta), 0) FROM tb_history)")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** A table row: {@code jvms} child JVMs running transfers for {@code seconds}. */
    static String measure(String url, String token, Properties p, int jvms, int rtt, double seconds) throws Exception {
        Progress.note(String.format(Locale.ROOT, "writers: TPC-B-like transfers, %d JVM(s), rtt %d ms ...", jvms, rtt));
        long[] before = audit(url, p);
        List<String[]> args = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            args.add(new String[] {"child", url, token, "" + seconds});
        }
        long[] done = ChildJvms.run(TransferJvms.class, args);
        long acked = done.length > 0 ? done[0] : 0;
        long retried = done.length > 1 ? done[1] : 0;
        long failed = done.length > 2 ? done[2] : 0;
        long[] after = audit(url, p);
        boolean intact = after[0] - before[0] == acked && after[1] == 0;
        String row = String.format(Locale.ROOT, "| dosqlite | %d | TPC-B-like transfers, 1 connection in each of %d JVM%s | %d | %.1f | %d | %d | %s |%n",
                rtt, jvms, jvms == 1 ? "" : "s", acked, acked / seconds, retried, failed,
                intact ? "none" : "**yes** (history " + (after[0] - before[0]) + ", balance off by " + after[1] + ")");
        Progress.note(row.strip());
        return row;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || !args[0].equals("child")) {
            throw new IllegalArgumentException("usage: TransferJvms child URL TOKEN SECONDS");
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Properties p = new Properties();
        p.setProperty("token", args[2]);
        p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
        try (Connection warm = DriverManager.getConnection(args[1], p); Statement s = warm.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(abalance) FROM tb_accounts")) {
            rs.next(); // warms the cache, as a running application's would be
        }
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long[] r = run(args[1], p, System.nanoTime() + (long) (Double.parseDouble(args[3]) * 1e9));
        System.out.println("DONE " + r[0] + " " + r[1] + " " + r[2]);
        System.out.flush();
        System.exit(0);
    }
}
