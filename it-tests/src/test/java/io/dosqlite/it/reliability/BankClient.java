package io.dosqlite.it.reliability;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Bank writers: random transfers between accounts, each one transaction (debit, credit, a row in
 * {@code transfers}), retried on SQLState 40001. Each acknowledged transfer is reported as
 * {@code ACK id src dst amount}; a transfer whose commit failed otherwise as {@code UNKNOWN id ...}.
 * As a main (a second JVM): BankClient URL TOKEN TAG THREADS SECONDS ACCOUNTS [pipelined].
 *
 * <p>Pipelined writers run each transfer as a JDBC transaction that begins by writing
 * ({@code setAutoCommit(false)}, three executeUpdate, {@code commit()}): it starts on this JVM's
 * commit chain, so its commit is sent behind commits of other connections not yet acknowledged.
 */
public final class BankClient {
    static final long INITIAL = 1000;

    private BankClient() {
    }

    static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS account(id INTEGER PRIMARY KEY, bal INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS transfers(id TEXT PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, amount INTEGER NOT NULL)",
    };

    /** Counters of one set of writers. */
    static final class Counters {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong conflicts = new AtomicLong();
        final AtomicLong unknown = new AtomicLong();
    }

    /** Runs {@code threads} writers until {@code deadlineNanos}; {@code sink} gets ACK/UNKNOWN lines. */
    static Counters run(String url, Properties props, String tag, int threads, long deadlineNanos, int accounts,
                        Consumer<String> sink) throws InterruptedException {
        return run(url, props, tag, threads, deadlineNanos, accounts, false, sink);
    }

    static Counters run(String url, Properties props, String tag, int threads, long deadlineNanos, int accounts,
                        boolean pipelined, Consumer<String> sink) throws InterruptedException {
        Counters k = new Counters();
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                Random rnd = new Random(tag.hashCode() * 31L + id);
                try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
                    sink.accept("CONNECTED " + tag + "-" + id);
                    // at least one transfer each: on a loaded machine a JVM may still be opening its
                    // connection when the deadline passes
                    for (long seq = 0; seq == 0 || System.nanoTime() < deadlineNanos; seq++) {
                        int src = 1 + rnd.nextInt(accounts);
                        int dst = 1 + (src + rnd.nextInt(accounts - 1)) % accounts;
                        int amount = 1 + rnd.nextInt(100);
                        String xid = tag + "-" + id + "-" + seq;
                        String line = xid + " " + src + " " + dst + " " + amount;
                        while (true) {
                            try {
                                if (pipelined) {
                                    c.setAutoCommit(false);
                                } else {
                                    s.execute("BEGIN IMMEDIATE");
                                }
                                s.executeUpdate("UPDATE account SET bal = bal - " + amount + " WHERE id = " + src);
                                s.executeUpdate("UPDATE account SET bal = bal + " + amount + " WHERE id = " + dst);
                                s.executeUpdate("INSERT INTO transfers VALUES ('" + xid + "', " + src + ", " + dst + ", " + amount + ")");
                                if (pipelined) {
                                    c.commit();
                                } else {
                                    s.execute("COMMIT");
                                }
                                k.acked.incrementAndGet();
                                sink.accept("ACK " + line);
                                break;
                            } catch (SQLException e) {
                                try {
                                    if (pipelined) {
                                        c.rollback();
                                    } else {
                                        s.execute("ROLLBACK");
                                    }
                                } catch (SQLException ignored) {
                                    // no transaction active
                                }
                                if ("40001".equals(e.getSQLState())) {
                                    long n = k.conflicts.incrementAndGet();
                                    if (pipelined) {
                                        // as an application's retry policy would: jittered backoff, so a
                                        // JVM whose commits are pipelined does not starve the other one
                                        Thread.sleep(rnd.nextInt(1 + (int) Math.min(20, n % 8 * 3)));
                                    }
                                    continue;
                                }
                                k.unknown.incrementAndGet();
                                sink.accept("UNKNOWN " + line + " " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
                                break;
                            }
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                    sink.accept("FAIL " + e);
                }
            }, "bank-" + tag + "-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        return k;
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        PrintStream out = System.out;
        long deadline = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
        boolean pipelined = args.length > 6 && args[6].equals("pipelined");
        Counters k = run(args[0], p, args[2], Integer.parseInt(args[3]), deadline, Integer.parseInt(args[5]), pipelined, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
        out.println("DONE " + k.acked.get() + " " + k.conflicts.get() + " " + k.unknown.get());
        out.flush();
    }
}
