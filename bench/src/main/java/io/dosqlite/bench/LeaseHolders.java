package io.dosqlite.bench;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.testsupport.proxy.LatencyProxy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The read-lease rows of the benchmark (issue 16), per RTT: requests of a read transaction on a
 * warm cache and right after another JVM's small commit, and the autocommit 1-row UPDATE with 0, 1
 * and 8 other lease holders (other JVMs, {@link LeaseHolderPeer}) with its requests, round trips
 * and p50/p99 latency: what waiting for the holders' acknowledgements costs. Written to
 * {@code lease-holders.md} next to the report.
 */
final class LeaseHolders {
    private static final int ROWS = 1000;
    private final String host;
    private final int port;
    private final String token;
    private final boolean quick;

    LeaseHolders(String host, int port, String token, boolean quick) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.quick = quick;
    }

    void run(int[] rtts, Path out, List<String> notes) {
        StringBuilder md = new StringBuilder("| RTT ms | measurement | requests/op | round trips/op | ops/s | p50 ms | p99 ms |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n");
        try (LatencyProxy mine = new LatencyProxy(host, port); LatencyProxy theirs = new LatencyProxy(host, port)) {
            for (int rtt : rtts) {
                mine.setRttMillis(rtt);
                theirs.setRttMillis(rtt);
                measure(rtt, mine, theirs, md);
            }
            Progress.note("lease rows:\n" + md);
            Files.createDirectories(out);
            Files.writeString(out.resolve("lease-holders.md"), md.toString(), StandardCharsets.UTF_8);
        } catch (Exception e) {
            String why = "lease rows failed: " + e;
            Progress.note(why);
            notes.add(why);
        }
    }

    private void measure(int rtt, LatencyProxy mine, LatencyProxy theirs, StringBuilder md) throws Exception {
        String db = "holders_" + rtt + "_" + System.nanoTime();
        try (Connection c = connect("http://" + host + ":" + port, db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts(aid INTEGER PRIMARY KEY, abalance INTEGER NOT NULL, filler TEXT)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ROWS + ") "
                    + "INSERT INTO accounts SELECT i, 0, printf('%84d', i) FROM n");
        }
        try (Connection c = connect(mine.url(), db); Statement s = c.createStatement()) {
            DosqliteConnection d = c.unwrap(DosqliteConnection.class);
            Random r = new Random(3);
            for (int i = 1; i <= ROWS; i += 50) {
                select(s, i);
            }
            int n = quick ? 300 : 3000;
            Sample auto = sample(mine, d, n, () -> select(s, 1 + r.nextInt(ROWS)));
            row(md, rtt, "autocommit point SELECT, warm cache, lease held", auto);
            Sample txn = sample(mine, d, quick ? 20 : 100, () -> readTxn(c, s, r));
            row(md, rtt, "read transaction (10 SELECTs), warm cache", txn);
            try (Peer writer = new Peer(theirs, db)) {
                Sample after = sample(mine, d, quick ? 10 : 40, () -> {
                    writer.update();
                    readTxn(c, s, r);
                });
                row(md, rtt, "read transaction right after another JVM's 1-row commit (pages pushed)", after);
            }
            for (int holders : new int[] {0, 1, 8}) {
                List<Peer> peers = new ArrayList<>();
                try {
                    for (int i = 0; i < holders; i++) {
                        peers.add(new Peer(theirs, db));
                    }
                    Sample up = sample(mine, d, quick ? 40 : 200, () -> s.executeUpdate(
                            "UPDATE accounts SET abalance = abalance + 1 WHERE aid = " + (1 + r.nextInt(ROWS))));
                    row(md, rtt, "autocommit 1-row UPDATE, " + holders + " other lease holder(s)", up);
                } finally {
                    for (Peer p : peers) {
                        p.close();
                    }
                }
            }
        }
    }

    interface Op {
        void run() throws Exception;
    }

    private record Sample(int ops, double seconds, long requests, long turns, double p50, double p99) {
    }

    private static Sample sample(LatencyProxy proxy, DosqliteConnection d, int n, Op op) throws Exception {
        long req0 = d.statistics().requests();
        long turns0 = proxy.counters()[2];
        long[] lat = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long a = System.nanoTime();
            op.run();
            lat[i] = System.nanoTime() - a;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(lat);
        return new Sample(n, secs, d.statistics().requests() - req0, proxy.counters()[2] - turns0,
                lat[(int) Math.min(n - 1, Math.round(0.5 * (n - 1)))] / 1e6, lat[(int) Math.min(n - 1, Math.round(0.99 * (n - 1)))] / 1e6);
    }

    private static void row(StringBuilder md, int rtt, String what, Sample s) {
        md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.0f | %.2f | %.2f |%n", rtt, what,
                (double) s.requests() / s.ops(), (double) s.turns() / s.ops(), s.ops() / s.seconds(), s.p50(), s.p99()));
    }

    private static void select(Statement s, int aid) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT abalance FROM accounts WHERE aid = " + aid)) {
            rs.next();
        }
    }

    private static void readTxn(Connection c, Statement s, Random r) throws SQLException {
        c.setAutoCommit(false);
        try {
            for (int i = 0; i < 10; i++) {
                select(s, 1 + r.nextInt(ROWS));
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Connection connect(String base, String db) throws SQLException {
        Properties p = new Properties();
        p.setProperty("token", token);
        p.setProperty("leases", "true");
        p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
        return DriverManager.getConnection("jdbc:dosqlite:" + base + "/" + db, p);
    }

    /** A {@link LeaseHolderPeer} JVM reaching the server through {@code proxy}. */
    private final class Peer implements AutoCloseable {
        final Process process;
        final PrintWriter in;
        final BufferedReader out;

        Peer(LatencyProxy proxy, String db) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-cp",
                    System.getProperty("java.class.path"), LeaseHolderPeer.class.getName(),
                    "jdbc:dosqlite:" + proxy.url() + "/" + db, token).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            if (!"ready".equals(out.readLine())) {
                throw new IOException("lease holder JVM did not start");
            }
        }

        void update() throws IOException {
            in.println("update");
            if (!"ok".equals(out.readLine())) {
                throw new IOException("lease holder JVM failed to commit");
            }
        }

        @Override
        public void close() throws Exception {
            in.println("quit");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
