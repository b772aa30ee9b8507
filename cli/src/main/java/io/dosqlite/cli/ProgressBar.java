package io.dosqlite.cli;

import io.dosqlite.remote.Transfer;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: {@code import [#####-----]  52%  1234/2345 pages  850 pages/s  ETA 0:02}.
 * Redrawn at most every 200 ms (and at the end); {@link #finish()} ends the line.
 */
final class ProgressBar implements Transfer.Progress {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream err;
    private final String label;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;
    private long total = -1;
    private boolean drawn;

    ProgressBar(PrintStream err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        this.enabled = enabled;
    }

    @Override
    public void pages(long done, long total) {
        this.done = done;
        this.total = total;
        long now = System.nanoTime();
        if (enabled && (!drawn || now - lastDraw >= REDRAW_NANOS)) {
            lastDraw = now;
            err.print("\r" + line(done, total, (now - start) / 1e9) + "  ");
            err.flush();
            drawn = true;
        }
    }

    /** Draws the final state and ends the line. */
    void finish() {
        if (!enabled) {
            return;
        }
        err.print("\r" + line(done, total, (System.nanoTime() - start) / 1e9) + "  ");
        err.println();
        err.flush();
    }

    /** Ends the line if anything was drawn (before an error message). */
    void abort() {
        if (enabled && drawn) {
            err.println();
        }
    }

    static String line(String label, long done, long total, double seconds) {
        StringBuilder sb = new StringBuilder(label).append(' ');
        double rate = seconds > 0 ? done / seconds : 0;
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / total);
            sb.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append(']');
            sb.append(String.format(Locale.ROOT, " %3d%%", Math.min(100, 100 * done / total)));
            sb.append(String.format(Locale.ROOT, "  %d/%d pages", done, total));
        } else if (total == 0) {
            sb.append('[').append("#".repeat(WIDTH)).append("] 100%  0/0 pages");
        } else {
            sb.append(String.format(Locale.ROOT, "%d pages", done));
        }
        sb.append(String.format(Locale.ROOT, "  %.0f pages/s", rate));
        if (total > 0 && done < total) {
            sb.append("  ETA ").append(rate > 0 ? clock((total - done) / rate) : "?");
        } else {
            sb.append("  ").append(clock(seconds));
        }
        return sb.toString();
    }

    private String line(long done, long total, double seconds) {
        return line(label, done, total, seconds);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
