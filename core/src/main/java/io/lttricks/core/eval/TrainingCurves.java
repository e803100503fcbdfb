package io.lttricks.core.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * A stage's training curves from its history (one JSON line per epoch): the loss; training
 * accuracy and, where the stage was evaluated during training, the test error; the learning
 * rate (log scale). Three panels over the epochs, as a PNG, with round ticks and grid lines on both
 * axes (decades on the rate's, with room so that a rate at its lowest stays off the floor).
 */
public final class TrainingCurves {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 760;
    private static final int PANEL = 150;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int GAP = 40;

    private TrainingCurves() {
    }

    /** The PNG of a stage's history lines; null when there is no epoch to draw. */
    public static byte[] render(String stage, List<String> historyLines) throws IOException {
        List<JsonNode> epochs = new ArrayList<>();
        for (String line : historyLines) {
            if (!line.isBlank()) {
                epochs.add(JSON.readTree(line));
            }
        }
        if (epochs.isEmpty()) {
            return null;
        }
        int height = TOP + 3 * PANEL + 2 * GAP + 44;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString("Stage " + stage + ": " + epochs.size() + " epochs", 8, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int first = epochs.get(0).path("epoch").asInt();
        int last = epochs.get(epochs.size() - 1).path("epoch").asInt();
        int y0 = TOP;
        panel(g, epochs, first, last, y0, "training loss", false,
                new Series("loss", new Color(0x1565C0), n -> n.path("loss").asDouble(Double.NaN)));
        y0 += PANEL + GAP;
        panel(g, epochs, first, last, y0, "% (training accuracy, test error)", false,
                new Series("train accuracy", new Color(0x2E7D32), n -> 100 * n.path("accuracy").asDouble(Double.NaN)),
                new Series("test error", new Color(0xC62828), n -> n.hasNonNull("testError")
                        ? 100 * n.get("testError").asDouble() : Double.NaN));
        y0 += PANEL + GAP;
        panel(g, epochs, first, last, y0, "learning rate (log)", true,
                new Series("lr", new Color(0x6A1B9A), n -> n.path("lr").asDouble(Double.NaN)));
        // the epochs under the last panel
        int bottom = y0 + PANEL;
        int plotW = WIDTH - LEFT - RIGHT;
        g.setColor(Color.DARK_GRAY);
        for (double e : ticks(first, last, 8)) {
            int x = xOf((int) e, first, last, plotW);
            g.drawLine(x, bottom, x, bottom + 3);
            String text = String.valueOf((int) e);
            g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, bottom + 15);
        }
        g.drawString("epoch", LEFT + plotW / 2 - g.getFontMetrics().stringWidth("epoch") / 2, bottom + 30);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private record Series(String name, Color colour, ToDoubleFunction<JsonNode> value) {
    }

    private static void panel(Graphics2D g, List<JsonNode> epochs, int first, int last, int top, String title, boolean log,
                              Series... series) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (JsonNode n : epochs) {
                double v = transform(s.value().applyAsDouble(n), log);
                if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return;
        }
        // Axis limits on round values: decades on a log axis, with a quarter decade of room so that a
        // rate that sits at its lowest value stays off the floor; "nice" steps on a linear one.
        double step;
        if (log) {
            lo = Math.floor(lo - 0.25);
            hi = Math.ceil(hi + 0.25);
            step = Math.max(1, Math.ceil((hi - lo) / 6));
        } else {
            if (hi - lo < 1e-9) {
                lo -= Math.max(1e-3, Math.abs(lo) * 0.05);
                hi += Math.max(1e-3, Math.abs(hi) * 0.05);
            }
            step = niceStep((hi - lo) / 4);
            lo = Math.floor(lo / step) * step;
            hi = Math.ceil(hi / step) * step;
        }
        int plotW = WIDTH - LEFT - RIGHT;
        g.setColor(new Color(0xF3F3F3));
        g.fillRect(LEFT, top, plotW, PANEL);
        g.setColor(new Color(0xDDDDDD));
        for (double e : ticks(first, last, 8)) {
            int x = xOf((int) e, first, last, plotW);
            g.drawLine(x, top, x, top + PANEL - 1);
        }
        for (double v = lo; v <= hi + step / 1e6; v += step) {
            int y = top + PANEL - 1 - (int) Math.round((v - lo) / (hi - lo) * (PANEL - 1));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(LEFT, y, LEFT + plotW - 1, y);
            g.setColor(Color.DARK_GRAY);
            String text = log ? (v == Math.rint(v) ? "1e" + (int) v : label(Math.pow(10, v))) : label(v);
            g.drawString(text, LEFT - 6 - g.getFontMetrics().stringWidth(text), y + 4);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString(title, LEFT, top - 6);
        int legendX = LEFT + plotW;
        g.setStroke(new BasicStroke(1.6f));
        for (int k = series.length - 1; k >= 0; k--) {
            Series s = series[k];
            int w = g.getFontMetrics().stringWidth(s.name());
            legendX -= w + 24;
            g.setColor(s.colour());
            g.fillRect(legendX, top - 14, 10, 10);
            g.drawString(s.name(), legendX + 14, top - 5);
            int px = -1;
            int py = -1;
            for (JsonNode n : epochs) {
                double v = transform(s.value().applyAsDouble(n), log);
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    continue;
                }
                int x = xOf(n.path("epoch").asInt(), first, last, plotW);
                int y = top + PANEL - 1 - (int) Math.round((v - lo) / (hi - lo) * (PANEL - 1));
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                } else {
                    g.fillOval(x - 2, y - 2, 4, 4);
                }
                px = x;
                py = y;
            }
        }
    }

    private static int xOf(int epoch, int first, int last, int plotW) {
        return LEFT + (last == first ? plotW / 2 : (int) Math.round((double) (epoch - first) / (last - first) * (plotW - 1)));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        double p = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= rough - 1e-12) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Epoch ticks: about {@code count} round epochs from {@code first} to {@code last}, both ends included. */
    static List<Double> ticks(int first, int last, int count) {
        List<Double> out = new ArrayList<>();
        if (last <= first) {
            out.add((double) first);
            return out;
        }
        double step = Math.max(1, niceStep((last - first) / (double) count));
        out.add((double) first);
        for (double e = Math.ceil((first + step / 2) / step) * step; e < last - step / 2; e += step) {
            out.add(e);
        }
        out.add((double) last);
        return out;
    }

    private static double transform(double v, boolean log) {
        return log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
    }

    private static String label(double v) {
        return Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? String.format(Locale.ROOT, "%.3g", v)
                : String.format(Locale.ROOT, "%.1e", v);
    }
}
