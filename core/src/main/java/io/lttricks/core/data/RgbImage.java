package io.lttricks.core.data;

import java.awt.image.BufferedImage;

/**
 * A decoded 8-bit RGB image in planar (channel, row, column) order, the layout tensors use.
 *
 * @param width  columns
 * @param height rows
 * @param chw    3 * height * width bytes: the red plane, then green, then blue
 */
public record RgbImage(int width, int height, byte[] chw) {
    public RgbImage {
        if (width <= 0 || height <= 0 || chw.length != 3 * width * height) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs "
                    + 3L * width * height + " bytes, got " + chw.length);
        }
    }

    /** The value (0..255) of channel {@code c} at row {@code y}, column {@code x}. */
    public int get(int c, int y, int x) {
        return chw[(c * height + y) * width + x] & 0xff;
    }

    /** Channel {@code c} as values 0..255, row-major. */
    public int[] plane(int c) {
        int plane = width * height;
        int[] out = new int[plane];
        for (int i = 0; i < plane; i++) {
            out[i] = chw[c * plane + i] & 0xff;
        }
        return out;
    }

    public static RgbImage from(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        byte[] out = new byte[3 * plane];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int o = y * w + x;
                out[o] = (byte) (p >>> 16);
                out[plane + o] = (byte) (p >>> 8);
                out[2 * plane + o] = (byte) p;
            }
        }
        return new RgbImage(w, h, out);
    }

    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = y * width + x;
                row[x] = ((chw[o] & 0xff) << 16) | ((chw[plane + o] & 0xff) << 8) | (chw[2 * plane + o] & 0xff);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }
}
