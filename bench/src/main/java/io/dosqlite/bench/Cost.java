package io.dosqlite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dosqlite.local.LocalPageServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Billed units per operation (docs/cost.md): runs each workload on dosqlite (leases off and on) and
 * on the statement-shipping Worker, reads the units each server counted (the info's billing object,
 * the shipping DO's /billing) before and after, and prices them with docs/prices.json.
 * {@code java ... io.dosqlite.bench.Cost --repo DIR [--ops N] [--collect-at-once] [--idle SECONDS]}; prints
 * Markdown tables ({@code --idle}: also the awake time an idle client causes, leases off and on).
 */
public final class Cost {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Cumulative units of one database, or per operation. */
    record Units(double requests, double webSocketMessages, double rowsRead, double rowsWritten) {
        Units minus(Units o) {
            return new Units(requests - o.requests, webSocketMessages - o.webSocketMessages, rowsRead - o.rowsRead, rowsWritten - o.rowsWritten);
        }

        Units per(int n) {
            return new Units(requests / n, webSocketMessages / n, rowsRead / n, rowsWritten / n);
        }

        static Units of(JsonNode b) {
            return new Units(b.path("requests").asDouble(), b.path("webSocketMessages").asDouble(), b.path("rowsRead").asDouble(),
                    b.path("rowsWritten").asDouble());
        }
    }

    /** One system: its client and how to read its server's cumulative units (less the reading's own cost). */
    record Sys(String name, Db db, Supplier<Units> units) {
    }

    private Cost() {
    }

    static JsonNode get(String url, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return JSON.readTree(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url + ": " + e, e);
        }
    }

    /**
     * dosqlite's counters count the info request that reads them: measure what one such read
     * costs (two reads in a row) and subtract it from every later reading.
     */
    static Supplier<Units> dosqliteUnits(String infoUrl, String token) {
        Supplier<Units> raw = () -> Units.of(get(infoUrl, token).path("billing"));
        Units a = raw.get();
        Units b = raw.get();
        Units one = b.minus(a);
        int[] reads = {0};
        return () -> {
            reads[0]++;
            Units u = raw.get();
            return u.minus(new Units(one.requests * reads[0], one.webSocketMessages * reads[0], one.rowsRead * reads[0],
                    one.rowsWritten * reads[0]));
        };
    }

    /** Units per operation of `op` run `n` times (after `n` warm-up runs with the same inputs). */
    static Units measure(Sys s, int n, Consumer<Random> op) {
        Random warm = new Random(42);
        for (int i = 0; i < n; i++) {
            op.accept(warm);
        }
        Random r = new Random(42);
        Units before = s.units().get();
        for (int i = 0; i < n; i++) {
            op.accept(r);
        }
        return s.units().get().minus(before).per(n);
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(".").toAbsolutePath();
        int ops = 200;
        double idleSeconds = 0;
        List<String> serverArgs = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath();
                case "--ops" -> ops = Integer.parseInt(args[++i]);
                case "--idle" -> idleSeconds = Double.parseDouble(args[++i]);
                // steady state of a busy database: every commit also deletes what it superseded
                case "--collect-at-once" -> serverArgs = List.of("--retain-ms", "0", "--retain-versions", "1");
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Prices prices = Prices.load(repo.resolve("docs/prices.json"));
        Workloads.Sizes sizes = Workloads.Sizes.quick();
        Path tmp = Files.createTempDirectory("dosqlite-cost-");
        String token = "cost-" + UUID.randomUUID();
        List<Sys> systems = new ArrayList<>();
        try (LocalPageServer pages = LocalPageServer.start(LocalPageServer.findPageServerDir(), tmp.resolve("pages"), token, 0, serverArgs);
             ShipServer ship = ShipServer.start(repo, tmp.resolve("ship"))) {
            for (boolean leases : new boolean[] {false, true}) {
                String name = leases ? "costlease" : "cost";
                Properties p = new Properties();
                p.setProperty("token", token);
                p.setProperty("leases", String.valueOf(leases));
                p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
                Db db = new JdbcDb(() -> DriverManager.getConnection("jdbc:dosqlite:" + pages.url() + "/" + name, p), false, true);
                Progress.note("loading dosqlite (leases " + leases + ")");
                Workloads.load(db, sizes, name);
                systems.add(new Sys("dosqlite, leases " + (leases ? "on" : "off"), db,
                        dosqliteUnits(pages.url() + "/v1/databases/" + name, token)));
            }
            Db shipDb = new ShipDb(ship.port(), "cost");
            Progress.note("loading statement shipping");
            Workloads.load(shipDb, sizes, "ship");
            String shipUrl = "http://127.0.0.1:" + ship.port() + "/db/cost/billing";
            systems.add(new Sys("statement shipping (DO)", shipDb, () -> Units.of(get(shipUrl, null))));

            StringBuilder out = new StringBuilder();
            out.append("| workload | system | DO requests | WS messages | rows read | rows written | $ per M ops (DO) | $ per M ops (as D1) |\n");
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            int n = ops;
            List<String[]> workloads = List.of(
                    new String[] {"point select, autocommit, warm", "select"},
                    new String[] {"1-row UPDATE, autocommit", "update"},
                    new String[] {"TPC-B transfer (1 transaction)", "tpcb"});
            for (String[] w : workloads) {
                for (Sys s : systems) {
                    Consumer<Random> op = switch (w[1]) {
                        case "select" -> r -> s.db().exec("SELECT abalance FROM accounts WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
                        case "update" -> r -> s.db().exec("UPDATE accounts SET abalance = abalance + 1 WHERE aid = ?", 1 + r.nextInt(sizes.accounts()));
                        default -> r -> s.db().txn(Workloads.transfer(r, sizes));
                    };
                    Progress.note(w[0] + ": " + s.name());
                    Units u = measure(s, n, op);
                    boolean shipping = s.name().startsWith("statement");
                    out.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.1f | %.1f | %.2f | %s |%n", w[0], s.name(),
                            u.requests(), u.webSocketMessages(), u.rowsRead(), u.rowsWritten(), prices.durableObjectPerMillion(u),
                            shipping ? String.format(Locale.ROOT, "%.2f", prices.d1PerMillion(u)) : "–"));
                }
            }
            out.append("\n| history and forks | measured | what it means |\n| --- | ---: | --- |\n");
            out.append(HistoryCost.history(systems.get(0).db(), pages.url(), "cost", token, sizes, n));
            out.append(HistoryCost.fork(pages.url(), "cost", token));
            if (idleSeconds > 0) {
                out.append("\n| idle client | window | awake | requests | WebSocket messages |\n| --- | ---: | ---: | ---: | ---: |\n");
                for (String name : new String[] {"cost", "costlease"}) {
                    Sys s = systems.get(name.equals("cost") ? 0 : 1);
                    s.db().exec("SELECT abalance FROM accounts WHERE aid = ?", 1);
                    Progress.note("idle " + idleSeconds + " s: " + s.name());
                    String infoUrl = pages.url() + "/v1/databases/" + name;
                    out.append(IdleCost.row(s.name(), idleSeconds,
                            IdleCost.measure(() -> get(infoUrl, token).path("billing"), idleSeconds)));
                }
            }
            for (Sys s : systems) {
                s.db().close();
            }
            System.out.print(out);
            System.out.println();
            System.out.println("Prices: docs/prices.json, as of " + prices.asOf() + "; " + n + " operations per row, quick sizes ("
                    + sizes.accounts() + " accounts)" + (serverArgs.isEmpty() ? "" : ", page server " + String.join(" ", serverArgs))
                    + ". Duration (awake time) is not in the dollar figures.");
        }
    }
}
