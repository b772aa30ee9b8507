package io.dosqlite.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The billed units (docs/cost.md) each measurement caused on the Durable Object that served it,
 * for the systems whose server counts them (dosqlite's page server, the statement-shipping Worker).
 * Units do not depend on latency, so the report prints them once per workload and system.
 */
final class BilledUnits {

    /** Units per operation of one measurement. */
    record Row(String workload, String system, int rtt, Cost.Units perOp) {
    }

    /** System id → (database name → a reader of that database's cumulative units). */
    private final Map<String, Function<String, Supplier<Cost.Units>>> meters = new HashMap<>();
    private final Map<String, Supplier<Cost.Units>> open = new HashMap<>();
    private final List<Row> rows = new ArrayList<>();

    void register(String system, Function<String, Supplier<Cost.Units>> meterOfDatabase) {
        meters.put(system, meterOfDatabase);
    }

    /** A reader of the database's cumulative units, or null when the system counts none. */
    Supplier<Cost.Units> meter(String system, String database) {
        Function<String, Supplier<Cost.Units>> m = meters.get(system);
        if (m == null || database == null) {
            return null;
        }
        return open.computeIfAbsent(system + "/" + database, k -> m.apply(database));
    }

    void add(String workload, String system, int rtt, Cost.Units before, Cost.Units after, int ops) {
        if (ops > 0) {
            rows.add(new Row(workload, system, rtt, after.minus(before).per(ops)));
        }
    }

    List<Row> rows() {
        return rows;
    }
}
