package io.dosqlite.bench;

import java.util.Locale;

/** Progress lines on stderr, with the time since the start. */
final class Progress {
    private static final long START = System.nanoTime();

    private Progress() {
    }

    static void note(String msg) {
        double s = (System.nanoTime() - START) / 1e9;
        System.err.printf(Locale.ROOT, "[%6.1fs] %s%n", s, msg);
    }
}
