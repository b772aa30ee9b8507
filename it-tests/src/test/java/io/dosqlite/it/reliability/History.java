package io.dosqlite.it.reliability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checker for histories of a counter-like register in which every write's resulting version is
 * known (so writes are totally ordered by their versions and no search is needed).
 *
 * <p>Linearizability: give write {@code k} the key {@code 2k} and a read of {@code k} the key
 * {@code 2k+1}. Order the operations by key, reads of one version by invocation: that order is a
 * legal sequential history, so the history is linearizable exactly when it also respects real time,
 * i.e. no operation that completed before another was invoked has a larger key (plus: versions of
 * writes are distinct, and every version read was written by someone or is the initial 0).
 *
 * <p>Session guarantees, per client (whose operations are sequential): monotonic reads (no read
 * returns a version older than one the client saw before) and read-your-writes (no read older than
 * the client's own last write).
 */
final class History {
    /** One completed operation; times by {@link System#nanoTime()} of the same machine. */
    record Op(String client, boolean write, long version, long invoke, long complete) {
        long key() {
            return 2 * version + (write ? 0 : 1);
        }

        @Override
        public String toString() {
            return client + (write ? " wrote " : " read ") + version + " [" + invoke + ", " + complete + "]";
        }
    }

    private History() {
    }

    /** Parses a {@code OP R|W version invoke complete} line of {@link HistoryClient}. */
    static Op parse(String client, String line) {
        String[] p = line.split(" ");
        return new Op(client, p[1].equals("W"), Long.parseLong(p[2]), Long.parseLong(p[3]), Long.parseLong(p[4]));
    }

    /** Every way the history fails to be linearizable (empty: it is). */
    static List<String> linearizabilityViolations(List<Op> history) {
        List<String> out = new ArrayList<>();
        Map<Long, Op> writes = new HashMap<>();
        for (Op o : history) {
            if (o.write()) {
                Op other = writes.put(o.version(), o);
                if (other != null) {
                    out.add("two writes made version " + o.version() + ": " + other + " and " + o);
                }
            }
        }
        for (Op o : history) {
            if (!o.write() && o.version() != 0 && !writes.containsKey(o.version())) {
                out.add("read a version nobody wrote: " + o);
            }
        }
        List<Op> byInvoke = new ArrayList<>(history);
        byInvoke.sort(Comparator.comparingLong(Op::invoke));
        List<Op> byComplete = new ArrayList<>(history);
        byComplete.sort(Comparator.comparingLong(Op::complete));
        Op maxDone = null;
        int j = 0;
        for (Op b : byInvoke) {
            for (; j < byComplete.size() && byComplete.get(j).complete() < b.invoke(); j++) {
                Op a = byComplete.get(j);
                if (maxDone == null || a.key() > maxDone.key()) {
                    maxDone = a;
                }
            }
            if (maxDone != null && maxDone.key() > b.key()) {
                out.add((b.write() ? "write ordered before " : "stale read: ") + b + " began after " + maxDone + " ended");
            }
        }
        return out;
    }

    /** Every read-your-writes or monotonic-reads violation, per client (empty: none). */
    static List<String> sessionViolations(List<Op> history) {
        List<String> out = new ArrayList<>();
        Map<String, List<Op>> byClient = new HashMap<>();
        for (Op o : history) {
            byClient.computeIfAbsent(o.client(), k -> new ArrayList<>()).add(o);
        }
        for (List<Op> ops : byClient.values()) {
            ops.sort(Comparator.comparingLong(Op::invoke));
            Op seen = null;
            for (Op o : ops) {
                if (seen != null && (o.write() ? o.version() <= seen.version() : o.version() < seen.version())) {
                    out.add((seen.write() ? "read-your-writes: " : "monotonic reads: ") + o + " after " + seen);
                }
                if (seen == null || o.version() > seen.version()) {
                    seen = o;
                }
            }
        }
        return out;
    }
}
