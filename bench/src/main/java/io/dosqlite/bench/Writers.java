package io.dosqlite.bench;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Write throughput with several writers (issue 17): autocommit 1-row UPDATEs on random rows of a
 * 100,000-row table, from N connections of one JVM or from N JVMs (child processes), on disjoint
 * row ranges or on the same few rows, for dosqlite and PostgreSQL behind the latency proxy. Counts
 * acknowledged updates, errors that reached the application, and checks no update was lost (the
 * sum of the column grew by exactly the acknowledged count).
 *
 * <p>As a child: {@code Writers child URL TOKEN LO HI SECONDS THREADS}: connects, warms its range,
 * prints READY, waits for a line on stdin, runs, prints {@code DONE acked errors}.
 */
final class Writers {
    static final int ROWS = 100_000;
    /**
     * A writer JVM's updates before it counts: what is measured is application instances that run
     * for hours, not their first seconds. Four of them next to workerd on two cores take 10-20 s to
     * compile their hot paths (2 Dec: their CPU per update fell from 5.1 ms after 3 s and 10 s of
     * warming to 3.2 ms after 20 s); the one-connection row they are compared with runs in the
     * bench's own JVM, warm from the sections before. BENCH_CHILD_WARM (seconds) overrides it.
     */
    static final double CHILD_WARM_SECONDS = Double.parseDouble(System.getenv().getOrDefault("BENCH_CHILD_WARM", "20"));
    /** The same for the bench's own JVM, already warm from earlier sections. */
    static final double WARM_SECONDS = 1;

    /** One measured scenario. */
    record Row(String system, int rtt, String writers, String rows, long acked, double seconds, long errors,
               boolean noLostUpdate) {
        double perSecond() {
            return acked / seconds;
        }
    }

    private Writers() {
    }

    /** Creates and fills table {@code w} (untimed). */
    static void load(String url, Properties p) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS w");
            s.execute("CREATE TABLE w(id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO w(id, v) VALUES (?, 0)")) {
                for (int i = 1; i <= ROWS; i++) {
                    ps.setInt(1, i);
                    ps.addBatch();
                    if (i % 5000 == 0) {
                        ps.executeBatch();
                    }
                }
            }
            c.commit();
        }
    }

    static long sum(String url, Properties p) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(v) FROM w")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Runs {@code threads} connections of this JVM on rows lo..hi for {@code seconds}, after
     * {@code warmSeconds} of the same updates (not counted: a new JVM's first seconds are the JIT's);
     * returns {acked, errors, acked while warming}.
     */
    static long[] runThreads(String url, Properties p, int lo, int hi, double seconds, int threads,
                             double warmSeconds, Runnable ready) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong warm = new AtomicLong();
        io.dosqlite.remote.ClientStats[] stats = new io.dosqlite.remote.ClientStats[2]; // {store's, at GO}
        long warmUntil = System.nanoTime() + (long) (warmSeconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        CountDownLatch connected = new CountDownLatch(threads);
        long[] deadline = new long[1];
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url, p);
                     PreparedStatement ps = c.prepareStatement("UPDATE w SET v = v + 1 WHERE id = ?")) {
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT sum(v) FROM w WHERE id BETWEEN " + lo + " AND " + hi)) {
                        rs.next(); // warms the cache of this range
                    }
                    while (System.nanoTime() < warmUntil) {
                        ps.setInt(1, ThreadLocalRandom.current().nextInt(lo, hi + 1));
                        try {
                            warm.addAndGet(ps.executeUpdate());
                        } catch (SQLException e) {
                            // counted when measuring only
                        }
                    }
                    if (c.isWrapperFor(io.dosqlite.jdbc.DosqliteConnection.class)) {
                        synchronized (stats) {
                            stats[0] = c.unwrap(io.dosqlite.jdbc.DosqliteConnection.class).statistics();
                        }
                    }
                    connected.countDown();
                    go.await();
                    while (System.nanoTime() < deadline[0]) {
                        ps.setInt(1, ThreadLocalRandom.current().nextInt(lo, hi + 1));
                        try {
                            if (ps.executeUpdate() == 1) {
                                acked.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    connected.countDown();
                }
            });
            th.start();
            ts.add(th);
        }
        connected.await(120, TimeUnit.SECONDS);
        synchronized (stats) {
            stats[1] = stats[0] == null ? null : stats[0].snapshot(); // one store per JVM and database
        }
        ready.run();
        deadline[0] = System.nanoTime() + (long) (seconds * 1e9);
        go.countDown(); // publishes the deadline to the writers
        for (Thread th : ts) {
            th.join();
        }
        io.dosqlite.remote.ClientStats d = stats[1] == null ? null : stats[0].snapshot().minus(stats[1]);
        return new long[] {acked.get(), errors.get(), warm.get(), d == null ? 0 : d.requests(), d == null ? 0 : d.conflicts(),
                d == null ? 0 : d.retries(), d == null ? 0 : d.heldForHolders(), d == null ? 0 : d.heldBehind()};
    }

    /** N JVMs, each with {@code threads} connections; JVM i on rows ranges.get(i). */
    static long[] runJvms(String url, String token, List<int[]> ranges, double seconds, int threads) throws Exception {
        List<String[]> args = new ArrayList<>();
        for (int[] r : ranges) {
            args.add(new String[] {"child", url, token, "" + r[0], "" + r[1], "" + seconds, "" + threads});
        }
        long[] done = ChildJvms.run(Writers.class, args);
        return java.util.Arrays.copyOf(done, 8);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !args[0].equals("child")) {
            throw new IllegalArgumentException("usage: Writers child URL TOKEN LO HI SECONDS THREADS");
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        Properties p = new Properties();
        p.setProperty("token", args[2]);
        p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        long[] r = runThreads(args[1], p, Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Double.parseDouble(args[5]), Integer.parseInt(args[6]), CHILD_WARM_SECONDS, () -> {
                    System.out.println("READY");
                    System.out.flush();
                    try {
                        in.readLine();
                    } catch (java.io.IOException e) {
                        // parent gone: run anyway
                    }
                });
        System.out.println("DONE " + r[0] + " " + r[1] + " " + r[2] + " " + r[3] + " " + r[4] + " " + r[5] + " " + r[6] + " " + r[7]);
        System.out.flush();
        System.exit(0);
    }

    /**
     * BENCH_WRITERS_ONLY (text pieces separated by '|') keeps only the rows whose writers and rows
     * contain one of them: to measure one change without the whole section.
     */
    private static boolean selected(String row) {
        String only = System.getenv("BENCH_WRITERS_ONLY");
        if (only == null || only.isBlank()) {
            return true;
        }
        for (String piece : only.split("\\|")) {
            if (!piece.isBlank() && row.contains(piece.strip())) {
                return true;
            }
        }
        return false;
    }

    /** Measures one scenario and checks that the column grew by exactly what was acknowledged. */
    static Row measure(String system, int rtt, String writers, String rows, String url, Properties p, double seconds,
                       Scenario s) throws Exception {
        if (!selected(writers + ", " + rows)) {
            return null;
        }
        Progress.note(String.format(Locale.ROOT, "writers: %-8s rtt %2d ms  %s, %s ...", system, rtt, writers, rows));
        long before = sum(url, p);
        long t0 = System.nanoTime();
        long[] r = s.run();
        double secs = Math.min((System.nanoTime() - t0) / 1e9, seconds);
        long after = sum(url, p);
        long warm = r.length > 2 ? r[2] : 0;
        Row row = new Row(system, rtt, writers, rows, r[0], secs, r[1], after - before == r[0] + warm);
        Progress.note(String.format(Locale.ROOT, "writers: %-8s rtt %2d ms  %s, %s: %d acked, %.1f/s, %d errors, lost update: %s"
                        + "; %d requests, %d refused, %d retried; answers held for holders %d, behind earlier versions %d",
                system, rtt, writers, rows, r[0], row.perSecond(), r[1], row.noLostUpdate() ? "none" : (after - before) + " applied for " + (r[0] + warm),
                r.length > 3 ? r[3] : 0, r.length > 4 ? r[4] : 0, r.length > 5 ? r[5] : 0, r.length > 6 ? r[6] : 0,
                r.length > 7 ? r[7] : 0));
        return row;
    }

    interface Scenario {
        long[] run() throws Exception;
    }

    /** Splits 1..ROWS into n disjoint ranges. */
    static List<int[]> disjoint(int n) {
        List<int[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(new int[] {1 + i * (ROWS / n), (i + 1) * (ROWS / n)});
        }
        return l;
    }

    static List<int[]> same(int n, int rows) {
        List<int[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(new int[] {1, rows});
        }
        return l;
    }

    static String table(List<Row> measured) {
        List<Row> rows = measured.stream().filter(java.util.Objects::nonNull).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("| system | RTT ms | writers | rows updated | updates acknowledged | per second | vs 1 connection | vs 1 writer JVM | errors reaching the application | lost updates |\n");
        sb.append("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            Row one = baseline(rows, r, "1 connection", null);
            // rows of several JVMs against one writer JVM on the same kind of rows
            Row jvm = r.writers().contains("JVMs")
                    ? baseline(rows, r, "1 connection in 1 JVM", r.rows().startsWith("the same") ? "the same" : "a range")
                    : null;
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %d | %.0f | %s | %s | %d | %s |\n", r.system(), r.rtt(),
                    r.writers(), r.rows(), r.acked(), r.perSecond(), ratio(r, one), ratio(r, jvm),
                    r.errors(), r.noLostUpdate() ? "none" : "**yes**"));
        }
        return sb.toString();
    }

    private static Row baseline(List<Row> rows, Row r, String writers, String rowsPrefix) {
        return rows.stream().filter(x -> x.system().equals(r.system()) && x.rtt() == r.rtt() && x.writers().equals(writers)
                && (rowsPrefix == null || x.rows().startsWith(rowsPrefix))).findFirst().orElse(null);
    }

    private static String ratio(Row r, Row base) {
        return base == null || base.perSecond() == 0 ? "" : String.format(Locale.ROOT, "%.2fx", r.perSecond() / base.perSecond());
    }

    /**
     * The section of docs/benchmarks.md: dosqlite and PostgreSQL at {@code rtt}, then dosqlite at
     * RTT 0 with many writers (the Durable Object's own ceiling).
     */
    static String section(io.dosqlite.testsupport.proxy.LatencyProxy dosqlite, String token,
                          io.dosqlite.testsupport.proxy.LatencyProxy pg, int rtt, double seconds) throws Exception {
        List<Row> rows = new ArrayList<>();
        Properties p = new Properties();
        p.setProperty("token", token);
        p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
        String durl = "jdbc:dosqlite:http://127.0.0.1:" + dosqlite.port() + "/writers";
        dosqlite.setRttMillis(0);
        load(durl, p);
        String random = "random of 100,000";
        dosqlite.setRttMillis(rtt);
        rows.add(measure("dosqlite", rtt, "1 connection", random, durl, p, seconds,
                () -> runThreads(durl, p, 1, ROWS, seconds, 1, WARM_SECONDS, () -> { })));
        rows.add(measure("dosqlite", rtt, "8 connections, one JVM", random, durl, p, seconds,
                () -> runThreads(durl, p, 1, ROWS, seconds, 8, WARM_SECONDS, () -> { })));
        // one writer JVM alone, started and warmed as each of the four below are: what "one JVM's
        // throughput" means for the rows beside it (the bench's own JVM also runs the proxies)
        rows.add(measure("dosqlite", rtt, "1 connection in 1 JVM", "a range of 25,000", durl, p, seconds,
                () -> runJvms(durl, token, disjoint(4).subList(0, 1), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "1 connection in each of 4 JVMs", "disjoint ranges of 25,000", durl, p, seconds,
                () -> runJvms(durl, token, disjoint(4), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "2 connections in each of 4 JVMs", "disjoint ranges of 25,000", durl, p, seconds,
                () -> runJvms(durl, token, disjoint(4), seconds, 2)));
        // what the lease's acknowledgement wait costs them: without it (session mode, or no leases)
        rows.add(measure("dosqlite", rtt, "1 connection in each of 4 JVMs, consistency=session", "disjoint ranges of 25,000", durl, p, seconds,
                () -> runJvms(durl + "?consistency=session", token, disjoint(4), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "1 connection in each of 4 JVMs, leases=false", "disjoint ranges of 25,000", durl, p, seconds,
                () -> runJvms(durl + "?leases=false", token, disjoint(4), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "1 connection in 1 JVM", "the same 4 rows", durl, p, seconds,
                () -> runJvms(durl, token, same(1, 4), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "1 connection in each of 4 JVMs", "the same 4 rows (true conflicts)", durl, p, seconds,
                () -> runJvms(durl, token, same(4, 4), seconds, 1)));
        rows.add(measure("dosqlite", rtt, "1 connection in each of 4 JVMs, leases=false", "the same 4 rows (true conflicts)", durl, p, seconds,
                () -> runJvms(durl + "?leases=false", token, same(4, 4), seconds, 1)));
        if (pg != null) {
            String purl = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres?user=bench&sslmode=disable";
            Properties none = new Properties();
            pg.setRttMillis(0);
            load(purl, none);
            pg.setRttMillis(rtt);
            rows.add(measure("pg", rtt, "1 connection", random, purl, none, seconds,
                    () -> runThreads(purl, none, 1, ROWS, seconds, 1, WARM_SECONDS, () -> { })));
            rows.add(measure("pg", rtt, "8 connections, one JVM", random, purl, none, seconds,
                    () -> runThreads(purl, none, 1, ROWS, seconds, 8, WARM_SECONDS, () -> { })));
            pg.setRttMillis(0);
        }
        dosqlite.setRttMillis(0);
        rows.add(measure("dosqlite", 0, "1 connection", random, durl, p, seconds,
                () -> runThreads(durl, p, 1, ROWS, seconds, 1, WARM_SECONDS, () -> { })));
        rows.add(measure("dosqlite", 0, "16 connections, one JVM", random, durl, p, seconds,
                () -> runThreads(durl, p, 1, ROWS, seconds, 16, WARM_SECONDS, () -> { })));
        rows.add(measure("dosqlite", 0, "8 connections in each of 4 JVMs", "disjoint ranges of 25,000", durl, p, seconds,
                () -> runJvms(durl, token, disjoint(4), seconds, 8)));
        // TPC-B with one and two JVMs: each JVM a lease holder of what the other writes (defaults)
        dosqlite.setRttMillis(0);
        TransferJvms.load(durl, p);
        dosqlite.setRttMillis(rtt);
        StringBuilder transfers = new StringBuilder();
        transfers.append("| system | RTT ms | writers | transfers acknowledged | per second | 40001 retried by the application | other errors | lost |\n");
        transfers.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |\n");
        for (int jvms : new int[] {1, 2}) {
            if (!selected("TPC-B")) {
                continue;
            }
            transfers.append(TransferJvms.measure(durl, token, p, jvms, rtt, seconds));
        }
        dosqlite.setRttMillis(0);
        return "## Writers: throughput with several connections and JVMs\n\n"
                + "Autocommit `UPDATE w SET v = v + 1 WHERE id = ?` on random rows of a 100,000-row table, "
                + String.format(Locale.ROOT, "%.0f", seconds) + " s per row, every writer warmed on its range first."
                + " \"Lost updates\": whether the column grew by exactly the acknowledged count. JVMs are child"
                + " processes of the harness on the same machine (2 cores shared by everything).\n\n"
                + table(rows) + "\n"
                + "TPC-B-like transfers (5 statements, one transaction; every transfer updates the one branch row,"
                + " so transfers of two JVMs truly conflict and the application retries on 40001), through read leases"
                + " (the default): each JVM holds a lease on what the other writes. \"Lost\": whether the history"
                + " holds exactly the acknowledged transfers and the branch balance equals the sum of their deltas.\n\n"
                + transfers + "\n";
    }
}
