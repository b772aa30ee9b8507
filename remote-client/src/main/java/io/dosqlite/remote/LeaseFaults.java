package io.dosqlite.remote;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Message-level faults on the push channel, for tests only: TCP cannot lose or reorder single
 * WebSocket messages, so a proxy cannot either; this hook stands in for a path that does (and for
 * slow delivery). Enabled by the system property {@code dosqlite.test.pushFaults}, e.g.
 * {@code drop=0.2,reorder=0.2,delayMs=30,dropAck=0.1,seed=7}; otherwise absent.
 */
final class LeaseFaults {
    private final double drop;
    private final double reorder;
    private final long delayMs;
    private final double dropAck;
    private final Random random;
    private String held;

    private LeaseFaults(double drop, double reorder, long delayMs, double dropAck, long seed) {
        this.drop = drop;
        this.reorder = reorder;
        this.delayMs = delayMs;
        this.dropAck = dropAck;
        this.random = new Random(seed);
    }

    static LeaseFaults fromSystemProperty() {
        String spec = System.getProperty("dosqlite.test.pushFaults");
        if (spec == null || spec.isBlank()) {
            return null;
        }
        double drop = 0, reorder = 0, dropAck = 0;
        long delay = 0, seed = 1;
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            double v = Double.parseDouble(kv[1]);
            switch (kv[0]) {
                case "drop" -> drop = v;
                case "reorder" -> reorder = v;
                case "delayMs" -> delay = (long) v;
                case "dropAck" -> dropAck = v;
                case "seed" -> seed = (long) v;
                default -> throw new IllegalArgumentException("unknown push fault " + kv[0]);
            }
        }
        PageApi.LOG.warning("push-channel faults injected for testing: " + spec);
        return new LeaseFaults(drop, reorder, delay, dropAck, seed);
    }

    /** The messages to handle now, in order, instead of {@code text} (on the socket's thread). */
    synchronized List<String> arrived(String text) {
        List<String> out = new ArrayList<>(2);
        if (!text.contains("\"invalidate\"")) {
            out.add(text);
            return out;
        }
        if (delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (random.nextDouble() < drop) {
            return out;
        }
        if (held == null && random.nextDouble() < reorder) {
            held = text; // delivered after the next invalidation
            return out;
        }
        out.add(text);
        if (held != null) {
            out.add(held);
            held = null;
        }
        return out;
    }

    synchronized boolean sendAck() {
        return random.nextDouble() >= dropAck;
    }
}
