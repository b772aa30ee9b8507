package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client JVM killed (SIGKILL) while its commits are pipelined (issue 17): 8 connections append
 * rows that each depend on the previous one, so this JVM's chain is several commits deep when it
 * dies. Whatever the server applies afterwards (commits still in flight, waiting for the ones
 * before them), a later commit is never applied without every earlier one: n stays 1..count with
 * no gap, and every statement the client saw return is there.
 */
class ChainCrashTest {

    @Test
    void aLaterCommitOfAChainIsNeverAppliedWithoutTheEarlierOnes() throws Exception {
        int rounds = Rel.n("chainCrashRounds", 2, 6);
        try (TestPageServer server = TestPageServer.start()) {
            for (int round = 0; round < rounds; round++) {
                String db = TestPageServer.freshName("chain");
                try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32")) {
                    Rel.exec(c, ChainClient.SCHEMA);
                }
                Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
                int target = 40 + 30 * round;
                CountDownLatch enough = new CountDownLatch(target);
                Process child = Rel.startJvm(ChainClient.class, server.jdbc(db), TestPageServer.TOKEN, "8");
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            if (line.startsWith("ACK ")) {
                                acked.add(line.substring(4));
                                enough.countDown();
                            }
                        }
                    } catch (Exception ignored) {
                        // killed
                    }
                });
                reader.start();
                try {
                    assertTrue(enough.await(120, TimeUnit.SECONDS), "the client acknowledged fewer than " + target
                            + " statements: " + Rel.stderrOf(child));
                } finally {
                    // SIGKILL through the handle: Process.destroyForcibly also closes our end of the child's
                    // stdout, so lines it wrote just before dying and not yet read would be lost (a loaded
                    // machine showed a transaction "present but never sent": docs/reliability.md, defect 8)
                    child.toHandle().destroyForcibly();
                    child.waitFor(30, TimeUnit.SECONDS);
                    reader.join(10_000);
                }
                Set<String> ackedAtKill = new HashSet<>(acked);
                // Commits sent before the kill may still land, each one waiting for the one before it
                // for at most the server's chain wait (5 s): every observation until the database is
                // still must show the log without a gap.
                long last = -1;
                long stillSince = System.nanoTime();
                long rows = 0;
                try (Connection c = TestPageServer.connect(server.jdbc(db), "pipelineDepth", "32")) {
                    while (System.nanoTime() - stillSince < TimeUnit.SECONDS.toNanos(7)) {
                        long[] cm;
                        try (Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(max(n), 0), coalesce(min(n), 1) FROM log")) {
                            rs.next();
                            cm = new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
                        }
                        assertEquals(cm[0], cm[1], "a gap in the log: a later commit of the chain was applied without an earlier one");
                        assertEquals(1, cm[2]);
                        if (cm[0] != last) {
                            last = cm[0];
                            stillSince = System.nanoTime();
                        }
                        rows = cm[0];
                        Rel.sleepQuietly(200);
                    }
                    Set<String> stored = new HashSet<>();
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tag FROM log")) {
                        while (rs.next()) {
                            stored.add(rs.getString(1));
                        }
                    }
                    for (String a : ackedAtKill) {
                        assertTrue(stored.contains(a), "acknowledged statement " + a + " is missing");
                    }
                    assertEquals("ok", Rel.integrity(c));
                }
                Rel.figure("client killed inside a commit chain", "round " + round + ": statements acknowledged / rows applied",
                        ackedAtKill.size() + " / " + rows);
            }
        }
    }
}
