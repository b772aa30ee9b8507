package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.FaultProxy;
import io.dosqlite.testsupport.proxy.Rule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Bank invariant (invariants 1, 2, 4, 7): writer threads in two JVMs transfer money at random with
 * retry on 40001 while readers sum all balances. Every read sees the right total; at the end the
 * balances equal what the acknowledged transfers say, and the transfers table holds exactly them.
 */
class BankInvariantTest {

    @Test
    void totalIsAlwaysRightAndFinalStateMatchesAcknowledgedTransfers() throws Exception {
        bank(false);
    }

    /**
     * The same with every writer (both JVMs) going through the fault proxy, 3% of requests failing
     * (lost acks, resets, 500 after apply, cut or damaged answers). A transfer whose commit failed
     * with another SQLState than 40001 has an unknown outcome: it may be there or not, but never half.
     */
    @Test
    void bankInvariantHoldsUnderNetworkFaults() throws Exception {
        bank(true, false);
    }

    /**
     * The same while workerd is killed with SIGKILL and restarted every 2-4 s under the 8 writers
     * and the readers (who may see clean connection errors while it is down, never a wrong total).
     */
    @Test
    void bankInvariantHoldsWhileWorkerdIsKilledAndRestarted() throws Exception {
        bank(false, true);
    }

    /**
     * The bank with pipelined commits (issue 17): every writer in both JVMs runs its transfers as
     * transactions that begin by writing, so each JVM's commits travel one behind another, and
     * commits of the two JVMs on disjoint pages pass the page-level check. Same verdicts.
     */
    @Test
    void bankInvariantHoldsWithPipelinedCommitsFromTwoJvms() throws Exception {
        bank(false, false, true);
    }

    /**
     * Pipelined, with 10% of the writers' commit answers lost after the server applied them (and
     * connections reset before or after), so acknowledgements go missing inside chains: every
     * transfer is still applied exactly once or reported with an unknown outcome, never half.
     */
    @Test
    void bankInvariantHoldsWithPipelinedCommitsAndLostAcknowledgements() throws Exception {
        bank(true, false, true);
    }

    private static void bank(boolean faults) throws Exception {
        bank(faults, false);
    }

    private static void bank(boolean faults, boolean crashes) throws Exception {
        bank(faults, crashes, false);
    }

    private static void bank(boolean faults, boolean crashes, boolean pipelined) throws Exception {
        // pipelining is opt-in (RemoteConfig.DEFAULT_PIPELINE_DEPTH)
        String depth = pipelined ? "?pipelineDepth=32" : "";
        int accounts = 20;
        int localWriters = Rel.n("bankLocalWriters", 4, 4);
        int remoteWriters = Rel.n("bankRemoteWriters", 4, 4);
        int seconds = (faults || crashes) && !pipelined ? Rel.n("bankFaultSeconds", 8, 20) : Rel.n("bankSeconds", 12, 40);
        boolean tolerant = faults || crashes;
        long total = accounts * BankClient.INITIAL;
        String db = TestPageServer.freshName("bank");
        try (TestPageServer server = TestPageServer.start();
             FaultProxy proxy = new FaultProxy(server.port(), Rel.SEED)) {
            try (Connection c = TestPageServer.connect(server.jdbc(db) + depth)) {
                Rel.exec(c, BankClient.SCHEMA);
                c.setAutoCommit(false);
                for (int i = 1; i <= accounts; i++) {
                    Rel.exec(c, "INSERT INTO account VALUES (" + i + ", " + BankClient.INITIAL + ")");
                }
                c.commit();
            }
            Map<String, long[]> acked = new ConcurrentHashMap<>();
            Map<String, long[]> unknown = new ConcurrentHashMap<>();
            List<String> failures = new ArrayList<>();
            // workerd is killed only once every writer and reader holds its connection: a connection
            // opened while workerd is down fails (08006) as it would for any application, and the
            // test's verdict must not depend on whether a JVM started before or after the first kill
            CountDownLatch connected = new CountDownLatch(localWriters + remoteWriters + 2);
            java.util.function.Consumer<String> sink = line -> {
                String[] f = line.split(" ");
                if (f[0].equals("CONNECTED")) {
                    connected.countDown();
                } else if (f[0].equals("ACK")) {
                    acked.put(f[1], new long[] {Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])});
                } else if (f[0].equals("UNKNOWN")) {
                    unknown.put(f[1], new long[] {Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])});
                    String state = f.length > 5 ? f[5] : "?";
                    if (!tolerant || !IoErrorSweepTest.CLEAN.contains(state)) {
                        synchronized (failures) {
                            failures.add(line);
                        }
                    }
                } else if (f[0].equals("FAIL")) {
                    synchronized (failures) {
                        failures.add(line);
                    }
                }
            };
            String writerUrl = faults ? proxy.jdbc("writers", db) + depth : server.jdbc(db) + depth;
            if (faults) {
                Fault[] kinds = {Fault.DROP_AFTER, Fault.RESET_BEFORE, Fault.ERROR_500_AFTER,
                    Fault.TRUNCATE, Fault.BITFLIP, Fault.RESET_AFTER};
                proxy.rule(pipelined
                        ? Rule.random(r -> r.prefix().equals("writers") && r.is("commit"), 0.10, Rel.SEED,
                                Fault.DROP_AFTER, Fault.RESET_BEFORE, Fault.RESET_AFTER)
                        : Rule.random(r -> r.prefix().equals("writers"), 0.03, Rel.SEED, kinds));
            }
            // the second JVM
            Process child = Rel.startJvm(BankClient.class, writerUrl, TestPageServer.TOKEN, "jvm2", "" + remoteWriters,
                    "" + seconds, "" + accounts, pipelined ? "pipelined" : "plain");
            StringBuilder childDone = new StringBuilder();
            Thread childOut = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("DONE")) {
                            childDone.append(line);
                        } else {
                            sink.accept(line);
                        }
                    }
                } catch (Exception ignored) {
                    // ended
                }
            });
            childOut.start();
            // readers: one shares this JVM's client with the local writers, one is a separate client
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicLong wrong = new AtomicLong();
            AtomicLong readerErrors = new AtomicLong();
            AtomicLong readerBusy = new AtomicLong();
            List<String> wrongReads = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (String url : new String[] {server.jdbc(db) + depth, proxy.jdbc("reader", db) + depth}) {
                Thread r = new Thread(() -> {
                    try (Connection c = TestPageServer.connect(url)) {
                        connected.countDown();
                        while (!stop.get()) {
                            long sum;
                            try {
                                sum = Rel.one(c, "SELECT sum(bal) FROM account");
                            } catch (SQLException e) {
                                if ("40001".equals(e.getSQLState())) {
                                    readerBusy.incrementAndGet(); // waited longer than busyTimeout for this JVM's writers: retry
                                    continue;
                                }
                                if (!crashes || !IoErrorSweepTest.CLEAN.contains(e.getSQLState())) {
                                    synchronized (failures) {
                                        failures.add("reader: " + Rel.describe(e));
                                    }
                                }
                                readerErrors.incrementAndGet();
                                Rel.sleepQuietly(50);
                                continue;
                            }
                            reads.incrementAndGet();
                            if (sum != total) {
                                wrong.incrementAndGet();
                                synchronized (wrongReads) {
                                    wrongReads.add(String.valueOf(sum));
                                }
                            }
                        }
                    } catch (SQLException e) {
                        connected.countDown();
                        synchronized (failures) {
                            failures.add("reader connection: " + Rel.describe(e));
                        }
                    }
                });
                readers.add(r);
                r.start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
            AtomicReference<Throwable> killerFailed = new AtomicReference<>();
            Thread killer = null;
            if (crashes) {
                killer = new Thread(() -> {
                    java.util.Random rnd = new java.util.Random(Rel.SEED);
                    try {
                        if (!connected.await(120, TimeUnit.SECONDS)) {
                            throw new AssertionError(connected.getCount() + " writer(s)/reader(s) did not connect within 120 s");
                        }
                        while (System.nanoTime() < deadline - TimeUnit.SECONDS.toNanos(3)) {
                            Thread.sleep(2000 + rnd.nextInt(2000));
                            server.kill9Workerd();
                            kills.incrementAndGet();
                            Thread.sleep(rnd.nextInt(300));
                            server.restart();
                        }
                    } catch (Throwable e) {
                        killerFailed.set(e);
                    }
                });
                killer.start();
            }
            BankClient.Counters local = BankClient.run(writerUrl, TestPageServer.properties(), "jvm1", localWriters, deadline,
                    accounts, pipelined, sink);
            if (killer != null) {
                killer.join(60_000);
                if (killerFailed.get() != null) {
                    throw new AssertionError("killing/restarting workerd failed", killerFailed.get());
                }
            }
            assertTrue(child.waitFor(seconds + 120L, TimeUnit.SECONDS), "second JVM did not finish");
            childOut.join(10_000);
            stop.set(true);
            for (Thread r : readers) {
                r.join(30_000);
            }
            String err = Rel.stderrOf(child);
            int injected = proxy.appliedTotal();
            proxy.pass();
            assertEquals(0, child.exitValue(), "second JVM failed: " + err);
            // final state
            Map<String, long[]> stored = new HashMap<>();
            long[] balances = new long[accounts + 1];
            try (Connection c = TestPageServer.connect(proxy.jdbc("final", db) + depth)) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT id, src, dst, amount FROM transfers");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        stored.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4)});
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT id, bal FROM account");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        balances[rs.getInt(1)] = rs.getLong(2);
                    }
                }
                assertEquals("ok", Rel.integrity(c));
                c.rollback();
            }
            long[] expected = new long[accounts + 1];
            java.util.Arrays.fill(expected, BankClient.INITIAL);
            expected[0] = 0;
            for (long[] t : stored.values()) {
                expected[(int) t[0]] -= t[2];
                expected[(int) t[1]] += t[2];
            }
            long missing = acked.keySet().stream().filter(k -> !stored.containsKey(k)).count();
            long extra = stored.keySet().stream().filter(k -> !acked.containsKey(k) && !unknown.containsKey(k)).count();
            long unknownPresent = unknown.keySet().stream().filter(stored::containsKey).count();
            String t = pipelined ? (faults ? "bank invariant, pipelined commits, 10% of commit answers lost or reset"
                    : "bank invariant, pipelined commits") : faults ? "bank invariant under network faults (3% of writer requests)"
                    : crashes ? "bank invariant while workerd is killed (-9) and restarted every 2-4 s" : "bank invariant";
            if (crashes) {
                Rel.figure(t, "workerd kills", kills.get());
                Rel.figure(t, "reader errors while it was down (clean SQLStates)", readerErrors.get());
                Rel.figure(t, "transfers with unknown outcome found applied / not applied", unknownPresent + " / " + (unknown.size() - unknownPresent));
            }
            if (faults) {
                Rel.figure(t, "faults injected", injected);
                Rel.figure(t, "transfers with unknown outcome found applied / not applied", unknownPresent + " / " + (unknown.size() - unknownPresent));
            }
            Rel.figure(t, "writer threads / JVMs", (localWriters + remoteWriters) + " / 2");
            Rel.figure(t, "seconds", seconds);
            Rel.figure(t, "acknowledged transfers", acked.size());
            String[] done = childDone.toString().split(" ");
            Rel.figure(t, "retries after 40001", local.conflicts.get() + " (JVM 1) + " + (done.length > 2 ? done[2] : "?") + " (JVM 2)");
            Rel.figure(t, "reads of the total", reads.get());
            Rel.figure(t, "reads with a wrong total", wrong.get());
            Rel.figure(t, "reads refused with 40001 (busy: waited past busyTimeout for this JVM's writers) and retried", readerBusy.get());
            Rel.figure(t, "acknowledged transfers missing", missing);
            Rel.figure(t, "transfers present but never acknowledged", extra);
            Rel.figure(t, "transfers with unknown outcome (a clean error other than 40001)", unknown.size());
            assertTrue(failures.isEmpty(), "failures: " + failures.subList(0, Math.min(20, failures.size())));
            assertEquals(0, wrong.get(), "wrong totals: " + wrongReads.subList(0, Math.min(20, wrongReads.size())));
            assertTrue(reads.get() > 0);
            assertTrue(acked.size() > 0, "no transfer acknowledged");
            assertEquals(0, missing, "acknowledged transfers lost");
            assertEquals(0, extra, "transfers applied that were never acknowledged");
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(balances),
                    "balances vs the transfers table: a partial transaction");
            assertTrue(acked.keySet().stream().anyMatch(k -> k.startsWith("jvm2-")), "the second JVM acknowledged nothing");
        }
    }
}
