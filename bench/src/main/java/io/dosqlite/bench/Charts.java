package io.dosqlite.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Grouped bar charts (log scale) drawn with Java2D into PNG files. */
final class Charts {
    static final Color[] COLORS = {new Color(0x4C78A8), new Color(0xF58518), new Color(0x54A24B), new Color(0xB279A2)};

    private Charts() {
    }

    /**
     * Groups on the x axis (one per RTT), one bar per series in each group, log10 y axis; an optional
     * dashed horizontal reference line (the local file).
     */
    static void bars(Path file, String title, String yLabel, List<String> groups, List<String> series, int[] colors,
                     double[][] values, double reference, String referenceLabel) throws IOException {
        bars(file, title, yLabel, groups, series, colors, values, reference, referenceLabel, 900,
                "round-trip time injected by the proxy", false);
    }

    static void bars(Path file, String title, String yLabel, List<String> groups, List<String> series, int[] colors,
                     double[][] values, double reference, String referenceLabel, int width, String xLabel, boolean showZero)
            throws IOException {
        int w = width;
        int h = 420;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(base.deriveFont(Font.BOLD, 14f));
        g.setColor(Color.BLACK);
        g.drawString(title, 20, 24);
        g.setFont(base);
        int left = 80;
        int right = w - 190;
        int top = 45;
        int bottom = h - 50;
        double max = reference > 0 ? reference : 0;
        double min = reference > 0 ? reference : Double.MAX_VALUE;
        for (double[] row : values) {
            for (double v : row) {
                if (v > (showZero ? 0.05 : 0)) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        if (min == Double.MAX_VALUE) {
            min = 1;
            max = 10;
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.ceil(Math.log10(max));
        if (hi <= lo) {
            hi = lo + 1;
        }
        final double flo = lo;
        final double fhi = hi;
        java.util.function.DoubleToIntFunction y = v -> (int) Math.round(bottom - (Math.log10(v) - flo) / (fhi - flo) * (bottom - top));
        // grid and y labels
        g.setStroke(new BasicStroke(1f));
        FontMetrics fm = g.getFontMetrics();
        for (double e = lo; e <= hi + 1e-9; e++) {
            int yy = y.applyAsInt(Math.pow(10, e));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, yy, right, yy);
            g.setColor(Color.DARK_GRAY);
            String s = label(Math.pow(10, e));
            g.drawString(s, left - 8 - fm.stringWidth(s), yy + 4);
        }
        g.setColor(Color.DARK_GRAY);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + bottom) / 2 - fm.stringWidth(yLabel) / 2, 18);
        g.rotate(Math.PI / 2);
        // bars
        int groupW = (right - left) / Math.max(1, groups.size());
        int barW = Math.max(6, (int) (groupW * 0.8 / Math.max(1, series.size())));
        for (int gi = 0; gi < groups.size(); gi++) {
            int gx = left + gi * groupW + (int) (groupW * 0.1);
            for (int si = 0; si < series.size(); si++) {
                double v = values[si][gi];
                int x = gx + si * barW;
                if (v >= 0 && v <= 0.05 && showZero) {
                    g.setColor(COLORS[colors[si] % COLORS.length]);
                    g.setFont(base.deriveFont(Font.BOLD, 10f));
                    String z = v == 0 ? "0" : "≈0";
                    g.drawString(z, x + (barW - 2) / 2 - g.getFontMetrics().stringWidth(z) / 2, bottom - 3);
                    g.setFont(base);
                    continue;
                }
                if (v > 0) {
                    int yy = y.applyAsInt(v);
                    g.setColor(COLORS[colors[si] % COLORS.length]);
                    g.fillRect(x, yy, barW - 2, bottom - yy);
                    g.setColor(Color.BLACK);
                    g.setFont(base.deriveFont(9f));
                    String s = label(v);
                    g.drawString(s, x + (barW - 2) / 2 - g.getFontMetrics().stringWidth(s) / 2, yy - 3);
                    g.setFont(base);
                }
            }
            g.setColor(Color.BLACK);
            String s = groups.get(gi);
            g.drawString(s, left + gi * groupW + groupW / 2 - fm.stringWidth(s) / 2, bottom + 18);
        }
        g.drawLine(left, bottom, right, bottom);
        g.drawString(xLabel, (left + right) / 2 - fm.stringWidth(xLabel) / 2, bottom + 38);
        if (reference > 0) {
            int yy = y.applyAsInt(reference);
            g.setColor(Color.RED);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            g.drawLine(left, yy, right, yy);
            g.setStroke(new BasicStroke(1f));
        }
        // legend
        int ly = top + 10;
        for (int si = 0; si < series.size(); si++) {
            g.setColor(COLORS[colors[si] % COLORS.length]);
            g.fillRect(right + 20, ly - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(si), right + 38, ly);
            ly += 20;
        }
        if (reference > 0) {
            g.setColor(Color.RED);
            g.drawLine(right + 20, ly - 4, right + 32, ly - 4);
            g.setColor(Color.BLACK);
            g.drawString(referenceLabel, right + 38, ly);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static String label(double v) {
        String s = label0(v);
        return s.replaceAll("\\.0+([kM]?)$", "$1").replaceAll("(\\.\\d*?)0+([kM]?)$", "$1$2");
    }

    static String label0(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.3gk", v / 1e3);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }
}
