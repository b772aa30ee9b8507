package io.dosqlite.bench;

import io.dosqlite.bench.Main.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The "What it costs" section of docs/benchmarks.md: billed units per operation and dollars per
 * million operations at docs/prices.json's prices, one row per workload and system (units do not
 * depend on latency: each row is the lowest RTT measured). Inserted before the analysis.
 */
final class CostReport {

    private CostReport() {
    }

    static void append(Path md, List<BilledUnits.Row> rows, List<Workload> workloads, Prices prices) throws IOException {
        if (rows.isEmpty() || !Files.exists(md)) {
            return;
        }
        StringBuilder sb = new StringBuilder("## What it costs on Cloudflare\n\n");
        sb.append("Billed units per operation, counted by the Durable Object that served it (dosqlite's page server; the ")
                .append("statement-shipping Worker counts the same way), priced with `docs/prices.json` (as of ")
                .append(prices.asOf()).append("; marginal prices, no free allowance, awake time left out: see docs/cost.md). ")
                .append("*as D1* prices the shipping system's rows at D1's rates (D1 runs the same statements). ")
                .append("Cold workloads include the reopen that precedes each operation. A WebSocket message is billed as ")
                .append("1/20 of a request.\n\n");
        sb.append("| workload | system | DO requests/op | WS messages/op | rows read/op | rows written/op | $ per M ops (DO) | $ per M ops (as D1) |\n");
        sb.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Workload w : workloads) {
            rows.stream().filter(r -> r.workload().equals(w.id)).map(BilledUnits.Row::system).distinct().forEach(system -> {
                BilledUnits.Row r = rows.stream().filter(x -> x.workload().equals(w.id) && x.system().equals(system))
                        .min((a, b) -> Integer.compare(a.rtt(), b.rtt())).orElseThrow();
                Cost.Units u = r.perOp();
                boolean shipping = system.equals("ship");
                sb.append(String.format(Locale.ROOT, "| `%s` | %s | %s | %s | %s | %s | %s | %s |%n", w.id, system,
                        Report.dec(u.requests()), Report.dec(u.webSocketMessages()), Report.dec(u.rowsRead()),
                        Report.dec(u.rowsWritten()), dollars(prices.durableObjectPerMillion(u)),
                        shipping ? dollars(prices.d1PerMillion(u)) : "–"));
            });
        }
        sb.append("\n");
        String text = Files.readString(md);
        int at = text.indexOf("## Analysis\n");
        Files.writeString(md, at < 0 ? text + sb : text.substring(0, at) + sb + text.substring(at));
    }

    private static String dollars(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
