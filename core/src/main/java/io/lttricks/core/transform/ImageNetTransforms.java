package io.lttricks.core.transform;

import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.RgbImage;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The ImageNet augmentation of Goyal et al., as the paper uses it for ImageNet-LT and iNaturalist:
 * training takes a random crop of 8%-100% of the area with aspect ratio in [3/4, 4/3] (Szegedy et
 * al.), resized to 224x224, flipped with probability 1/2; test images are resized so the shorter
 * edge is 256, then centre-cropped to 224. Normalised with the ImageNet mean and std. ImageNet-LT's
 * official config adds colour jitter to training (torchvision's {@code ColorJitter(0.4, 0.4, 0.4,
 * 0)}: brightness, contrast and saturation factors uniform in [0.6, 1.4], applied in a random order).
 */
public final class ImageNetTransforms {
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};

    private ImageNetTransforms() {
    }

    public static ImageTransform train(int size) {
        return new Train(size, false);
    }

    /** Training with colour jitter (ImageNet-LT's official augmentation). */
    public static ImageTransform train(int size, boolean colourJitter) {
        return new Train(size, colourJitter);
    }

    /**
     * The whole image resized to {@code size} x {@code size} (aspect not kept, nothing cropped), so
     * that a map over this input covers the whole original image: the view class activation maps
     * are computed on.
     */
    public static ImageTransform whole(int size) {
        return new Whole(size);
    }

    public static ImageTransform test(int size, int resize) {
        return new Test(size, resize);
    }

    static void write(BufferedImage img, boolean flip, float[] dst, int offset) {
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[flip ? w - 1 - x : x];
                int o = offset + y * w + x;
                dst[o] = (((p >>> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
                dst[o + plane] = (((p >>> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
                dst[o + 2 * plane] = ((p & 0xff) / 255f - MEAN[2]) / STD[2];
            }
        }
    }

    /**
     * Colour jitter in place, as torchvision's {@code ColorJitter(0.4, 0.4, 0.4, 0)}: brightness
     * (scale), contrast (blend with the mean grey level) and saturation (blend with each pixel's
     * grey), each with a factor uniform in [0.6, 1.4], in a random order, clamped after each step.
     */
    static void jitter(BufferedImage img, SplittableRandom rng) {
        int w = img.getWidth();
        int h = img.getHeight();
        int n = w * h;
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        float[] r = new float[n];
        float[] g = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = ((px[i] >>> 16) & 0xff) / 255f;
            g[i] = ((px[i] >>> 8) & 0xff) / 255f;
            b[i] = (px[i] & 0xff) / 255f;
        }
        int[] order = {0, 1, 2};
        for (int i = 2; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int op : order) {
            float f = (float) (0.6 + 0.8 * rng.nextDouble());
            float mean = 0;
            if (op == 1) {
                for (int i = 0; i < n; i++) {
                    mean += grey(r[i], g[i], b[i]) / n;
                }
            }
            for (int i = 0; i < n; i++) {
                float base = op == 0 ? 0 : op == 1 ? mean : grey(r[i], g[i], b[i]);
                r[i] = clamp(base + f * (r[i] - base));
                g[i] = clamp(base + f * (g[i] - base));
                b[i] = clamp(base + f * (b[i] - base));
            }
        }
        for (int i = 0; i < n; i++) {
            px[i] = Math.round(r[i] * 255) << 16 | Math.round(g[i] * 255) << 8 | Math.round(b[i] * 255);
        }
        img.setRGB(0, 0, w, h, px, 0, w);
    }

    private static float grey(float r, float g, float b) {
        return 0.299f * r + 0.587f * g + 0.114f * b;
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }

    static BufferedImage resize(BufferedImage src, int sx, int sy, int sw, int sh, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, sx, sy, sx + sw, sy + sh, null);
        g.dispose();
        return out;
    }

    private record Train(int size, boolean colourJitter) implements ImageTransform {
        @Override
        public int channels() {
            return 3;
        }

        @Override
        public int height() {
            return size;
        }

        @Override
        public int width() {
            return size;
        }

        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            RgbImage rgb = images.image(index);
            BufferedImage img = rgb.toBufferedImage();
            int w = img.getWidth();
            int h = img.getHeight();
            double area = (double) w * h;
            int cw = Math.min(w, h);
            int ch = cw;
            int cx = (w - cw) / 2;
            int cy = (h - ch) / 2;
            for (int attempt = 0; attempt < 10; attempt++) {
                double target = area * (0.08 + rng.nextDouble() * 0.92);
                double logRatio = Math.log(3.0 / 4) + rng.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
                double ratio = Math.exp(logRatio);
                int tw = (int) Math.round(Math.sqrt(target * ratio));
                int th = (int) Math.round(Math.sqrt(target / ratio));
                if (tw > 0 && th > 0 && tw <= w && th <= h) {
                    cw = tw;
                    ch = th;
                    cx = rng.nextInt(w - tw + 1);
                    cy = rng.nextInt(h - th + 1);
                    break;
                }
            }
            boolean flip = rng.nextBoolean();
            BufferedImage crop = resize(img, cx, cy, cw, ch, size, size);
            if (colourJitter) {
                jitter(crop, rng);
            }
            write(crop, flip, dst, offset);
        }
    }

    private record Test(int size, int resize) implements ImageTransform {
        @Override
        public int channels() {
            return 3;
        }

        @Override
        public int height() {
            return size;
        }

        @Override
        public int width() {
            return size;
        }

        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            BufferedImage img = images.image(index).toBufferedImage();
            int w = img.getWidth();
            int h = img.getHeight();
            double scale = (double) resize / Math.min(w, h);
            int rw = Math.max(size, (int) Math.round(w * scale));
            int rh = Math.max(size, (int) Math.round(h * scale));
            BufferedImage resized = ImageNetTransforms.resize(img, 0, 0, w, h, rw, rh);
            int cx = (rw - size) / 2;
            int cy = (rh - size) / 2;
            write(resized.getSubimage(cx, cy, size, size), false, dst, offset);
        }
    }

    private record Whole(int size) implements ImageTransform {
        @Override
        public int channels() {
            return 3;
        }

        @Override
        public int height() {
            return size;
        }

        @Override
        public int width() {
            return size;
        }

        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            BufferedImage img = images.image(index).toBufferedImage();
            write(resize(img, 0, 0, img.getWidth(), img.getHeight(), size, size), false, dst, offset);
        }
    }
}
