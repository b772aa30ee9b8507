package io.dosqlite.vfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.*;
import java.util.Locale;
import java.util.Random;

/**
 * Throughput of sqlite-jdbc through the dosqlite VFS (in-process {@link InMemoryPageStore}) vs
 * plain sqlite-jdbc on a local file, same JVM, same run. Not a unit test. Run with:
 * <pre>
 * cd /work/main && mvn -q -pl vfs-native install -DskipTests &&
 *   mvn -q -pl vfs-native exec:java -Dexec.mainClass=io.dosqlite.vfs.VfsBenchmark -Dexec.classpathScope=test
 * </pre>
 * Optional args: rows (default 100000), rounds (default 8; round 0 is warm-up; best and median reported).
 */
public final class VfsBenchmark {
    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path dir = Files.createTempDirectory("dosqlite-bench");
        double[][] plain = new double[rounds][];
        double[][] vfs = new double[rounds][];
        for (int r = 0; r < rounds; r++) {
            // alternate the order so that background load and JIT warm-up hit both sides alike
            if (r % 2 == 0) {
                plain[r] = runPlain(dir, rows, r);
                vfs[r] = runVfs(rows, r);
            } else {
                vfs[r] = runVfs(rows, r);
                plain[r] = runPlain(dir, rows, r);
            }
            System.out.printf(Locale.ROOT, "round %d: insert plain %,.0f/s vfs %,.0f/s | select plain %,.0f/s vfs %,.0f/s%n",
                    r, plain[r][0], vfs[r][0], plain[r][1], vfs[r][1]);
        }
        int from = Math.min(1, rounds - 1); // round 0 is JIT warm-up
        System.out.println();
        System.out.printf(Locale.ROOT, "%-42s %14s %14s %7s %14s%n", "workload (rounds " + from + ".." + (rounds - 1) + ")",
                "plain rows/s", "dosqlite rows/s", "ratio", "median ratio");
        for (int w = 0; w < 2; w++) {
            double bp = 0, bv = 0;
            double[] ratios = new double[rounds - from];
            for (int r = from; r < rounds; r++) {
                bp = Math.max(bp, plain[r][w]);
                bv = Math.max(bv, vfs[r][w]);
                ratios[r - from] = vfs[r][w] / plain[r][w];
            }
            java.util.Arrays.sort(ratios);
            String name = w == 0 ? "bulk insert " + rows + " rows, 1 tx (best)" : "point select " + rows + "x, 1 tx (best)";
            System.out.printf(Locale.ROOT, "%-42s %,14.0f %,14.0f %7.2f %14.2f%n", name, bp, bv, bv / bp, ratios[ratios.length / 2]);
        }
    }

    static double[] runPlain(Path dir, int rows, int r) throws Exception {
        Path file = dir.resolve("plain-" + r + ".db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            return run(c, rows, r);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve("plain-" + r + ".db-journal"));
        }
    }

    static double[] runVfs(int rows, int r) throws Exception {
        InMemoryPageStore store = new InMemoryPageStore();
        try (DosqliteVfs vfs = DosqliteVfs.register("bench-" + r, store);
             Connection c = DriverManager.getConnection(vfs.jdbcUrl(), DosqliteVfs.connectionProperties())) {
            return run(c, rows, r);
        }
    }

    /** Returns {insert rows/s, select rows/s}. */
    static double[] run(Connection c, int rows, int seed) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("create table t(k integer primary key, v text not null, n integer)");
        }
        Random rnd = new Random(seed);
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("insert into t(k, v, n) values (?, ?, ?)")) {
            for (int i = 1; i <= rows; i++) {
                ps.setInt(1, i);
                ps.setString(2, "value-" + i + "-" + (i * 7919L));
                ps.setLong(3, rnd.nextInt());
                ps.executeUpdate();
            }
        }
        c.commit();
        long t1 = System.nanoTime();
        long sum = 0;
        try (PreparedStatement ps = c.prepareStatement("select v, n from t where k = ?")) {
            for (int i = 0; i < rows; i++) {
                ps.setInt(1, 1 + rnd.nextInt(rows));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        sum += rs.getString(1).length() + rs.getLong(2);
                    }
                }
            }
        }
        c.commit();
        long t2 = System.nanoTime();
        c.setAutoCommit(true);
        if (sum == 42) {
            System.out.print("");
        }
        return new double[] {rows / ((t1 - t0) / 1e9), rows / ((t2 - t1) / 1e9)};
    }
}
