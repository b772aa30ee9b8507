package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.Frames;
import io.dosqlite.testsupport.proxy.Phase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lost acknowledgements (invariant 3): the server applies a commit and the answer is lost (connection
 * dropped or reset, 500, timeout). The driver must find out by asking, never apply twice, and never
 * report a false conflict, also when a second writer commits in between (A-B-A).
 */
class LostAckTest {
    @RegisterExtension
    static final TestPageServer env = new TestPageServer().withFaultProxy(Rel.SEED);

    @Test
    void everyLostAckIsResolvedExactlyOnceWithoutFalseConflicts() throws Exception {
        int n = Rel.n("lostAcks", 60, 1000);
        String db = TestPageServer.freshName("lostack");
        Random rnd = new Random(Rel.SEED);
        Set<String> keysSeen = ConcurrentHashMap.newKeySet();
        AtomicInteger abaDone = new AtomicInteger();
        AtomicInteger bAcked = new AtomicInteger();
        AtomicReference<Throwable> bFailed = new AtomicReference<>();
        Map<String, Integer> errors = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        int aAcked = 0;
        int falseConflicts = 0;
        int lostBefore = env.proxy().applied(Fault.DROP_AFTER) + env.proxy().applied(Fault.RESET_AFTER) + env.proxy().applied(Fault.ERROR_500_AFTER)
                + env.proxy().applied(Fault.STALL_AFTER);
        try (Connection b = TestPageServer.connect(env.jdbc(db))) {
            Rel.exec(b, "CREATE TABLE acc(k INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL)",
                    "INSERT INTO acc VALUES (1, 0, 0)",
                    "CREATE TABLE log(id INTEGER PRIMARY KEY, who TEXT NOT NULL)");
            long v0 = RawHttp.of(env.url()).version(db);
            try (Connection a = TestPageServer.connect(env.proxy().jdbc("a", db), "readTimeout", "2")) {
                Fault[] lost = {Fault.DROP_AFTER, Fault.RESET_AFTER, Fault.ERROR_500_AFTER};
                for (int i = 1; i <= n; i++) {
                    boolean aba = i % 2 == 0;
                    // one timeout (STALL_AFTER) every 50 in full mode and twice in quick mode: each costs the read timeout
                    Fault f = (i % (Rel.FULL ? 100 : 30) == 0) ? Fault.STALL_AFTER : lost[rnd.nextInt(lost.length)];
                    kinds.merge(f + (aba ? " + B commits in between" : ""), 1, Integer::sum);
                    int bId = 1_000_000 + i;
                    Action act = Action.of(f, 3000);
                    if (aba) {
                        act.hook(Phase.AFTER_UPSTREAM, () -> {
                            // A's commit is applied; before A hears of it, B commits (a separate client)
                            try {
                                Rel.exec(b, "BEGIN", "UPDATE acc SET b = b + 1 WHERE k = 1",
                                        "INSERT INTO log VALUES (" + bId + ", 'B')", "COMMIT");
                                bAcked.incrementAndGet();
                                abaDone.incrementAndGet();
                            } catch (SQLException e) {
                                bFailed.set(e);
                            }
                        });
                    }
                    Action first = act;
                    env.proxy().rule(r -> r.is("commit") && keysSeen.add(String.valueOf(r.header("Idempotency-Key"))) ? first : Action.PASS);
                    try {
                        a.setAutoCommit(false);
                        Rel.exec(a, "UPDATE acc SET a = a + 1 WHERE k = 1", "INSERT INTO log VALUES (" + i + ", 'A')");
                        a.commit();
                        aAcked++;
                    } catch (SQLException e) {
                        Rel.rollbackQuietly(a);
                        errors.merge(String.valueOf(e.getSQLState()), 1, Integer::sum);
                        if ("40001".equals(e.getSQLState())) {
                            falseConflicts++;
                        }
                    } finally {
                        a.setAutoCommit(true);
                    }
                    if (bFailed.get() != null) {
                        throw new AssertionError("writer B failed", bFailed.get());
                    }
                }
                env.proxy().pass();
                long[] acc = Rel.longs(b, "SELECT a, b FROM acc WHERE k = 1");
                long aRows = Rel.one(b, "SELECT count(*) FROM log WHERE who = 'A'");
                long bRows = Rel.one(b, "SELECT count(*) FROM log WHERE who = 'B'");
                long applied = RawHttp.of(env.url()).version(db) - v0;
                int lostAcks = env.proxy().applied(Fault.DROP_AFTER) + env.proxy().applied(Fault.RESET_AFTER) + env.proxy().applied(Fault.ERROR_500_AFTER)
                        + env.proxy().applied(Fault.STALL_AFTER) - lostBefore;
                String t = "lost ack / idempotency";
                Rel.figure(t, "lost acknowledgements injected", lostAcks);
                Rel.figure(t, "kinds", kinds);
                Rel.figure(t, "A-B-A interleavings (B committed between A's apply and A's answer)", abaDone.get());
                Rel.figure(t, "A commits acknowledged", aAcked + " of " + n);
                Rel.figure(t, "errors A saw", errors);
                Rel.figure(t, "false conflicts (40001 on a commit that was applied)", falseConflicts);
                Rel.figure(t, "double-applied commits (server versions - acknowledged commits)", applied - aAcked - bAcked.get());
                Rel.figure(t, "lost B updates", bAcked.get() - acc[1]);
                assertEquals(n, lostAcks, "every commit's first answer must have been lost");
                assertEquals(0, falseConflicts, "false conflicts: " + errors);
                assertEquals(n, aAcked, "the driver must resolve every lost ack by asking: " + errors);
                assertEquals(aAcked, acc[0], "A's counter");
                assertEquals(aAcked, aRows, "A's log rows");
                assertEquals(bAcked.get(), acc[1], "B's counter: an A commit applied twice would overwrite B's update");
                assertEquals(bAcked.get(), bRows);
                assertEquals(aAcked + bAcked.get(), applied, "server versions: each commit applied exactly once");
                assertEquals("ok", Rel.integrity(b));
            }
        }
    }

    /**
     * Autocommit {@code executeUpdate} runs optimistically on the version this JVM knows and is run
     * again when its commit is refused as stale. With another writer committing before every one of
     * A's statements (so A is always stale) and A's commit answers lost, every statement must still
     * count exactly once.
     */
    @Test
    void optimisticAutocommitUpdatesCountExactlyOnceUnderLostAcksAndAConcurrentWriter() throws Exception {
        int n = Rel.n("optimisticLostAcks", 40, 200);
        String db = TestPageServer.freshName("optimistic");
        Random rnd = new Random(Rel.SEED + 7);
        Set<String> keysSeen = ConcurrentHashMap.newKeySet();
        Fault[] lost = {Fault.DROP_AFTER, Fault.RESET_AFTER, Fault.ERROR_500_AFTER};
        Map<String, Integer> errors = new TreeMap<>();
        int aOk = 0;
        int bOk = 0;
        int before = env.proxy().applied(Fault.DROP_AFTER) + env.proxy().applied(Fault.RESET_AFTER) + env.proxy().applied(Fault.ERROR_500_AFTER);
        try (Connection b = TestPageServer.connect(env.jdbc(db))) {
            Rel.exec(b, "CREATE TABLE c(k INTEGER PRIMARY KEY, n INTEGER NOT NULL)", "INSERT INTO c VALUES (1, 0)");
            long v0 = RawHttp.of(env.url()).version(db);
            try (Connection a = TestPageServer.connect(env.proxy().jdbc("opt", db), "readTimeout", "5");
                 java.sql.Statement as = a.createStatement(); java.sql.Statement bs = b.createStatement()) {
                env.proxy().rule(r -> {
                    if (r.is("commit") && keysSeen.add(String.valueOf(r.header("Idempotency-Key")))) {
                        synchronized (rnd) {
                            return Action.of(lost[rnd.nextInt(lost.length)]);
                        }
                    }
                    return Action.PASS;
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, bs.executeUpdate("UPDATE c SET n = n + 1 WHERE k = 1"));
                    bOk++;
                    try {
                        int count = as.executeUpdate("UPDATE c SET n = n + 1 WHERE k = 1");
                        assertEquals(1, count, "update count");
                        aOk++;
                    } catch (SQLException e) {
                        errors.merge(String.valueOf(e.getSQLState()), 1, Integer::sum);
                    }
                }
            } finally {
                env.proxy().pass();
            }
            long counter = Rel.one(b, "SELECT n FROM c WHERE k = 1");
            long applied = RawHttp.of(env.url()).version(db) - v0;
            int lostAcks = env.proxy().applied(Fault.DROP_AFTER) + env.proxy().applied(Fault.RESET_AFTER) + env.proxy().applied(Fault.ERROR_500_AFTER) - before;
            String t = "lost ack / idempotency (optimistic autocommit executeUpdate)";
            Rel.figure(t, "statements of A (always stale) / of B", n + " / " + n);
            Rel.figure(t, "lost acknowledgements", lostAcks);
            Rel.figure(t, "A statements acknowledged", aOk);
            Rel.figure(t, "errors A saw", errors);
            Rel.figure(t, "counter - acknowledged statements (double or lost applies)", counter - aOk - bOk);
            assertEquals(aOk + bOk, counter, "each acknowledged statement exactly once: " + errors);
            assertEquals(aOk + bOk, applied, "server versions");
            assertEquals(n, aOk, "every statement of A should succeed: " + errors);
        }
    }

    /**
     * Every attempt of a commit is delayed past the client's timeout and then delivered (a slow
     * network or a slow upload): the client's look-ups find nothing yet, it gives up, and later a
     * copy lands. The user must not have been told that the commit was not applied.
     */
    @Test
    void aCommitThatTimesOutIsNeverReportedAsNotAppliedWhenADelayedCopyLandsLater() throws Exception {
        String db = TestPageServer.freshName("delayed");
        try (Connection setup = TestPageServer.connect(env.jdbc(db))) {
            Rel.exec(setup, "CREATE TABLE acc(k INTEGER PRIMARY KEY, a INTEGER NOT NULL)", "INSERT INTO acc VALUES (1, 0)");
        }
        long v0 = RawHttp.of(env.url()).version(db);
        String outcome;
        try (Connection a = TestPageServer.connect(env.proxy().jdbc("delayed", db), "readTimeout", "1", "maxRetries", "1")) {
            Rel.one(a, "SELECT a FROM acc");
            env.proxy().rule(r -> r.is("commit") ? Action.of(Fault.DELAY, 2500) : Action.PASS);
            try {
                Rel.exec(a, "UPDATE acc SET a = a + 1 WHERE k = 1");
                outcome = "acknowledged";
            } catch (SQLException e) {
                outcome = e.getSQLState() + " " + e.getMessage();
            }
        } finally {
            env.proxy().awaitIdle(); // the delayed copies reach the server now
            env.proxy().pass();
        }
        long applied = RawHttp.of(env.url()).version(db) - v0;
        Rel.figure("lost ack / idempotency", "commit delayed past the timeout on every attempt, applied later",
                "applied " + applied + " time(s); the user was told: " + outcome);
        assertTrue(applied <= 1, "applied " + applied + " times");
        if (applied == 1) {
            assertTrue(outcome.equals("acknowledged") || outcome.startsWith("08007"),
                    "the commit was applied, but the user was told something else than 'unknown outcome' (08007): " + outcome);
            assertTrue(!outcome.contains("not applied"), outcome);
        }
    }

    /** The same at the protocol level: the server remembers keys, not only the last, across other writers. */
    @Test
    void serverReplaysRememberedKeysAfterOtherCommitsAndRefusesReuseWithAnotherBase() throws Exception {
        RawHttp h = RawHttp.of(env.url());
        String db = TestPageServer.freshName("idem");
        int ps = 4096;
        assertEquals(201, h.create(db, ps).status());
        RawHttp.Resp first = h.commit(db, 0, 2, ps, "key-A", Frames.pattern(1, 2, ps, 1));
        assertEquals(200, first.status(), first.toString());
        int others = Rel.n("idemOthers", 50, 500);
        for (int i = 0; i < others; i++) {
            RawHttp.Resp r = h.commit(db, 1 + i, 2, ps, "key-B-" + i, Frames.pattern(2, 2, ps, 100 + i));
            assertEquals(200, r.status(), r.toString());
        }
        RawHttp.Resp replay = h.commit(db, 0, 2, ps, "key-A", Frames.pattern(1, 2, ps, 1));
        assertEquals(200, replay.status(), "replay after " + others + " other commits must not be a conflict: " + replay);
        assertEquals("true", replay.header("X-Dosqlite-Replayed"));
        assertEquals(first.text(), replay.text(), "the original answer");
        assertEquals(1 + others, h.version(db), "a replay must not apply again");
        assertEquals(200, h.get("/v1/databases/" + db + "/commits/key-A").status());
        RawHttp.Resp reused = h.commit(db, 5, 2, ps, "key-A", Frames.pattern(1, 2, ps, 1));
        assertEquals(422, reused.status(), reused.toString());
        assertEquals("key_reused", reused.error());
        RawHttp.Resp unknown = h.get("/v1/databases/" + db + "/commits/never-sent");
        assertEquals(404, unknown.status());
        assertEquals("unknown_key", unknown.error());
        assertNotEquals(null, unknown.str("message"));
        assertTrue(unknown.str("message").contains("retry"), unknown.toString());
        Rel.figure("lost ack / idempotency", "protocol: key replayed after N other commits", others);
    }
}
