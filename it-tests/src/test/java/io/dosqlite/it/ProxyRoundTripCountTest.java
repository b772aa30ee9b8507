package io.dosqlite.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.jdbc.DosqliteConnection;
import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.LatencyProxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's round trips per operation come from the latency proxy. The push channel runs
 * beside the queries on its own WebSocket: its messages must not be counted as round trips of the
 * query that happened to run meanwhile (they made a cold point lookup look like 2.9 round trips
 * for its 2 requests), yet the channel must still be seen going through the proxy.
 */
class ProxyRoundTripCountTest {

    @Test
    void pushChannelTurnsAreCountedApartFromTheRequests() throws Exception {
        try (TestPageServer server = TestPageServer.start();
             LatencyProxy proxy = new LatencyProxy("127.0.0.1", server.port())) {
            String db = "proxycount";
            try (Connection c = TestPageServer.connect(server.jdbc(db)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
                s.execute("INSERT INTO t " + Sql.series(1, 5_000) + " SELECT value, printf('%.200c', 'x') FROM series");
            }
            proxy.setRttMillis(2);
            String url = "jdbc:dosqlite:" + proxy.url() + "/" + db;
            long allRequests = 0;
            for (int round = 0; round < 5; round++) {
                try (Connection c = TestPageServer.connect(url); Statement s = c.createStatement()) {
                    DosqliteConnection d = c.unwrap(DosqliteConnection.class);
                    long requests0 = d.statistics().requests();
                    long[] p0 = proxy.counters();
                    try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = " + (1 + round * 997))) {
                        assertTrue(rs.next());
                    }
                    long requests = d.statistics().requests() - requests0;
                    long turns = proxy.counters()[2] - p0[2];
                    allRequests += requests;
                    assertEquals(requests, turns, "round trips the proxy counted for " + requests + " request(s)");
                }
            }
            assertTrue(allRequests >= 1, "the lookups never reached the page server: nothing was measured");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (proxy.counters()[4] == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(proxy.counters()[4] > 0, "the push channel's WebSocket did not go through the proxy");
        }
    }
}
