package io.dosqlite.bench;

import io.dosqlite.bench.Db.Stmt;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The data set and the workloads, in SQL that SQLite and PostgreSQL both accept. */
final class Workloads {
    private Workloads() {
    }

    /** Sizes of one run. */
    record Sizes(int accounts, int tellers, int items, int bulkRows, int rangeRows, int mixRows) {
        static Sizes full() {
            return new Sizes(100_000, 10, 100_000, 100_000, 1_000, 1_000);
        }

        static Sizes quick() {
            return new Sizes(10_000, 10, 10_000, 10_000, 200, 300);
        }
    }

    static final String FILLER = "x".repeat(84);

    static String value(long i) {
        // ~100 bytes that differ from row to row (compresses like text, not like a constant)
        StringBuilder sb = new StringBuilder(110);
        long x = i * 2654435761L;
        while (sb.length() < 100) {
            sb.append(Long.toString(Math.abs(x) % 1_000_000_007L, 36)).append(' ');
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return sb.substring(0, 100);
    }

    /** Creates and fills the TPC-B tables and the scan table (untimed; progress on stderr). */
    static void load(Db db, Sizes s, String who) {
        db.exec("CREATE TABLE branches(bid INTEGER PRIMARY KEY, bbalance INTEGER NOT NULL, filler VARCHAR(88))");
        db.exec("CREATE TABLE tellers(tid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, tbalance INTEGER NOT NULL, filler VARCHAR(84))");
        db.exec("CREATE TABLE accounts(aid INTEGER PRIMARY KEY, bid INTEGER NOT NULL, abalance INTEGER NOT NULL, filler VARCHAR(84))");
        db.exec("CREATE TABLE history(tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime TIMESTAMP, filler VARCHAR(22))");
        db.exec("CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v VARCHAR(120) NOT NULL)");
        db.bulk("INSERT INTO branches(bid, bbalance, filler) VALUES (?, ?, ?)", List.<Object[]>of(new Object[] {1, 0, FILLER}));
        List<Object[]> rows = new ArrayList<>();
        for (int t = 1; t <= s.tellers(); t++) {
            rows.add(new Object[] {t, 1, 0, FILLER});
        }
        db.bulk("INSERT INTO tellers(tid, bid, tbalance, filler) VALUES (?, ?, ?, ?)", rows);
        Progress.note(who + ": loading " + s.accounts() + " accounts");
        rows = new ArrayList<>(s.accounts());
        for (int a = 1; a <= s.accounts(); a++) {
            rows.add(new Object[] {a, 1, 0, FILLER});
        }
        db.bulk("INSERT INTO accounts(aid, bid, abalance, filler) VALUES (?, ?, ?, ?)", rows);
        Progress.note(who + ": loading " + s.items() + " items");
        db.bulk("INSERT INTO items(id, k, v) VALUES (?, ?, ?)", itemRows(s.items(), 1));
        db.exec("CREATE INDEX items_k ON items(k)");
    }

    /** Rows of items/bulk tables: k grows with id (like a timestamp), v ~100 bytes. */
    static List<Object[]> itemRows(int n, long seed) {
        Random r = new Random(seed);
        List<Object[]> rows = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            rows.add(new Object[] {i, i * 10 + r.nextInt(10), value(i + seed * 1_000_003L)});
        }
        return rows;
    }

    /** The five statements of one TPC-B-like transfer (as pgbench's built-in script). */
    static List<Stmt> transfer(Random r, Sizes s) {
        int aid = 1 + r.nextInt(s.accounts());
        int tid = 1 + r.nextInt(s.tellers());
        int delta = r.nextInt(10_001) - 5_000;
        return List.of(
                new Stmt("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", delta, aid),
                new Stmt("SELECT abalance FROM accounts WHERE aid = ?", aid),
                new Stmt("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?", delta, tid),
                new Stmt("UPDATE branches SET bbalance = bbalance + ? WHERE bid = ?", delta, 1),
                new Stmt("INSERT INTO history(tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
                        tid, 1, aid, delta));
    }

    /**
     * A speedtest1-like mix on a fresh table (one "op" = the whole mix): bulk insert, unindexed
     * range and LIKE scans, CREATE INDEX, indexed range selects, range and point updates in
     * transactions, a self-join, range deletes, point selects, DROP TABLE. Answers the number of
     * statements it ran.
     */
    static int mix(Db db, int n, String table, long seed) {
        Random r = new Random(seed);
        int stmts = 0;
        db.exec("CREATE TABLE " + table + "(a INTEGER PRIMARY KEY, b INTEGER NOT NULL, c VARCHAR(100) NOT NULL)");
        stmts++;
        List<Object[]> rows = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            int b = r.nextInt(n * 10);
            rows.add(new Object[] {i, b, "item " + b + " " + value(b).substring(0, 40)});
        }
        db.bulk("INSERT INTO " + table + "(a, b, c) VALUES (?, ?, ?)", rows);
        stmts += n;
        for (int i = 0; i < 25; i++) {
            int x = r.nextInt(n * 10);
            db.exec("SELECT count(*), avg(b) FROM " + table + " WHERE b >= ? AND b < ?", x, x + n);
        }
        for (int i = 0; i < 25; i++) {
            db.exec("SELECT count(*) FROM " + table + " WHERE c LIKE ?", "%" + r.nextInt(1000) + "%");
        }
        stmts += 50;
        db.exec("CREATE INDEX " + table + "_b ON " + table + "(b)");
        stmts++;
        for (int i = 0; i < 50; i++) {
            int x = r.nextInt(n * 10);
            db.exec("SELECT count(*), avg(b) FROM " + table + " WHERE b >= ? AND b < ?", x, x + 100);
        }
        stmts += 50;
        List<Stmt> tx = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int x = r.nextInt(n * 10);
            tx.add(new Stmt("UPDATE " + table + " SET b = b + 1 WHERE b >= ? AND b < ?", x, x + 50));
        }
        db.txn(tx);
        stmts += tx.size();
        tx = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tx.add(new Stmt("UPDATE " + table + " SET c = ? WHERE a = ?", "updated " + value(i).substring(0, 30), 1 + r.nextInt(n)));
        }
        db.txn(tx);
        stmts += tx.size();
        for (int i = 0; i < 25; i++) {
            db.exec("SELECT count(*) FROM " + table + " x JOIN " + table + " y ON y.a = x.b WHERE x.a < ?", 1 + r.nextInt(n));
        }
        stmts += 25;
        tx = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int x = r.nextInt(n * 10);
            tx.add(new Stmt("DELETE FROM " + table + " WHERE b >= ? AND b < ?", x, x + 20));
        }
        db.txn(tx);
        stmts += tx.size();
        for (int i = 0; i < 50; i++) {
            db.exec("SELECT c FROM " + table + " WHERE a = ?", 1 + r.nextInt(n));
        }
        stmts += 50;
        db.exec("DROP TABLE " + table);
        return stmts + 1;
    }
}
