package io.dosqlite.it.reliability;

import io.dosqlite.testsupport.TpcbTransfer;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Random;

/**
 * TPC-B-like transfers of one JVM (the benchmark's row that found defect 9): each transfer is one
 * transaction that updates an account, reads it back, updates a teller and the one branch, and
 * inserts a history row named {@code xid}; refused ones (40001) are retried at once, as an
 * application's retry policy would. Prints {@code ACK xid delta} per acknowledged transfer,
 * {@code UNKNOWN xid delta STATE} when a commit failed otherwise, {@code DONE acked retried unknown}.
 * As a main: TransferClient URL TOKEN TAG SECONDS [autocommit].
 *
 * <p>With {@code autocommit} a transfer is one autocommit INSERT whose trigger
 * does the updates: the statements then wait for their turn on the branch page, so a JVM starts
 * right when the other's version is pushed (what made defect 9 frequent).
 */
public final class TransferClient {
    static final int ACCOUNTS = 10_000;
    static final int TELLERS = 10;
    static final String FILLER = "x".repeat(84);

    private TransferClient() {
    }

    static void load(Connection c) throws SQLException {
        Rel.exec(c,
                "CREATE TABLE tb_branches(bid INTEGER PRIMARY KEY, bbalance INTEGER NOT NULL)",
                "CREATE TABLE tb_tellers(tid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, tbalance INTEGER NOT NULL)",
                "CREATE TABLE tb_accounts(aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, abalance INTEGER NOT NULL, filler TEXT)",
                TpcbTransfer.HISTORY_TABLE,
                "CREATE TABLE tb_transfers(xid TEXT, tid INTEGER, aid INTEGER, delta INTEGER)",
                // one autocommit statement that is a whole transfer (the table stays empty)
                "CREATE TRIGGER tb_transfer BEFORE INSERT ON tb_transfers BEGIN"
                        + " UPDATE tb_accounts SET abalance = abalance + NEW.delta WHERE aid = NEW.aid;"
                        + " UPDATE tb_tellers SET tbalance = tbalance + NEW.delta WHERE tid = NEW.tid;"
                        + " UPDATE tb_branches SET bbalance = bbalance + NEW.delta WHERE bid = 1;"
                        + " INSERT INTO tb_history(xid, tid, bid, aid, delta, mtime) VALUES (NEW.xid, NEW.tid, 1, NEW.aid, NEW.delta, CURRENT_TIMESTAMP);"
                        + " SELECT RAISE(IGNORE); END");
        c.setAutoCommit(false);
        Rel.exec(c, "INSERT INTO tb_branches VALUES (1, 0)");
        for (int t = 1; t <= TELLERS; t++) {
            Rel.exec(c, "INSERT INTO tb_tellers VALUES (" + t + ", 1, 0)");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tb_accounts VALUES (?, 1, 0, ?)")) {
            for (int a = 1; a <= ACCOUNTS; a++) {
                ps.setInt(1, a);
                ps.setString(2, FILLER);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("compress", "true");
        String tag = args[2];
        boolean autocommit = args.length > 4 && args[4].equals("autocommit");
        long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        PrintStream out = System.out;
        long acked = 0;
        long retried = 0;
        long unknown = 0;
        Random rnd = new Random(tag.hashCode());
        try (Connection c = DriverManager.getConnection(args[0], p); TpcbTransfer steps = new TpcbTransfer(c)) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT sum(abalance) FROM tb_accounts")) {
                rs.next(); // a warm cache, as a running application's: leases then name the pages it holds
            }
            c.setAutoCommit(autocommit);
            PreparedStatement transfer = c.prepareStatement("INSERT INTO tb_transfers(xid, tid, aid, delta) VALUES (?, ?, ?, ?)");
            for (long seq = 0; seq == 0 || System.nanoTime() < deadline; seq++) {
                int aid = 1 + rnd.nextInt(ACCOUNTS);
                int tid = 1 + rnd.nextInt(TELLERS);
                int delta = rnd.nextInt(10_001) - 5_000;
                String xid = tag + "-" + seq;
                while (true) {
                    try {
                        if (autocommit) {
                            transfer.setString(1, xid);
                            transfer.setInt(2, tid);
                            transfer.setInt(3, aid);
                            transfer.setInt(4, delta);
                            transfer.executeUpdate();
                            acked++;
                            out.println("ACK " + xid + " " + delta);
                            break;
                        }
                        steps.run(xid, aid, tid, delta);
                        c.commit();
                        acked++;
                        out.println("ACK " + xid + " " + delta);
                        break;
                    } catch (SQLException e) {
                        Rel.rollbackQuietly(c);
                        if ("40001".equals(e.getSQLState())) {
                            retried++;
                            continue;
                        }
                        unknown++;
                        out.println("UNKNOWN " + xid + " " + delta + " " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
                        break;
                    }
                }
            }
        }
        out.println("DONE " + acked + " " + retried + " " + unknown);
        out.flush();
        System.exit(0);
    }
}
