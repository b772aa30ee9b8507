package io.dosqlite.it.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Shared knobs and helpers of the reliability suite.
 *
 * <p>Mode: quick by default (what {@code mvn verify} runs); full with {@code -Ddosqlite.reliability=full}
 * (the Maven profile {@code -Preliability-full} sets it). Any count can be overridden with
 * {@code -Ddosqlite.reliability.<name>=N}. Every figure is printed as a {@code FIGURE} line and
 * appended to {@code target/reliability-figures.txt}.
 */
final class Rel {
    static final boolean FULL = "full".equalsIgnoreCase(System.getProperty("dosqlite.reliability", "quick"));
    static final long SEED = Long.getLong("dosqlite.reliability.seed", System.nanoTime());

    static {
        figure("suite", "mode and seed of this JVM", mode() + ", -Ddosqlite.reliability.seed=" + SEED);
    }

    private Rel() {
    }

    /** A count: {@code quick} in quick mode, {@code full} in full mode, or the system property override. */
    static int n(String name, int quick, int full) {
        return Integer.getInteger("dosqlite.reliability." + name, FULL ? full : quick);
    }

    static String mode() {
        return FULL ? "full" : "quick";
    }

    /** Prints and records one measured figure. */
    static synchronized void figure(String test, String name, Object value) {
        String line = "FIGURE [" + mode() + "] " + test + " | " + name + " = " + value;
        System.out.println(line);
        Path f = Path.of(System.getProperty("dosqlite.reliability.figures", "target/reliability-figures.txt"));
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Files.writeString(f, Instant.now() + " " + line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The first row of {@code sql} as longs (null = 0). */
    static long[] longs(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                return null;
            }
            int n = rs.getMetaData().getColumnCount();
            long[] r = new long[n];
            for (int i = 0; i < n; i++) {
                r[i] = rs.getLong(i + 1);
            }
            return r;
        }
    }

    static long one(Connection c, String sql) throws SQLException {
        return longs(c, sql)[0];
    }

    static void exec(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** All lines of {@code PRAGMA integrity_check} joined; "ok" when healthy. */
    static String integrity(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            while (rs.next()) {
                out.add(String.valueOf(rs.getString(1)).replace("\n", " / "));
            }
        }
        return String.join("; ", out);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** Starts {@code main} in a new JVM with the test class path; stdin is a pipe kept open. */
    static Process startJvm(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xss1m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("dosqlite-rel-child-", ".err");
        err.toFile().deleteOnExit();
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        CHILD_ERR.put(p.pid(), err);
        return p;
    }

    private static final java.util.Map<Long, Path> CHILD_ERR = new java.util.concurrent.ConcurrentHashMap<>();

    /** What a child started by {@link #startJvm} wrote to stderr (the last 4,000 characters). */
    static String stderrOf(Process p) {
        Path f = CHILD_ERR.get(p.pid());
        try {
            String s = f == null ? "" : Files.readString(f, StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    static Path tempDir(String prefix) throws IOException {
        return Files.createTempDirectory("dosqlite-rel-" + prefix + "-");
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** The SQLState chain of {@code e} for messages. */
    static String describe(Throwable e) {
        if (e instanceof SQLException) {
            SQLException s = (SQLException) e;
            return "SQLException[" + s.getSQLState() + "] " + s.getMessage();
        }
        return String.valueOf(e);
    }
}
