package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.DosqliteVfs;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real SQLite (sqlite-jdbc) through the vfs-native VFS over a RemotePageStore and a real page
 * server; prints request counts.
 */
class SqliteOverVfsServerTest {
    @Test
    void realSqlite() throws Exception {
        try (TestPageServer server = TestPageServer.start()) {
            String db = RemoteTests.newDbName("e2e");
            RemotePageStore store = RemoteTests.open(server.url(), db);
            DosqliteVfs vfs = DosqliteVfs.register("e2e-" + System.nanoTime() % 100000, store);
            try {
                try (Connection c = DriverManager.getConnection(vfs.jdbcUrl(), DosqliteVfs.connectionProperties());
                     Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
                    s.execute("CREATE INDEX tv ON t(v)");
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(v) VALUES (?)")) {
                        for (int i = 0; i < 20000; i++) {
                            ps.setString(1, "value-" + (i * 7919 % 20000) + "-" + "y".repeat(50));
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    c.commit();
                    c.setAutoCommit(true);
                    System.out.println("after load: " + store.stats() + " version " + store.knownVersion());
                    ClientStats b = store.stats().snapshot();
                    try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 777")) {
                        assertTrue(rs.next());
                    }
                    System.out.println("warm point read: " + store.stats().minus(b));
                    b = store.stats().snapshot();
                    s.executeUpdate("UPDATE t SET v = 'changed' WHERE id = 5");
                    System.out.println("1-row update: " + store.stats().minus(b));
                }
                // cold store, new VFS
            } finally {
                vfs.close();
            }
            RemotePageStore cold = RemoteTests.open(server.url(), db);
            System.out.println("cold open: " + cold.stats());
            DosqliteVfs vfs2 = DosqliteVfs.register("e2e2-" + System.nanoTime() % 100000, cold);
            try (Connection c = DriverManager.getConnection(vfs2.jdbcUrl(), DosqliteVfs.connectionProperties());
                 Statement s = c.createStatement()) {
                ClientStats b = cold.stats().snapshot();
                try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 12345")) {
                    assertTrue(rs.next());
                }
                System.out.println("cold point read (incl. connection open): " + cold.stats().minus(b));
                b = cold.stats().snapshot();
                try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 4321")) {
                    assertTrue(rs.next());
                }
                System.out.println("second cold point read: " + cold.stats().minus(b));
                b = cold.stats().snapshot();
                try (ResultSet rs = s.executeQuery("SELECT count(*), max(length(v)) FROM t")) {
                    assertTrue(rs.next());
                    assertEquals(20000, rs.getInt(1));
                }
                ClientStats scan = cold.stats().minus(b);
                System.out.println("full scan: " + scan);
                assertTrue(scan.requests() <= 20, "table scan is batched in tree order: " + scan);
                b = cold.stats().snapshot();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t INDEXED BY tv WHERE v > ''")) {
                    assertTrue(rs.next());
                }
                System.out.println("index scan: " + cold.stats().minus(b));
                try (ResultSet rs = s.executeQuery("PRAGMA page_count")) {
                    rs.next();
                    System.out.println("page_count " + rs.getLong(1));
                }
            } finally {
                vfs2.close();
            }
        }
    }
}
