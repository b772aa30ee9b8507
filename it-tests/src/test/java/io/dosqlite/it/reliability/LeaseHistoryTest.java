package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Histories through read leases: several JVMs ({@link HistoryClient}) read and write a register,
 * or run the bank workload, each on one connection holding a lease; {@link History} checks the
 * merged history. Default mode: linearizable. Session mode: read-your-writes and monotonic reads
 * (and it may be stale across JVMs: the count of such reads is a figure, not a failure).
 */
class LeaseHistoryTest {
    static final int JVMS = 3;
    static final int ACCOUNTS = 8;

    @RegisterExtension
    static final TestPageServer server = new TestPageServer("--lease-ms", "2000");

    /** The last run's operations as the clients printed them (with what each cost), to read a violation by. */
    private static volatile List<String> lastRaw = List.of();

    private static void printIfViolated(List<String> violations) {
        if (!violations.isEmpty()) {
            List<String> lines = new ArrayList<>(lastRaw);
            lines.sort(java.util.Comparator.comparingLong(l -> Long.parseLong(l.split(" ")[4])));
            System.out.println("history with " + violations.size() + " violation(s), by invocation time:");
            lines.forEach(System.out::println);
        }
    }

    @Test
    void registerHistoryThroughLeasesIsLinearizable() throws Exception {
        List<History.Op> h = run(register(), "register", "linearizable", Rel.n("historyOps", 120, 500));
        List<String> v = History.linearizabilityViolations(h);
        printIfViolated(v);
        Rel.figure("lease history", "register, linearizable: JVMs, operations, writes, violations",
                JVMS + ", " + h.size() + ", " + h.stream().filter(History.Op::write).count() + ", " + v.size());
        assertEquals(List.of(), v.subList(0, Math.min(5, v.size())));
    }

    @Test
    void bankHistoryThroughLeasesIsLinearizable() throws Exception {
        List<History.Op> h = run(bank(), "bank", "linearizable", Rel.n("historyOps", 120, 500));
        List<String> v = History.linearizabilityViolations(h);
        printIfViolated(v);
        Rel.figure("lease history", "bank, linearizable: JVMs, operations, transfers, violations",
                JVMS + ", " + h.size() + ", " + h.stream().filter(History.Op::write).count() + ", " + v.size());
        assertEquals(List.of(), v.subList(0, Math.min(5, v.size())));
    }

    @Test
    void sessionModeReadsItsOwnWritesAndNeverGoesBack() throws Exception {
        List<History.Op> h = run(register(), "register", "session", Rel.n("historyOps", 120, 500));
        List<String> v = History.sessionViolations(h);
        Rel.figure("lease history", "register, session: JVMs, operations, session violations, reads stale across JVMs (allowed)",
                JVMS + ", " + h.size() + ", " + v.size() + ", " + History.linearizabilityViolations(h).size());
        assertEquals(List.of(), v.subList(0, Math.min(5, v.size())));
    }

    @Test
    void sessionModeBankKeepsItsInvariantsPerJvm() throws Exception {
        List<History.Op> h = run(bank(), "bank", "session", Rel.n("historyOps", 120, 500));
        List<String> v = History.sessionViolations(h);
        Rel.figure("lease history", "bank, session: JVMs, operations, session violations", JVMS + ", " + h.size() + ", " + v.size());
        assertEquals(List.of(), v.subList(0, Math.min(5, v.size())));
    }

    private static String register() throws SQLException {
        String db = TestPageServer.freshName("hreg");
        try (Connection c = TestPageServer.connect(server.jdbc(db))) {
            Rel.exec(c, "CREATE TABLE reg(id INTEGER PRIMARY KEY, v INTEGER NOT NULL)", "INSERT INTO reg VALUES (1, 0)");
        }
        return db;
    }

    private static String bank() throws SQLException {
        String db = TestPageServer.freshName("hbank");
        try (Connection c = TestPageServer.connect(server.jdbc(db)); Statement s = c.createStatement()) {
            Rel.exec(c, BankClient.SCHEMA);
            for (int i = 1; i <= ACCOUNTS; i++) {
                s.execute("INSERT INTO account VALUES (" + i + ", " + BankClient.INITIAL + ")");
            }
        }
        return db;
    }

    /** Runs JVMS clients together; their merged history (fails on any client error or bad audit). */
    private static List<History.Op> run(String db, String workload, String consistency, int ops) throws Exception {
        List<Process> ps = new ArrayList<>();
        List<History.Op> history = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<String> raw = Collections.synchronizedList(new ArrayList<>());
        lastRaw = raw;
        List<Thread> readers = new ArrayList<>();
        try {
            for (int i = 0; i < JVMS; i++) {
                ps.add(Rel.startJvm(HistoryClient.class, server.jdbc(db), TestPageServer.TOKEN, workload,
                        Integer.toString(ops), consistency, Long.toString(Rel.SEED + i), Integer.toString(ACCOUNTS)));
            }
            List<BufferedReader> ins = new ArrayList<>();
            for (Process p : ps) {
                BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("READY", in.readLine(), () -> "client did not start: " + Rel.stderrOf(p));
                ins.add(in);
            }
            for (int i = 0; i < ps.size(); i++) {
                new PrintWriter(ps.get(i).getOutputStream(), true, StandardCharsets.UTF_8).println("go");
                String client = "jvm" + i;
                BufferedReader in = ins.get(i);
                Process p = ps.get(i);
                Thread t = new Thread(() -> {
                    try {
                        boolean done = false;
                        for (String line; (line = in.readLine()) != null; ) {
                            if (line.startsWith("OP ")) {
                                history.add(History.parse(client, line));
                                raw.add(client + " " + line);
                            } else if (line.equals("DONE")) {
                                done = true;
                            } else {
                                problems.add(client + ": " + line);
                            }
                        }
                        if (!done) {
                            problems.add(client + " failed: " + Rel.stderrOf(p));
                        }
                    } catch (Exception e) {
                        problems.add(client + ": " + e);
                    }
                }, "history-" + client);
                t.start();
                readers.add(t);
            }
            for (Thread t : readers) {
                t.join(TimeUnit.MINUTES.toMillis(10));
            }
        } finally {
            for (Process p : ps) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(history.size() == (long) JVMS * ops, "history has " + history.size() + " operations");
        return new ArrayList<>(history);
    }
}
