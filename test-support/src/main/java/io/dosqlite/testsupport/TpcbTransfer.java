package io.dosqlite.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One TPC-B-like transfer's statements on one connection, shared by the benchmark's transfer row
 * and the reliability suite's transfer test: update an account, read it back, update a teller and
 * the one branch, insert a history row. The caller commits (or runs it in autocommit mode).
 */
public final class TpcbTransfer implements AutoCloseable {
    /** The history table; {@code xid} names the transfer so an audit can find it. */
    public static final String HISTORY_TABLE =
            "CREATE TABLE tb_history(xid TEXT, tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime TIMESTAMP)";

    private final PreparedStatement account;
    private final PreparedStatement read;
    private final PreparedStatement teller;
    private final PreparedStatement branch;
    private final PreparedStatement history;

    public TpcbTransfer(Connection c) throws SQLException {
        account = c.prepareStatement("UPDATE tb_accounts SET abalance = abalance + ? WHERE aid = ?");
        read = c.prepareStatement("SELECT abalance FROM tb_accounts WHERE aid = ?");
        teller = c.prepareStatement("UPDATE tb_tellers SET tbalance = tbalance + ? WHERE tid = ?");
        branch = c.prepareStatement("UPDATE tb_branches SET bbalance = bbalance + ? WHERE bid = 1");
        history = c.prepareStatement(
                "INSERT INTO tb_history(xid, tid, bid, aid, delta, mtime) VALUES (?, ?, 1, ?, ?, CURRENT_TIMESTAMP)");
    }

    /** Runs the transfer's statements; {@code xid} may be null. */
    public void run(String xid, int aid, int tid, int delta) throws SQLException {
        account.setInt(1, delta);
        account.setInt(2, aid);
        account.executeUpdate();
        read.setInt(1, aid);
        try (ResultSet rs = read.executeQuery()) {
            rs.next();
        }
        teller.setInt(1, delta);
        teller.setInt(2, tid);
        teller.executeUpdate();
        branch.setInt(1, delta);
        branch.executeUpdate();
        history.setString(1, xid);
        history.setInt(2, tid);
        history.setInt(3, aid);
        history.setInt(4, delta);
        history.executeUpdate();
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement p : new PreparedStatement[] {account, read, teller, branch, history}) {
            p.close();
        }
    }
}
