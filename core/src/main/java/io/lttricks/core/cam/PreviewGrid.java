package io.lttricks.core.cam;

import io.lttricks.core.data.RgbImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A picture of CAM-based sampling at work: one row per example, four tiles each: the source image,
 * its class activation map as a heat map, the foreground (background darkened) and the generated
 * image. Tiles are enlarged by an integer factor without smoothing, so pixels stay visible.
 */
public final class PreviewGrid {
    private static final int LABEL_WIDTH = 150;
    private static final int GAP = 6;
    private static final String[] HEADERS = {"original", "CAM", "foreground", "generated"};

    private PreviewGrid() {
    }

    /**
     * Which generated images to show: the first {@code perClass} of each class that has any, for the
     * first {@code maxClasses} such classes, as indices of the generation order (class by class,
     * {@code counts[c]} images of class c).
     */
    public static long[] examples(int[] counts, int perClass, int maxClasses) {
        List<Long> ks = new java.util.ArrayList<>();
        long offset = 0;
        int shown = 0;
        for (int c = 0; c < counts.length && shown < maxClasses; c++) {
            for (int j = 0; j < Math.min(perClass, counts[c]); j++) {
                ks.add(offset + j);
            }
            if (counts[c] > 0) {
                shown++;
            }
            offset += counts[c];
        }
        return ks.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * @param rows  examples, grouped by class in the order given
     * @param scale enlargement of each tile (4 turns CIFAR's 32 pixels into 128)
     */
    public static BufferedImage render(List<CamGenerator.Explained> rows, List<String> classes, int scale,
                                       String title) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("nothing to preview");
        }
        RgbImage first = rows.get(0).original();
        int tw = first.width() * scale;
        int th = first.height() * scale;
        int header = 44;
        int width = LABEL_WIDTH + 4 * (tw + GAP);
        int height = header + rows.size() * (th + GAP);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 6, 16);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int t = 0; t < 4; t++) {
            g.drawString(HEADERS[t], LABEL_WIDTH + t * (tw + GAP) + 4, header - 8);
        }
        for (int r = 0; r < rows.size(); r++) {
            CamGenerator.Explained e = rows.get(r);
            int y = header + r * (th + GAP);
            CamGenerator.Generated gen = e.generated();
            g.setColor(Color.BLACK);
            g.drawString(classes.get(gen.label()), 6, y + 16);
            g.setColor(Color.DARK_GRAY);
            g.drawString(describe(gen.transform()), 6, y + 32);
            g.drawString("src " + gen.sourceId(), 6, y + 48);
            BufferedImage[] tiles = {
                e.original().toBufferedImage(),
                heat(e.cam(), e.original().width(), e.original().height()),
                masked(e.original(), e.foreground()),
                gen.image().toBufferedImage()};
            for (int t = 0; t < 4; t++) {
                g.drawImage(tiles[t], LABEL_WIDTH + t * (tw + GAP), y, tw, th, null);
            }
        }
        g.dispose();
        return out;
    }

    static String describe(ForegroundTransform t) {
        if (t instanceof ForegroundTransform.RotateScale r) {
            return String.format(java.util.Locale.ROOT, "rotate %.0f, scale %.2f", r.angle(), r.scale());
        }
        if (t instanceof ForegroundTransform.Translate tr) {
            return "translate (" + tr.dx() + ", " + tr.dy() + ")";
        }
        return "flip";
    }

    /** A jet colour map of values in [0, 1]; mid grey where there is no map (ImageTrans). */
    static BufferedImage heat(float[] cam, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, cam == null ? 0x808080 : jet(cam[y * w + x]));
            }
        }
        return img;
    }

    static int jet(double v) {
        double r = clamp(1.5 - Math.abs(4 * v - 3));
        double g = clamp(1.5 - Math.abs(4 * v - 2));
        double b = clamp(1.5 - Math.abs(4 * v - 1));
        return ((int) (255 * r) << 16) | ((int) (255 * g) << 8) | (int) (255 * b);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    /** The image with the background darkened to a quarter of its brightness. */
    static BufferedImage masked(RgbImage image, boolean[] fg) {
        BufferedImage img = image.toBufferedImage();
        int w = image.width();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < w; x++) {
                if (!fg[y * w + x]) {
                    int p = img.getRGB(x, y);
                    int r = ((p >> 16) & 0xff) / 4;
                    int g = ((p >> 8) & 0xff) / 4;
                    int b = (p & 0xff) / 4;
                    img.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
        }
        return img;
    }
}
