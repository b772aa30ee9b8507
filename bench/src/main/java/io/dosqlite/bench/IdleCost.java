package io.dosqlite.bench;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * What an idle client costs: the Durable Object's awake time (billed by wall clock while in memory)
 * while a client that has read once then does nothing keeps its connection open, with leases off
 * and on. Each system is measured on its own, one after the other, so no other traffic wakes it.
 */
final class IdleCost {

    private IdleCost() {
    }

    /** One idle window: awake milliseconds the object counted, and the messages that woke it. */
    record Window(double awakeMs, double requests, double webSocketMessages) {
    }

    /**
     * Reads the counters, waits {@code seconds} while the client stays idle, reads them again. The
     * first reading is itself an event, so the window always includes one idle tail (10 s) after it.
     */
    static Window measure(Supplier<com.fasterxml.jackson.databind.JsonNode> billing, double seconds) throws InterruptedException {
        var a = billing.get();
        Thread.sleep((long) (seconds * 1000));
        var b = billing.get();
        return new Window(b.path("awakeMs").asDouble() - a.path("awakeMs").asDouble(),
                b.path("requests").asDouble() - a.path("requests").asDouble() - 1,
                b.path("webSocketMessages").asDouble() - a.path("webSocketMessages").asDouble());
    }

    static String row(String system, double seconds, Window w) {
        return String.format(Locale.ROOT, "| %s | %.0f s | %.1f s | %.0f | %.0f |%n", system, seconds, w.awakeMs() / 1000,
                w.requests(), w.webSocketMessages());
    }
}
