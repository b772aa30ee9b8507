package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Phase;
import io.dosqlite.testsupport.proxy.Rule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Crash sweep (invariants 1-3): kill -9 the client JVM, and separately workerd, at many points
 * before, during and after commit requests; after each, the database is intact, holds every
 * acknowledged transaction, no partial one, and nothing beyond the one in flight.
 *
 * <p>Quick: {@code crashPoints} (6) client kills and {@code serverCrashPoints} (6) workerd kills;
 * full: 200 and 200.
 */
class CrashSweepTest {

    // ---------------------------------------------------------------- client JVM killed

    @Test
    void killingTheClientJvmAtAnyPointLeavesAPrefixOfAcknowledgedTransactions() throws Exception {
        int points = Rel.n("crashPoints", 6, 200);
        Random rnd = new Random(Rel.SEED);
        String db = TestPageServer.freshName("crash-jvm");
        Map<String, Integer> byMode = new TreeMap<>();
        long acked = 0;
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED);
             Connection v = TestPageServer.connect(server.jdbc(db))) {
            Rel.exec(v, CrashWorkload.SCHEMA);
            Ledger ledger = new Ledger();
            for (int point = 0; point < points; point++) {
                int mode = point % 5;
                long first = ledger.max + 1;
                AtomicReference<Process> child = new AtomicReference<>();
                CountDownLatch killed = new CountDownLatch(1);
                Runnable kill = () -> {
                    Process c = child.get();
                    if (c != null) {
                        // SIGKILL through the handle: Process.destroyForcibly also closes our end of the child's
                        // stdout, so lines it wrote just before dying and not yet read would be lost (a loaded
                        // machine showed a transaction "present but never sent": docs/reliability.md, defect 8)
                        c.toHandle().destroyForcibly();
                        try {
                            c.waitFor(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    killed.countDown();
                };
                String label;
                String url;
                if (mode == 0) {
                    // through the proxy too, with no fault: awaitIdle() then knows when a commit the
                    // dead client sent has landed (a fixed sleep only guessed it)
                    label = "random delay";
                    url = proxy.jdbc("jvm" + point, db);
                    proxy.pass();
                } else {
                    int k = 1 + rnd.nextInt(4);
                    Action a;
                    switch (mode) {
                        case 1:
                            label = "before commit reaches server";
                            a = Action.of(Fault.DROP_BEFORE).hook(Phase.BEFORE_FORWARD, kill);
                            break;
                        case 2:
                            label = "commit sent after client died";
                            a = Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, kill);
                            break;
                        case 3:
                            label = "after server applied, before ack";
                            a = Action.of(Fault.DROP_AFTER).hook(Phase.AFTER_UPSTREAM, kill);
                            break;
                        default:
                            label = "right after ack";
                            a = Action.of(Fault.PASS).hook(Phase.AFTER_REPLY, kill);
                            break;
                    }
                    proxy.rule(Rule.nth(Rule.endpoint("commit"), k, a));
                    url = proxy.jdbc("jvm" + point, db);
                }
                Process p = Rel.startJvm(CrashWorkload.class, url, TestPageServer.TOKEN, Long.toString(first), "1000000",
                        "readTimeout=10");
                child.set(p);
                List<String> lines = new ArrayList<>();
                CountDownLatch ready = new CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            synchronized (lines) {
                                lines.add(line);
                            }
                            if (line.equals("READY")) {
                                ready.countDown();
                            }
                        }
                    } catch (Exception ignored) {
                        // killed
                    }
                    ready.countDown();
                });
                reader.start();
                if (mode == 0) {
                    assertTrue(ready.await(120, TimeUnit.SECONDS), "workload did not start");
                    Thread.sleep(rnd.nextInt(400));
                    kill.run();
                } else if (!killed.await(60, TimeUnit.SECONDS)) {
                    kill.run();
                    fail("point " + point + ": the workload never reached the kill point; output: " + lines + "\n"
                            + Rel.stderrOf(p));
                }
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                // every line the child wrote before it died is in the pipe: read to its end, however
                // long a loaded machine takes, or the bounds below would be computed from a part
                reader.join(120_000);
                assertFalse(reader.isAlive(), "point " + point + ": the child's output was not read to its end");
                proxy.awaitIdle(); // a commit forwarded after the client died lands before we look
                synchronized (lines) {
                    assertTrue(lines.contains("READY"), "point " + point + ": the workload did not start: " + lines + "\n"
                            + Rel.stderrOf(p));
                }
                proxy.pass();
                long lastAck = first - 1;
                long lastSent = first - 1;
                synchronized (lines) {
                    for (String l : lines) {
                        if (l.startsWith("ACK ")) {
                            lastAck = Long.parseLong(l.substring(4));
                        } else if (l.startsWith("SEND ")) {
                            lastSent = Long.parseLong(l.substring(5));
                        } else if (l.startsWith("ERR") || l.equals("DONE")) {
                            fail("point " + point + " (" + label + "): the workload ended by itself: " + l + "\n"
                                    + Rel.stderrOf(p));
                        }
                    }
                }
                String tail;
                synchronized (lines) {
                    tail = lines.subList(Math.max(0, lines.size() - 4), lines.size()).toString();
                }
                // what the client said it was about to send bounds what may be present: a row past it
                // would be a commit nobody made
                ledger.verify(v, lastAck, lastSent, "client kill point " + point + " (" + label + ", first id " + first
                        + ", child's last lines " + tail + ")");
                acked += lastAck - first + 1;
                byMode.merge(label, 1, Integer::sum);
            }
            String t = "crash sweep: client JVM kill -9";
            Rel.figure(t, "kill points", points);
            Rel.figure(t, "kill points by kind", byMode);
            Rel.figure(t, "acknowledged transactions", acked);
            Rel.figure(t, "in-flight transaction present afterwards", ledger.inFlightPresent);
            Rel.figure(t, "in-flight transaction absent afterwards", ledger.inFlightAbsent);
            Rel.figure(t, "violations (integrity, lost ack, partial, beyond in-flight)", 0);
            assertTrue(acked > 0, "no transaction was acknowledged: the sweep tested nothing");
        }
    }

    // ---------------------------------------------------------------- client killed during a staged commit

    @Test
    void killingTheClientDuringAStagedCommitPublishesAllOrNothing() throws Exception {
        String db = TestPageServer.freshName("crash-big");
        Map<String, String> results = new TreeMap<>();
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED);
             Connection v = TestPageServer.connect(server.jdbc(db))) {
            Rel.exec(v, CrashWorkload.SCHEMA);
            String[] labels = {"before the stage upload reaches the server", "after the stage upload was stored",
                "before the publishing commit reaches the server", "after the publishing commit was applied, before its answer"};
            for (int point = 0; point < labels.length; point++) {
                long next = Rel.one(v, "SELECT coalesce(max(id), " + (CrashWorkload.BIG_BASE - 1) + ") FROM t WHERE id >= "
                        + CrashWorkload.BIG_BASE) + 1;
                long v0 = RawHttp.of(server.url()).version(db);
                AtomicReference<Process> child = new AtomicReference<>();
                CountDownLatch killed = new CountDownLatch(1);
                Runnable kill = () -> {
                    child.get().destroyForcibly();
                    try {
                        child.get().waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    killed.countDown();
                };
                String endpoint = point < 2 ? "stage" : "commit";
                Action a = point % 2 == 0 ? Action.of(Fault.DROP_BEFORE).hook(Phase.BEFORE_FORWARD, kill)
                        : Action.of(Fault.DROP_AFTER).hook(Phase.AFTER_UPSTREAM, kill);
                proxy.rule(Rule.nth(Rule.endpoint(endpoint), 1, a));
                Process p = Rel.startJvm(CrashWorkload.class, proxy.jdbc("big" + point, db), TestPageServer.TOKEN, Long.toString(next), "1",
                        "readTimeout=60");
                child.set(p);
                if (!killed.await(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail(labels[point] + ": the kill point was never reached: "
                            + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + Rel.stderrOf(p));
                }
                proxy.awaitIdle();
                proxy.pass();
                long applied = RawHttp.of(server.url()).version(db) - v0;
                v.setAutoCommit(false);
                try {
                    assertEquals("ok", Rel.integrity(v), labels[point]);
                    long[] agg = Rel.longs(v, "SELECT count(*), coalesce(sum(id), 0) FROM t");
                    long[] meta = Rel.longs(v, "SELECT n, s FROM meta WHERE k = 1");
                    assertEquals(agg[0], meta[0], labels[point] + ": partial transaction");
                    assertEquals(agg[1], meta[1], labels[point] + ": partial transaction");
                    long present = Rel.one(v, "SELECT count(*) FROM t WHERE id = " + next);
                    assertEquals(applied, present, labels[point] + ": versions vs rows");
                    if (present == 1) {
                        assertEquals(CrashWorkload.payload(next).length(), Rel.one(v, "SELECT length(payload) FROM t WHERE id = " + next));
                        assertEquals(CrashWorkload.payload(next), Rel.text(v, "SELECT payload FROM t WHERE id = " + next));
                    }
                    if (point < 3) {
                        assertEquals(0, applied, labels[point] + ": nothing may be published");
                    } else {
                        assertEquals(1, applied, labels[point] + ": the publishing commit was forwarded");
                    }
                    results.put(labels[point], applied == 1 ? "whole 36 MiB transaction present" : "nothing visible");
                } finally {
                    v.rollback();
                    v.setAutoCommit(true);
                }
            }
        }
        results.forEach((k, r) -> Rel.figure("crash sweep: client JVM kill -9 during a staged (36 MiB) commit", k, r));
    }

    /** workerd is killed and restarted after the stage upload, before the publishing commit: the commit still publishes it all. */
    @Test
    void aStageSurvivesAWorkerdRestartBeforeItsPublishingCommit() throws Exception {
        String db = TestPageServer.freshName("stage-restart");
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED);
             Connection c = TestPageServer.connect(proxy.jdbc("w", db), "readTimeout", "60")) {
            Rel.exec(c, CrashWorkload.SCHEMA);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            proxy.rule(Rule.nth(Rule.endpoint("commit"), 1, Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, () -> {
                try {
                    server.kill9Workerd();
                    server.restart();
                } catch (Throwable e) {
                    failed.set(e);
                }
            })));
            long id = CrashWorkload.BIG_BASE;
            c.setAutoCommit(false);
            try {
                CrashWorkload.transaction(c, id);
            } finally {
                proxy.pass();
                c.setAutoCommit(true);
            }
            if (failed.get() != null) {
                throw new AssertionError(failed.get());
            }
            assertEquals(1, server.restarts());
            try (Connection v = TestPageServer.connect(server.jdbc(db))) {
                assertEquals(CrashWorkload.payload(id), Rel.text(v, "SELECT payload FROM t WHERE id = " + id));
                assertEquals("ok", Rel.integrity(v));
            }
            Rel.figure("crash sweep: client JVM kill -9 during a staged (36 MiB) commit", "workerd killed and restarted between the stage"
                    + " upload and the publishing commit", "committed, whole transaction present");
        }
    }

    // ---------------------------------------------------------------- workerd killed

    @Test
    void killingWorkerdAtAnyPointLosesNoAcknowledgedTransactionAndClientsRecover() throws Exception {
        int points = Rel.n("serverCrashPoints", 6, 200);
        Random rnd = new Random(Rel.SEED + 1);
        String db = TestPageServer.freshName("crash-srv");
        Map<String, Integer> byMode = new TreeMap<>();
        Map<String, Integer> errors = new TreeMap<>();
        long[] acked = {0};
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            Connection v = TestPageServer.connect(server.jdbc(db), "readTimeout", "10");
            Rel.exec(v, CrashWorkload.SCHEMA);
            Ledger ledger = new Ledger();
            // two client handles: direct (pooled keep-alive connections to workerd) and via the proxy (hooks)
            Workload direct = new Workload(server.jdbc(db));
            Workload proxied = new Workload(proxy.jdbc("w", db));
            long started = System.nanoTime();
            for (int point = 0; point < points; point++) {
                int mode = point % 4;
                AtomicBoolean restarted = new AtomicBoolean();
                AtomicReference<Throwable> killerFailed = new AtomicReference<>();
                Runnable killAndRestart = () -> {
                    try {
                        server.kill9Workerd();
                        Thread.sleep(rnd.nextInt(300));
                        server.restart();
                        restarted.set(true);
                    } catch (Throwable e) {
                        killerFailed.set(e);
                        restarted.set(true);
                    }
                };
                Workload w;
                String label;
                if (mode == 0) {
                    label = "random time";
                    w = direct;
                    proxy.pass();
                    long delay = 50 + rnd.nextInt(400);
                    Thread killer = new Thread(() -> {
                        Rel.sleepQuietly(delay);
                        killAndRestart.run();
                    });
                    killer.start();
                } else {
                    w = proxied;
                    int k = 1 + rnd.nextInt(3);
                    Runnable async = () -> new Thread(killAndRestart).start();
                    Action a;
                    if (mode == 1) {
                        label = "before commit reaches server";
                        a = Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, () -> {
                            server.kill9Workerd();
                            new Thread(() -> {
                                try {
                                    server.restart();
                                } catch (Throwable e) {
                                    killerFailed.set(e);
                                }
                                restarted.set(true);
                            }).start();
                        });
                    } else if (mode == 2) {
                        label = "while the server applies the commit";
                        long micros = rnd.nextInt(3000);
                        a = Action.of(Fault.PASS).hook(Phase.BEFORE_FORWARD, () -> new Thread(() -> {
                            Rel.sleepQuietly(micros / 1000);
                            killAndRestart.run();
                        }).start());
                    } else {
                        label = "after server applied, before ack";
                        a = Action.of(Fault.DROP_AFTER).hook(Phase.AFTER_UPSTREAM, async);
                    }
                    proxy.rule(Rule.nth(Rule.endpoint("commit"), k, a));
                }
                w.resync();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                long ackAtRestart = -1;
                while (true) {
                    if (restarted.get() && ackAtRestart < 0) {
                        ackAtRestart = w.acks;
                    }
                    if (ackAtRestart >= 0 && w.acks >= ackAtRestart + 2) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        fail("point " + point + " (" + label + "): the client did not recover within 120 s after the"
                                + " restart; last error: " + w.lastError + "\nproxy log:\n" + proxy.recentLog()
                                + "\nserver output:\n" + server.output());
                    }
                    w.step(errors);
                }
                proxy.pass();
                if (killerFailed.get() != null) {
                    throw new AssertionError("killing/restarting workerd failed", killerFailed.get());
                }
                // settle: the in-flight txn is resolved by the workload's own next transaction
                ledger.verify(v, Math.max(direct.lastAck, proxied.lastAck), Math.max(direct.attempting, proxied.attempting),
                        "workerd kill point " + point + " (" + label + ")");
                byMode.merge(label, 1, Integer::sum);
            }
            acked[0] = direct.acks + proxied.acks;
            Rel.closeQuietly(v);
            direct.close();
            proxied.close();
            String t = "crash sweep: workerd kill -9 and restart";
            Rel.figure(t, "kill points", points);
            Rel.figure(t, "kill points by kind", byMode);
            Rel.figure(t, "workerd restarts", server.restarts());
            Rel.figure(t, "acknowledged transactions", acked[0]);
            Rel.figure(t, "errors the workload saw while the server was down (by SQLState)", errors);
            direct.samples.forEach((k, m) -> Rel.figure(t, "sample error " + k + " (direct client)", m));
            proxied.samples.forEach((k, m) -> Rel.figure(t, "sample error " + k + " (client via proxy)", m));
            Rel.figure(t, "seconds per kill point (kill, restart, recover, verify)", String.format("%.1f", (System.nanoTime() - started) / 1e9 / points));
            Rel.figure(t, "failed transactions found applied / not applied afterwards",
                    (direct.failedApplied + proxied.failedApplied) + " / " + (direct.failedNotApplied + proxied.failedNotApplied));
            Rel.figure(t, "violations (integrity, lost ack, partial, beyond in-flight)", 0);
            assertEquals(points, server.restarts());
        }
    }

    /** The crash workload in this JVM: survives server restarts by retrying, re-deriving its next id. */
    static final class Workload implements AutoCloseable {
        final String url;
        Connection c;
        long next = -1;
        long lastAck;
        long attempting;
        long acks;
        int consecutiveErrors;
        String lastError;
        final Map<String, String> samples = new TreeMap<>();
        long failedId = -1;
        long failedApplied;
        long failedNotApplied;

        Workload(String url) {
            this.url = url;
        }

        void resync() {
            next = -1;
        }

        void step(Map<String, Integer> errors) {
            try {
                if (c == null) {
                    c = TestPageServer.connect(url, "readTimeout", "10");
                    c.setAutoCommit(false);
                }
                if (next < 0) {
                    next = Rel.one(c, "SELECT coalesce(max(id), 0) FROM t") + 1;
                    c.rollback();
                    long max = next - 1;
                    if (max < lastAck) {
                        throw new AssertionError("acknowledged transaction " + lastAck + " is gone (max " + max + ")");
                    }
                    if (failedId > 0) {
                        if (max == failedId) {
                            failedApplied++;
                        } else if (max == failedId - 1) {
                            failedNotApplied++;
                        } else {
                            throw new AssertionError("transaction " + failedId + " failed, yet the database ends at " + max);
                        }
                        failedId = -1;
                    }
                    lastAck = Math.max(lastAck, next - 1);
                    attempting = Math.max(attempting, next - 1);
                }
                attempting = Math.max(attempting, next);
                CrashWorkload.transaction(c, next);
                lastAck = next;
                next++;
                acks++;
                consecutiveErrors = 0;
            } catch (SQLException e) {
                lastError = Rel.describe(e);
                errors.merge(String.valueOf(e.getSQLState()), 1, Integer::sum);
                samples.putIfAbsent(String.valueOf(e.getSQLState()), lastError);
                if (e.getSQLState() == null) {
                    throw new AssertionError("an error without SQLState: " + lastError, e);
                }
                if (c != null) {
                    Rel.rollbackQuietly(c);
                }
                if (next > 0 && failedId < 0) {
                    failedId = next;
                }
                next = -1;
                if (++consecutiveErrors % 20 == 0 && c != null) {
                    Rel.closeQuietly(c); // a new connection must work too
                    c = null;
                }
                Rel.sleepQuietly(100);
            }
        }

        @Override
        public void close() {
            Rel.closeQuietly(c);
        }
    }
}
