package io.dosqlite.bench;

import io.dosqlite.bench.Db.Stmt;
import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.proxy.LatencyProxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The benchmark: local sqlite-jdbc (ceiling), dosqlite over a local page server, D1-style statement
 * shipping and PostgreSQL, the remote ones behind a latency proxy, at several RTTs. Writes
 * docs/benchmarks.md, docs/img/*.png and bench/results/results.csv. See bench/run.sh.
 *
 * <p>Options: {@code --quick} (small sizes, short budget, for development), {@code --rtts 0,5,20,50},
 * {@code --budget SECONDS} (time per measurement), {@code --systems local,dosqlite,ship,pg},
 * {@code --workloads bulk,select_txn,...} (only these),
 * {@code --repo DIR}, {@code --out DIR} (where benchmarks.md and img/ go; default REPO/docs).
 */
public final class Main {

    /** One system: its client, the proxy in front of its server (null for the local file). */
    record Sys(String id, String label, Db db, LatencyProxy proxy, Function<String, Db> fresh) {
    }

    /** One measurement: totals over {@code ops} operations. */
    record Result(String workload, String system, int rtt, int ops, double seconds, double requests,
                  double turns, double bytesUp, double bytesDown, double wastedReadAhead) {
        double opsPerSec() {
            return ops / seconds;
        }

        double per(double v) {
            return v / ops;
        }
    }

    /** A workload: setup (untimed), per-op preparation (untimed), the timed op, teardown. */
    abstract static class Workload {
        final String id;
        final String title;
        final int maxOps;
        final int minOps;

        Workload(String id, String title, int maxOps, int minOps) {
            this.id = id;
            this.title = title;
            this.maxOps = maxOps;
            this.minOps = minOps;
        }

        Db setup(Sys s) {
            return s.db();
        }

        void before(Db db, int i) {
        }

        abstract void op(Db db, int i);

        void teardown(Db db) {
        }

        boolean appliesTo(Sys s) {
            return true;
        }

        /** The database the timed operations run on (for the billed units its server counts). */
        String database() {
            return "bench";
        }
    }

    static final String[] SYSTEMS = {"local", "dosqlite", "dosqlite_check", "ship", "pg"}; // and "dosqlite-raw" when asked for

    private final Workloads.Sizes sizes;
    private final double budgetSeconds;
    private final int[] rtts;
    private final List<Result> results = new ArrayList<>();
    private final BilledUnits billed = new BilledUnits();
    private int seq;
    /** dosqlite straight to the page server, no proxy: what the RTT-0 ratio rounds measure. */
    private Sys dosqliteDirect;

    Main(Workloads.Sizes sizes, double budgetSeconds, int[] rtts) {
        this.sizes = sizes;
        this.budgetSeconds = budgetSeconds;
        this.rtts = rtts;
    }

    /**
     * Up to 3 runs (as many as fit the time budget, at least 1), each into a new table created
     * untimed, in a fresh database; {@code urlSuffix} non-empty: dosqlite only, with that query.
     */
    private Workload bulk(String id, String title, List<Object[]> rows, String urlSuffix) {
        return new Workload(id, title, 3, 1) {
            String table;
            int n;

            @Override
            boolean appliesTo(Sys s) {
                return urlSuffix.isEmpty() || s.id().equals("dosqlite");
            }

            @Override
            Db setup(Sys s) {
                n = ++seq;
                return s.fresh().apply(id + n + urlSuffix);
            }

            @Override
            String database() {
                return id + n;
            }

            @Override
            void before(Db db, int i) {
                table = "bulk_" + n + "_" + i;
                db.exec("CREATE TABLE " + table + "(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v VARCHAR(120) NOT NULL)");
            }

            @Override
            void op(Db db, int i) {
                db.bulk("INSERT INTO " + table + "(id, k, v) VALUES (?, ?, ?)", rows);
            }

            @Override
            void teardown(Db db) {
                db.close();
            }
        };
    }

    /**
     * Autocommit 1-row INSERTs into a table of their own, on a connection of their own. {@code noWait}:
     * only dosqlite with synchronousCommit=false and PostgreSQL with synchronous_commit=off; the
     * commits still queued when the run ends are waited for by close(), untimed (at most
     * maxUnacknowledgedCommits, about one round trip).
     */
    private Workload insertLoop(String id, String title, boolean noWait) {
        return new Workload(id, title, 20_000, 20) {
            String table;
            long next;

            @Override
            boolean appliesTo(Sys s) {
                return !noWait || s.id().equals("dosqlite") || s.id().equals("pg");
            }

            @Override
            Db setup(Sys s) {
                table = "ins_" + ++seq;
                next = 1;
                Db db = s.fresh().apply(noWait && s.id().equals("dosqlite") ? "bench?synchronousCommit=false" : "bench");
                if (noWait && s.id().equals("pg")) {
                    db.exec("SET synchronous_commit = off");
                }
                db.exec("CREATE TABLE " + table + "(id INTEGER PRIMARY KEY, v VARCHAR(120) NOT NULL)");
                return db;
            }

            @Override
            void op(Db db, int i) {
                db.exec("INSERT INTO " + table + "(id, v) VALUES (?, ?)", next++, Workloads.FILLER);
            }

            @Override
            void teardown(Db db) {
                db.close();
            }
        };
    }

    List<Workload> workloads() {
        List<Object[]> bulkRows = Workloads.itemRows(sizes.bulkRows(), 7);
        List<Workload> w = new ArrayList<>();
        w.add(bulk("bulk", "Bulk insert of " + sizes.bulkRows() + " rows in one transaction", bulkRows, ""));
        // dosqlite's opt-in for bulk loads: pages go to an invisible stage while the transaction runs
        w.add(bulk("bulk_strict", "Bulk insert as above, dosqlite with earlyUpload=false (nothing leaves the JVM before COMMIT)",
                bulkRows, "?earlyUpload=false"));
        w.add(new Workload("select_txn", "Point select by primary key, all in one read transaction (warm cache)", 200_000, 10) {
            final Random r = new Random(11);

            @Override
            Db setup(Sys s) {
                s.db().beginRead();
                return s.db();
            }

            @Override
            void op(Db db, int i) {
                db.query("SELECT abalance FROM accounts WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
            }

            @Override
            void teardown(Db db) {
                db.endRead();
            }
        });
        w.add(new Workload("select_auto", "Point select by primary key, one transaction each (autocommit, warm cache)", 200_000, 10) {
            final Random r = new Random(12);

            @Override
            void op(Db db, int i) {
                db.exec("SELECT abalance FROM accounts WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
            }
        });
        w.add(insertLoop("insert_auto", "Single-row INSERT, autocommit, in a loop (each statement waits for its commit)", false));
        w.add(insertLoop("insert_nowait", "Single-row INSERT, autocommit, in a loop, not waiting for commits: dosqlite"
                + " synchronousCommit=false, PostgreSQL synchronous_commit=off", true));
        w.add(new Workload("update_auto", "Single-row UPDATE by primary key, autocommit (warm cache)", 20_000, 5) {
            final Random r = new Random(17);

            @Override
            void op(Db db, int i) {
                db.exec("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", r.nextInt(100), 1 + r.nextInt(sizes.accounts()));
            }
        });
        w.add(new Workload("tpcb", "TPC-B-like transfer (5 statements, one transaction; warm cache)", 20_000, 5) {
            final Random r = new Random(13);

            @Override
            void op(Db db, int i) {
                List<Stmt> t = Workloads.transfer(r, sizes);
                db.txn(t);
            }
        });
        w.add(new Workload("tpcb_stmt", "TPC-B-like transfer sent one statement per request (statement shipping only: interactive, not atomic)", 20_000, 5) {
            final Random r = new Random(13);

            @Override
            boolean appliesTo(Sys s) {
                return s.id().equals("ship");
            }

            @Override
            void op(Db db, int i) {
                for (Stmt st : Workloads.transfer(r, sizes)) {
                    db.exec(st.sql(), st.params());
                }
            }
        });
        w.add(new Workload("mix", "speedtest1-like mix on a fresh " + sizes.mixRows() + "-row table (~"
                + (sizes.mixRows() + 388) + " statements; one op = the whole mix)", 3, 1) {
            @Override
            void op(Db db, int i) {
                Workloads.mix(db, sizes.mixRows(), "st_" + (++seq), 100 + i);
            }
        });
        w.add(new Workload("open", "Open a connection (a new client: empty cache)", 10, 3) {
            @Override
            void op(Db db, int i) {
                db.reopen();
            }
        });
        w.add(new Workload("lookup_pk", "Cold point lookup by primary key (first query after open)", 10, 3) {
            final Random r = new Random(14);

            @Override
            void before(Db db, int i) {
                db.reopen();
            }

            @Override
            void op(Db db, int i) {
                db.query("SELECT v FROM items WHERE id = ?", 1 + r.nextInt(sizes.items()));
            }
        });
        w.add(new Workload("lookup_idx", "Cold point lookup through a secondary index (first query after open)", 10, 3) {
            final Random r = new Random(15);

            @Override
            void before(Db db, int i) {
                db.reopen();
            }

            @Override
            void op(Db db, int i) {
                int x = 1 + r.nextInt(sizes.items());
                db.query("SELECT id, v FROM items WHERE k BETWEEN ? AND ?", x * 10, x * 10 + 9);
            }
        });
        w.add(new Workload("scan_range", "Cold indexed range scan: " + sizes.rangeRows() + " rows through a secondary index", 10, 3) {
            final Random r = new Random(16);

            @Override
            void before(Db db, int i) {
                db.reopen();
            }

            @Override
            void op(Db db, int i) {
                int lo = 10 * (1 + r.nextInt(sizes.items() - sizes.rangeRows()));
                db.query("SELECT count(*), sum(length(v)) FROM items WHERE k >= ? AND k < ?", lo, lo + 10 * sizes.rangeRows());
            }
        });
        w.add(new Workload("scan_full", "Cold full-table scan of " + sizes.items() + " rows (~100 bytes each)", 5, 2) {
            @Override
            void before(Db db, int i) {
                db.reopen();
            }

            @Override
            void op(Db db, int i) {
                db.query("SELECT count(*), sum(length(v)) FROM items");
            }
        });
        return w;
    }

    Result measure(Sys s, int rtt, Workload w) {
        Result res = run(s, rtt, w);
        results.add(res);
        return res;
    }

    /** One measurement, not added to the report's tables. */
    Result run(Sys s, int rtt, Workload w) {
        Progress.note(String.format(Locale.ROOT, "%-8s rtt %2s ms  %-11s ...", s.id(), s.proxy() == null ? "-" : rtt, w.id));
        Db db = w.setup(s);
        if (w.maxOps >= 20_000) {
            // repeatable in-memory workloads: let the JIT compile the client's path first (untimed),
            // so the table compares systems, not warm-up (the local file's path is the shortest)
            long until = System.nanoTime() + 500_000_000L;
            for (int k = 0; k < w.maxOps / 5 && System.nanoTime() < until; k++) {
                w.op(db, k);
            }
        }
        int ops = 0;
        long nanos = 0;
        long req = 0;
        long wasted = 0;
        long[] net = new long[4];
        long wallStart = System.nanoTime();
        long lastNote = wallStart;
        long budget = (long) (budgetSeconds * 1e9);
        java.util.function.Supplier<Cost.Units> meter = billed.meter(s.id(), w.database());
        Cost.Units billedBefore = meter == null ? null : meter.get();
        while (ops < w.maxOps && (ops < w.minOps || System.nanoTime() - wallStart < budget)) {
            w.before(db, ops);
            long r0 = db.requests();
            long w0 = db.wastedReadAheadBytes();
            long[] p0 = s.proxy() == null ? new long[4] : s.proxy().counters();
            long t0 = System.nanoTime();
            w.op(db, ops);
            long t1 = System.nanoTime();
            nanos += t1 - t0;
            req += db.requests() - r0;
            wasted += db.wastedReadAheadBytes() - w0;
            long[] p1 = s.proxy() == null ? new long[4] : s.proxy().counters();
            for (int k = 0; k < 4; k++) {
                net[k] += p1[k] - p0[k];
            }
            ops++;
            if (t1 - lastNote > 5_000_000_000L) {
                lastNote = t1;
                Progress.note(String.format(Locale.ROOT, "    ... %d ops, %.1f ops/s", ops, ops / (nanos / 1e9)));
            }
        }
        w.teardown(db);
        if (meter != null) {
            billed.add(w.id, s.id(), rtt, billedBefore, meter.get(), ops);
        }
        // requests: the client's count (HTTP requests) where it has one, else the round trips the proxy saw
        double requests = db.requests() < 0 ? (s.proxy() == null ? 0 : net[2]) : req;
        // wasted read-ahead: what the op fetched ahead and SQLite had not read when the op ended
        double wastedBytes = db.wastedReadAheadBytes() < 0 ? -1 : wasted;
        Result res = new Result(w.id, s.id(), rtt, ops, nanos / 1e9, requests, net[2], net[0], net[1], wastedBytes);
        Progress.note(String.format(Locale.ROOT, "%-8s rtt %2s ms  %-11s %6d ops %11.1f ops/s  %6.2f req/op  %6.2f rt/op  %9.0f B up/op  %9.0f B down/op  %d new conns",
                s.id(), s.proxy() == null ? "-" : rtt, w.id, ops, res.opsPerSec(), res.per(res.requests()), res.per(res.turns()),
                res.per(res.bytesUp()), res.per(res.bytesDown()), net[3]));
        return res;
    }

    /**
     * The ratio targets compare two systems measured seconds apart on a machine whose speed drifts:
     * measure each pair again in {@link #PAIRED_ROUNDS} alternating rounds (local, dosqlite, local,
     * ...) at RTT 0, so the report can give the median of the per-round ratios next to the table.
     */
    Map<String, List<Double>> alternate(Sys local, List<Sys> remote, List<Workload> workloads, List<String> notes) {
        Map<String, List<Double>> ratios = new java.util.LinkedHashMap<>();
        // At RTT 0 the latency proxy only burns CPU (it copies every byte through two threads) on the
        // cores the client and workerd share: the ratio rounds connect straight to the page server.
        Sys dosqlite = dosqliteDirect;
        if (local == null || dosqlite == null) {
            return ratios;
        }
        warm(dosqlite);
        String[][] pairs = {{"bulk", "bulk"}, {"bulk", "bulk_strict"}, {"select_txn", "select_txn"}};
        for (int round = 0; round < PAIRED_ROUNDS; round++) {
            for (String[] pair : pairs) {
                Workload lw = workload(workloads, pair[0]);
                Workload dw = workload(workloads, pair[1]);
                if (lw == null || dw == null) {
                    continue;
                }
                try {
                    Result l = run(local, 0, lw);
                    Result d = run(dosqlite, 0, dw);
                    ratios.computeIfAbsent(pair[1], k -> new ArrayList<>()).add(d.opsPerSec() / l.opsPerSec());
                } catch (RuntimeException e) {
                    notes.add("alternating round " + round + " of " + pair[1] + " failed: " + e);
                }
            }
        }
        return ratios;
    }

    static final int PAIRED_ROUNDS = 3;

    private static Workload workload(List<Workload> workloads, String id) {
        return workloads.stream().filter(w -> w.id.equals(id)).findFirst().orElse(null);
    }

    void measureSafely(Sys s, int rtt, Workload w, List<String> notes) {
        if (!w.appliesTo(s)) {
            return;
        }
        try {
            measure(s, rtt, w);
        } catch (RuntimeException e) {
            String msg = s.id() + " at RTT " + rtt + " ms, " + w.id + ": failed: " + e;
            Progress.note(msg);
            e.printStackTrace();
            notes.add(msg);
            try {
                s.db().reopen();
            } catch (RuntimeException again) {
                Progress.note("reopen failed too: " + again);
            }
        }
    }

    /** Untimed: a new client whose cache holds the TPC-B tables, as a long-running application has. */
    static void warm(Sys s) {
        s.db().reopen();
        s.db().exec("SELECT count(*), sum(abalance) FROM accounts");
        s.db().exec("SELECT count(*), sum(tbalance) FROM tellers");
        s.db().exec("SELECT count(*), sum(bbalance) FROM branches");
        s.db().exec("SELECT count(*) FROM history");
    }

    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        boolean quick = false;
        double budget = 3.0;
        int[] rtts = {0, 5, 20, 50};
        List<String> systems = new ArrayList<>(List.of(SYSTEMS));
        Path repo = Path.of("").toAbsolutePath();
        Path out = null;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    quick = true;
                    budget = 0.5;
                }
                case "--budget" -> budget = Double.parseDouble(args[++i]);
                case "--rtts" -> rtts = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--systems" -> systems = List.of(args[++i].split(","));
                case "--workloads" -> only = List.of(args[++i].split(","));
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath();
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null) {
            out = repo.resolve("docs");
        }
        Workloads.Sizes sizes = quick ? Workloads.Sizes.quick() : Workloads.Sizes.full();
        Main m = new Main(sizes, budget, rtts);
        long t0 = System.nanoTime();
        Path tmp = Files.createTempDirectory("dosqlite-bench-");
        List<Sys> remote = new ArrayList<>();
        List<AutoCloseable> toClose = java.util.Collections.synchronizedList(new ArrayList<>());
        // ^C or kill: stop the servers this run started (PostgreSQL, workerd) all the same
        Thread hook = new Thread(() -> closeAll(toClose, tmp), "bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        List<String> notes = new ArrayList<>();
        Sys local = null;
        LatencyProxy writersDosqlite = null;
        LatencyProxy writersPg = null;
        String writersToken = null;
        try {
            if (systems.contains("local")) {
                Path dir = tmp.resolve("local");
                Files.createDirectories(dir);
                Function<String, Db> fresh = name -> new JdbcDb(
                        () -> DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(name + ".db")), false, false);
                local = new Sys("local", "sqlite-jdbc, local file", fresh.apply("bench"), null, fresh);
                toClose.add(local.db());
            }
            LeaseHolders holders = null;
            if (systems.contains("dosqlite") || systems.contains("dosqlite_check")) {
                Progress.note("starting the page server (workerd)");
                String token = "bench-" + UUID.randomUUID();
                LocalPageServer server = LocalPageServer.start(LocalPageServer.findPageServerDir(), tmp.resolve("pages"), token, 0);
                toClose.add(server);
                URI u = URI.create(server.url());
                for (String id : List.of("dosqlite", "dosqlite_check")) {
                    if (!systems.contains(id)) {
                        continue;
                    }
                    // dosqlite: the driver's defaults (read leases on); dosqlite_check: leases=false,
                    // the version check per transaction
                    boolean check = id.equals("dosqlite_check");
                    LatencyProxy proxy = new LatencyProxy(u.getHost(), u.getPort());
                    toClose.add(proxy);
                    Properties p = new Properties();
                    p.setProperty("token", token);
                    if (check) {
                        // the same page server: the variant differs only in the client's property
                        p.setProperty("leases", "false");
                    }
                    // the latency proxy stands for a page server on another machine, where compress=auto
                    // gzips; its 127.0.0.1 address alone would make auto choose no gzip
                    Properties remoteProps = new Properties();
                    remoteProps.putAll(p);
                    remoteProps.setProperty("compress", "true");
                    Function<String, Db> fresh = name -> new JdbcDb(() -> DriverManager.getConnection(
                            "jdbc:dosqlite:http://127.0.0.1:" + proxy.port() + "/" + name, remoteProps), false, true);
                    Sys s = new Sys(id, check ? "dosqlite with leases=false (a version check per transaction)"
                            : "dosqlite over the page server (workerd), defaults (read leases on)",
                            fresh.apply(check ? "bench_check" : "bench"), proxy, fresh);
                    toClose.add(0, s.db());
                    remote.add(s);
                    m.billed.register(id, name -> Cost.dosqliteUnits(server.url() + "/v1/databases/"
                            + (check && name.equals("bench") ? "bench_check" : name), token));
                    if (!check) {
                        writersDosqlite = proxy;
                        writersToken = token;
                        if (systems.contains("dosqlite-raw")) {
                            // the same server without compressed pages on the wire: bytes with and without gzip
                            LatencyProxy rawProxy = new LatencyProxy(u.getHost(), u.getPort());
                            toClose.add(rawProxy);
                            Function<String, Db> rawFresh = name -> new JdbcDb(() -> DriverManager.getConnection(
                                    "jdbc:dosqlite:http://127.0.0.1:" + rawProxy.port() + "/raw-" + name + "?compress=false", p), false, true);
                            Sys raw = new Sys("dosqlite-raw", "dosqlite, compress=false", rawFresh.apply("bench"), rawProxy, rawFresh);
                            toClose.add(0, raw.db());
                            remote.add(raw);
                        }
                        Function<String, Db> direct = name -> new JdbcDb(() -> DriverManager.getConnection(
                                "jdbc:dosqlite:" + server.url() + "/" + name, p), false, true);
                        m.dosqliteDirect = new Sys("dosqlite", s.label(), direct.apply("bench"), null, direct);
                        toClose.add(0, m.dosqliteDirect.db());
                    }
                }
                if (systems.contains("dosqlite")) {
                    holders = new LeaseHolders(u.getHost(), u.getPort(), token, quick);
                }
            }
            if (systems.contains("ship")) {
                Progress.note("starting the statement-shipping Worker (workerd)");
                ShipServer server = ShipServer.start(repo, tmp.resolve("ship"));
                toClose.add(server);
                LatencyProxy proxy = new LatencyProxy("127.0.0.1", server.port());
                toClose.add(proxy);
                Function<String, Db> fresh = name -> new ShipDb(proxy.port(), name);
                m.billed.register("ship", name -> {
                    String billingUrl = "http://127.0.0.1:" + server.port() + "/db/" + name + "/billing";
                    return () -> Cost.Units.of(Cost.get(billingUrl, null));
                });
                remote.add(new Sys("ship", "statement shipping, D1-style Worker + DO (workerd)", fresh.apply("bench"), proxy, fresh));
            }
            if (systems.contains("pg")) {
                Progress.note("starting PostgreSQL");
                try {
                    Postgres pg = Postgres.start();
                    toClose.add(pg);
                    LatencyProxy proxy = new LatencyProxy("127.0.0.1", pg.port());
                    toClose.add(proxy);
                    Function<String, Db> fresh = name -> new JdbcDb(() -> DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=bench&sslmode=disable"), true, false);
                    Sys s = new Sys("pg", "PostgreSQL " + pgVersion() + " via pgjdbc", fresh.apply("bench"), proxy, fresh);
                    writersPg = proxy;
                    toClose.add(0, s.db());
                    remote.add(s);
                } catch (Exception e) {
                    String why = "PostgreSQL skipped: " + e.getMessage();
                    Progress.note(why);
                    notes.add(why);
                }
            }
            List<Workload> workloads = new ArrayList<>(m.workloads());
            if (only != null) {
                List<String> keep = only;
                workloads.removeIf(w -> !keep.contains(w.id));
            }
            // load every system at RTT 0
            for (Sys s : local == null ? remote : concat(local, remote)) {
                if (s.proxy() != null) {
                    s.proxy().setRttMillis(0);
                }
                Progress.note("loading " + s.id());
                Workloads.load(s.db(), sizes, s.id());
                if (s.id().equals("pg")) {
                    s.db().exec("ANALYZE");
                }
                // JIT and connection warm-up, not measured
                warm(s);
                Random r = new Random(1);
                for (int i = 0; i < (quick ? 50 : 300); i++) {
                    s.db().exec("SELECT abalance FROM accounts WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
                }
                for (int i = 0; i < (quick ? 20 : 100); i++) {
                    s.db().txn(Workloads.transfer(r, sizes));
                }
            }
            if (local != null) {
                warm(local);
                for (Workload w : workloads) {
                    m.measureSafely(local, 0, w, notes);
                }
            }
            for (int rtt : rtts) {
                for (Sys s : remote) {
                    s.proxy().setRttMillis(0);
                    warm(s);
                    s.proxy().setRttMillis(rtt);
                    for (Workload w : workloads) {
                        m.measureSafely(s, rtt, w, notes);
                    }
                    s.proxy().setRttMillis(0);
                }
            }
            Map<String, List<Double>> paired = m.alternate(local, remote, workloads, notes);
            if (holders != null) {
                holders.run(rtts, out, notes);
            }
            double minutes = (System.nanoTime() - t0) / 60e9;
            List<Sys> all = local == null ? remote : concat(local, remote);
            Report.write(out, repo, m.results, workloads, all, sizes, rtts, budget, minutes, notes, quick, paired);
            CostReport.append(out.resolve("benchmarks.md"), m.billed.rows(), workloads, Prices.load(repo.resolve("docs/prices.json")));
            if (writersDosqlite != null) {
                int rtt = Arrays.stream(rtts).anyMatch(r -> r == 20) ? 20 : rtts[rtts.length - 1];
                try {
                    String section = Writers.section(writersDosqlite, writersToken, writersPg, rtt, quick ? 3 : 10);
                    Path md = out.resolve("benchmarks.md");
                    String doc = Files.readString(md);
                    int at = doc.indexOf("## Analysis");
                    Files.writeString(md, at < 0 ? doc + "\n" + section : doc.substring(0, at) + section + "\n" + doc.substring(at));
                } catch (Exception e) {
                    Progress.note("writers section failed: " + e);
                    e.printStackTrace();
                }
            }
            Progress.note("done in " + String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 60e9) + " min: " + out.resolve("benchmarks.md"));
        } finally {
            closeAll(toClose, tmp);
        }
        System.exit(0);
    }

    private static synchronized void closeAll(List<AutoCloseable> toClose, Path tmp) {
        List<AutoCloseable> copy;
        synchronized (toClose) {
            copy = new ArrayList<>(toClose);
            toClose.clear();
        }
        for (AutoCloseable c : copy) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
        ChildProcess.deleteTree(tmp);
    }

    private static List<Sys> concat(Sys first, List<Sys> rest) {
        List<Sys> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }

    private static String pgVersion() {
        String pg = Postgres.findBin("postgres");
        if (pg == null) {
            return "";
        }
        try {
            Process p = new ProcessBuilder(pg, "--version").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return s.replaceAll("^.*\\) ", "").replaceAll(" .*", "");
        } catch (Exception e) {
            return "";
        }
    }
}
