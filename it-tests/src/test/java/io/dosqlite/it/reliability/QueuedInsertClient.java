package io.dosqlite.it.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Properties;

/**
 * One connection with synchronousCommit=false inserting ids 1, 2, 3, … in autocommit mode, for
 * the crash test of queued commits: prints {@code DONE id} after each executeUpdate returned.
 * Main: QueuedInsertClient URL TOKEN MAX_UNACKNOWLEDGED. Runs until killed.
 */
public final class QueuedInsertClient {
    static final String SCHEMA = "CREATE TABLE IF NOT EXISTS q(id INTEGER PRIMARY KEY)";

    private QueuedInsertClient() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("synchronousCommit", "false");
        p.setProperty("pipelineDepth", "32"); // opt-in (RemoteConfig.DEFAULT_PIPELINE_DEPTH)
        p.setProperty("maxUnacknowledgedCommits", args[2]);
        try (Connection c = DriverManager.getConnection(args[0], p);
             PreparedStatement insert = c.prepareStatement("INSERT INTO q(id) VALUES (?)")) {
            for (long id = 1; ; id++) {
                insert.setLong(1, id);
                insert.executeUpdate();
                System.out.println("DONE " + id);
                System.out.flush();
            }
        }
    }
}
