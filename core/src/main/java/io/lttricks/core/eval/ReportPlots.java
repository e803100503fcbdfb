package io.lttricks.core.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The report's two pictures: per-class accuracy as bars over the classes sorted by training images
 * (head to tail), with the many/medium/few-shot bands shaded and their mean accuracies drawn; and
 * the confusion matrix as a heat map (rows normalised to the true class). The canvas is sized to
 * its text (titles, legend, class names), so nothing is cut off at an edge.
 */
public final class ReportPlots {
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final int MARGIN = 8;
    private static final Color MANY = new Color(0xE3F2FD);
    private static final Color MEDIUM = new Color(0xFFF8E1);
    private static final Color FEW = new Color(0xFCE4EC);

    private ReportPlots() {
    }

    public static byte[] perClass(EvaluationReport r) throws IOException {
        int c = r.classes().size();
        Integer[] order = new Integer[c];
        for (int i = 0; i < c; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(r.trainCounts()[b], r.trainCounts()[a]));
        int left = 60;
        int top = 40;
        int plotH = 300;
        int bar = Math.max(2, Math.min(40, 1400 / Math.max(1, c)));
        String title = String.format(Locale.ROOT, "Per-class accuracy (top-1 error %.2f%%), classes by training images",
                100 * r.top1Error());
        String legend = String.format(Locale.ROOT,
                "blue bands: many-shot %s   yellow: medium %s   pink: few %s   (dashed: group means)",
                pct(r.manyShot()), pct(r.mediumShot()), pct(r.fewShot()));
        int labelsHeight = 0;
        if (c <= 40) {
            for (int k = 0; k < c; k++) {
                labelsHeight = Math.max(labelsHeight, textWidth(LABEL, classLabel(r, k)));
            }
            labelsHeight += 6 + MARGIN;
        }
        int width = Math.max(left + c * bar + 40, MARGIN + Math.max(textWidth(TITLE, title), textWidth(LABEL, legend))
                + MARGIN);
        int height = top + plotH + Math.max(40, labelsHeight + 6);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString(title, MARGIN, 18);
        for (int k = 0; k < c; k++) {
            int cls = order[k];
            int n = r.trainCounts()[cls];
            g.setColor(n > EvaluationReport.MANY_ABOVE ? MANY : n >= EvaluationReport.FEW_BELOW ? MEDIUM : FEW);
            g.fillRect(left + k * bar, top, bar, plotH);
        }
        g.setColor(Color.GRAY);
        for (int p = 0; p <= 100; p += 25) {
            int y = top + plotH - p * plotH / 100;
            g.drawLine(left - 4, y, left + c * bar, y);
            g.drawString(p + "%", 8, y + 4);
        }
        g.setColor(new Color(0x1565C0));
        for (int k = 0; k < c; k++) {
            double a = r.perClassAccuracy()[order[k]];
            if (!Double.isNaN(a)) {
                int h = (int) Math.round(a * plotH);
                g.fillRect(left + k * bar + Math.max(1, bar / 8), top + plotH - h, Math.max(1, bar - 2 * Math.max(1, bar / 8)), h);
            }
        }
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        drawGroupMean(g, r, order, left, top, plotH, bar, r.manyShot(), k -> r.trainCounts()[k] > EvaluationReport.MANY_ABOVE);
        drawGroupMean(g, r, order, left, top, plotH, bar, r.mediumShot(),
                k -> r.trainCounts()[k] <= EvaluationReport.MANY_ABOVE && r.trainCounts()[k] >= EvaluationReport.FEW_BELOW);
        drawGroupMean(g, r, order, left, top, plotH, bar, r.fewShot(), k -> r.trainCounts()[k] < EvaluationReport.FEW_BELOW);
        g.setColor(Color.BLACK);
        g.setFont(LABEL);
        if (c <= 40) {
            for (int k = 0; k < c; k++) {
                Graphics2D t = (Graphics2D) g.create();
                t.translate(left + k * bar + bar / 2 + 4, top + plotH + 6);
                t.rotate(Math.PI / 2);
                t.drawString(classLabel(r, order[k]), 0, 0);
                t.dispose();
            }
        }
        g.drawString(legend, MARGIN, top - 8);
        g.dispose();
        return png(img);
    }

    private static void drawGroupMean(Graphics2D g, EvaluationReport r, Integer[] order, int left, int top, int plotH,
                                      int bar, Double mean, java.util.function.IntPredicate member) {
        if (mean == null) {
            return;
        }
        int first = -1;
        int last = -1;
        for (int k = 0; k < order.length; k++) {
            if (member.test(order[k])) {
                first = first < 0 ? k : first;
                last = k;
            }
        }
        g.setColor(new Color(0xD84315));
        int y = top + plotH - (int) Math.round(mean * plotH);
        g.drawLine(left + first * bar, y, left + (last + 1) * bar, y);
    }

    /**
     * The confusion matrix as a heat map: each row normalised to its true class, the cells saying
     * that percentage (where they are large enough), the predicted classes named under the columns
     * and the true ones beside the rows (up to 40 classes), and a colour scale.
     */
    public static byte[] confusion(EvaluationReport r) throws IOException {
        int c = r.classes().size();
        int cell = Math.max(1, Math.min(40, 800 / Math.max(1, c)));
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        boolean named = c <= 40;
        int names = 0;
        if (named) {
            for (String name : r.classes()) {
                names = Math.max(names, textWidth(small, name));
            }
        }
        int left = named ? names + 12 : 20;
        int top = 52;
        int matrix = c * cell;
        int scaleX = left + matrix + 16;
        int scaleW = 14;
        String title = "Confusion matrix: % of each true class";
        String subtitle = "rows: true class; columns: predicted class";
        int width = Math.max(scaleX + scaleW + 44, MARGIN + textWidth(TITLE, title) + MARGIN);
        int height = top + matrix + (named ? names + 16 : 20) + 16;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString(title, MARGIN, 18);
        g.setFont(LABEL);
        g.drawString(subtitle, MARGIN, 36);
        g.setFont(small);
        for (int t = 0; t < c; t++) {
            int rowTotal = 0;
            for (int p = 0; p < c; p++) {
                rowTotal += r.confusion()[t][p];
            }
            for (int p = 0; p < c; p++) {
                double v = rowTotal == 0 ? 0 : (double) r.confusion()[t][p] / rowTotal;
                g.setColor(heat(v));
                g.fillRect(left + p * cell, top + t * cell, cell, cell);
                if (cell >= 28) {
                    g.setColor(v > 0.5 ? Color.WHITE : Color.BLACK);
                    String text = String.format(Locale.ROOT, v >= 0.995 || v == 0 ? "%.0f" : "%.1f", 100 * v);
                    g.drawString(text, left + p * cell + (cell - textWidth(small, text)) / 2, top + t * cell + cell / 2 + 4);
                }
            }
            if (named) {
                g.setColor(Color.BLACK);
                g.drawString(r.classes().get(t), 4, top + t * cell + cell / 2 + 4);
            }
        }
        g.setColor(Color.GRAY);
        g.drawRect(left, top, matrix, matrix);
        if (named) {
            // the predicted classes, written upwards under their columns
            g.setColor(Color.BLACK);
            java.awt.geom.AffineTransform base = g.getTransform();
            for (int p = 0; p < c; p++) {
                String name = r.classes().get(p);
                int x = left + p * cell + cell / 2 + 4;
                int y = top + matrix + 6 + textWidth(small, name);
                g.rotate(-Math.PI / 2, x, y);
                g.drawString(name, x, y);
                g.setTransform(base);
            }
        }
        // the colour scale: 0% at the bottom, 100% at the top
        for (int y = 0; y < matrix; y++) {
            g.setColor(heat(1 - (double) y / Math.max(1, matrix - 1)));
            g.drawLine(scaleX, top + y, scaleX + scaleW, top + y);
        }
        g.setColor(Color.GRAY);
        g.drawRect(scaleX, top, scaleW, matrix);
        g.setColor(Color.BLACK);
        for (int pctTick : new int[] {0, 50, 100}) {
            int y = top + matrix - (int) Math.round(pctTick / 100.0 * matrix);
            g.drawLine(scaleX + scaleW, y, scaleX + scaleW + 3, y);
            g.drawString(pctTick + "%", scaleX + scaleW + 5, y + 4);
        }
        g.dispose();
        return png(img);
    }

    /** White (0) to deep blue (1). */
    private static Color heat(double v) {
        double x = Math.max(0, Math.min(1, v));
        int shade = (int) Math.round(255 * (1 - x));
        return new Color(shade, shade, 255);
    }

    private static String classLabel(EvaluationReport r, int cls) {
        return r.classes().get(cls) + " (" + r.trainCounts()[cls] + ")";
    }

    /** The width of {@code text} in {@code font}, as the plots draw it. */
    private static int textWidth(Font font, String text) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(probe);
        int w = g.getFontMetrics(font).stringWidth(text);
        g.dispose();
        return w;
    }

    private static Graphics2D graphics(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        return g;
    }

    private static String pct(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
