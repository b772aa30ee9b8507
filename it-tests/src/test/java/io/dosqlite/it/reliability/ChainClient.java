package io.dosqlite.it.reliability;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Writers whose commits depend on each other, for the crash-in-a-chain test: each autocommit
 * statement appends row max(n)+1 to {@code log}, so every commit of this JVM's chain is built on
 * the one before it; a later one applied without an earlier one would leave a gap in n. Prints
 * {@code ACK tag} for each statement that returned. Main: ChainClient URL TOKEN THREADS.
 * Runs until killed.
 */
public final class ChainClient {
    static final String SCHEMA = "CREATE TABLE IF NOT EXISTS log(n INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE)";

    private ChainClient() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("pipelineDepth", "32"); // opt-in (RemoteConfig.DEFAULT_PIPELINE_DEPTH)
        PrintStream out = System.out;
        int threads = Integer.parseInt(args[2]);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(args[0], p); Statement s = c.createStatement()) {
                    for (long seq = 0; ; seq++) {
                        String tag = id + "-" + seq;
                        try {
                            s.executeUpdate("INSERT INTO log(n, tag) SELECT coalesce(max(n), 0) + 1, '" + tag + "' FROM log");
                        } catch (SQLException e) {
                            synchronized (out) {
                                out.println("ERR " + tag + " " + e.getSQLState());
                                out.flush();
                            }
                            continue;
                        }
                        synchronized (out) {
                            out.println("ACK " + tag);
                            out.flush();
                        }
                    }
                } catch (SQLException e) {
                    synchronized (out) {
                        out.println("FAIL " + e);
                        out.flush();
                    }
                }
            });
            th.setDaemon(false);
            th.start();
        }
    }
}
