package io.lttricks.core.transform;

import io.lttricks.core.data.CroppableImages;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.RgbImage;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The ImageNet augmentation of Goyal et al., as the paper uses it for ImageNet-LT and iNaturalist:
 * training takes a random crop of 8%-100% of the area with aspect ratio in [3/4, 4/3] (Szegedy et
 * al.), resized to 224x224, flipped with probability 1/2; test images are resized so the shorter
 * edge is 256, then centre-cropped to 224. Normalised with the ImageNet mean and std. ImageNet-LT's
 * official config adds colour jitter to training (torchvision's {@code ColorJitter(0.4, 0.4, 0.4,
 * 0)}: brightness, contrast and saturation factors uniform in [0.6, 1.4], applied in a random order).
 *
 * <p>All of it works on the decoded planes directly: the crop is resized by {@link Resample} (PIL's
 * antialiased bilinear, as torchvision's PIL transforms), jitter and normalisation run on floats,
 * and only the output window is computed (the test transform's resize-then-centre-crop costs the
 * crop). docs/PERFORMANCE.md ("Input pipeline") has its speed against torchvision's DataLoader.
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

    /**
     * Writes 3 planes of size x size values in 0..255 into {@code dst} normalised, mirrored left
     * to right when {@code flip}.
     */
    static void write(float[] planes, int size, boolean flip, float[] dst, int offset) {
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            float scale = 1f / (255f * STD[c]);
            float shift = MEAN[c] / STD[c];
            int base = c * plane;
            for (int y = 0; y < size; y++) {
                int row = base + y * size;
                int o = offset + row;
                if (flip) {
                    for (int x = 0; x < size; x++) {
                        dst[o + x] = planes[row + size - 1 - x] * scale - shift;
                    }
                } else {
                    for (int x = 0; x < size; x++) {
                        dst[o + x] = planes[row + x] * scale - shift;
                    }
                }
            }
        }
    }

    /**
     * Colour jitter in place on 3 planes of {@code n} values in 0..255, as torchvision's
     * {@code ColorJitter(0.4, 0.4, 0.4, 0)}: brightness (scale), contrast (blend with the mean grey
     * level) and saturation (blend with each pixel's grey), each with a factor uniform in [0.6, 1.4],
     * in a random order, clamped to 0..255 after each step.
     */
    static void jitter(float[] p, int n, SplittableRandom rng) {
        int[] order = {0, 1, 2};
        for (int i = 2; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int op : order) {
            float f = (float) (0.6 + 0.8 * rng.nextDouble());
            if (op == 0) {
                for (int i = 0; i < 3 * n; i++) {
                    p[i] = clamp(f * p[i]);
                }
            } else if (op == 1) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += grey(p[i], p[n + i], p[2 * n + i]);
                }
                float mean = (float) (sum / n);
                float add = (1 - f) * mean;
                for (int i = 0; i < 3 * n; i++) {
                    p[i] = clamp(add + f * p[i]);
                }
            } else {
                float keep = 1 - f;
                for (int i = 0; i < n; i++) {
                    float add = keep * grey(p[i], p[n + i], p[2 * n + i]);
                    p[i] = clamp(add + f * p[i]);
                    p[n + i] = clamp(add + f * p[n + i]);
                    p[2 * n + i] = clamp(add + f * p[2 * n + i]);
                }
            }
        }
    }

    private static float grey(float r, float g, float b) {
        return 0.299f * r + 0.587f * g + 0.114f * b;
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(255f, v)); // intrinsics: vectorised, no branches
    }

    /**
     * The random crop {x, y, w, h}: torchvision's RandomResizedCrop.get_params for its 10 attempts
     * (area 8%-100%, aspect ratio 3/4-4/3, log-uniform), else the centred square of the shorter side.
     */
    static int[] crop(int w, int h, SplittableRandom rng) {
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
        return new int[] {cx, cy, cw, ch};
    }

    /** An RGB output of size x size. */
    private interface SquareRgb extends ImageTransform {
        int size();

        @Override
        default int channels() {
            return 3;
        }

        @Override
        default int height() {
            return size();
        }

        @Override
        default int width() {
            return size();
        }
    }

    private record Train(int size, boolean colourJitter) implements SquareRgb {
        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            RgbImage img;
            int[] box;
            if (images instanceof CroppableImages files) {
                // Decode only the crop: the same draws, made from the size in the file's header.
                int[][] chosen = new int[1][];
                img = files.image(index, (w, h) -> chosen[0] = crop(w, h, rng));
                box = new int[] {0, 0, chosen[0][2], chosen[0][3]};
            } else {
                img = images.image(index);
                box = crop(img.width(), img.height(), rng);
            }
            boolean flip = rng.nextBoolean();
            float[] crop = Resample.resize(img, box[0], box[1], box[2], box[3], size, size, 0, 0, size, size);
            if (colourJitter) {
                jitter(crop, size * size, rng);
            }
            write(crop, size, flip, dst, offset);
        }
    }

    private record Test(int size, int resize) implements SquareRgb {
        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            RgbImage img = images.image(index);
            int w = img.width();
            int h = img.height();
            double scale = (double) resize / Math.min(w, h);
            int rw = Math.max(size, (int) Math.round(w * scale));
            int rh = Math.max(size, (int) Math.round(h * scale));
            int cx = (rw - size) / 2;
            int cy = (rh - size) / 2;
            write(Resample.resize(img, 0, 0, w, h, rw, rh, cx, cy, size, size), size, false, dst, offset);
        }
    }

    private record Whole(int size) implements SquareRgb {
        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset)
                throws IOException {
            RgbImage img = images.image(index);
            write(Resample.resize(img, 0, 0, img.width(), img.height(), size, size, 0, 0, size, size), size, false,
                    dst, offset);
        }
    }
}
