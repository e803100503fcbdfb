package io.lttricks.core.transform;

import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import java.util.SplittableRandom;

/**
 * The CIFAR augmentation of He et al., as the paper uses it: pad 4 pixels with zeros, take a random
 * crop of the original size, flip horizontally with probability 1/2, normalise per channel with
 * mean (0.4914, 0.4822, 0.4465) and std (0.2023, 0.1994, 0.2010). Test images are only
 * normalised. Works on any fixed image size held in memory.
 */
public final class CifarTransforms {
    public static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    public static final float[] STD = {0.2023f, 0.1994f, 0.2010f};
    static final int PAD = 4;

    private CifarTransforms() {
    }

    public static ImageTransform train(InMemoryImages images) {
        return new Train(images.height(), images.width());
    }

    public static ImageTransform test(InMemoryImages images) {
        return new Test(images.height(), images.width());
    }

    private static InMemoryImages inMemory(LabeledImages images) {
        if (images instanceof InMemoryImages m) {
            return m;
        }
        throw new IllegalArgumentException("CIFAR transforms need images in memory");
    }

    /** Per-channel lookup: byte value to normalised float. */
    private static float[][] lut() {
        float[][] t = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                t[c][v] = (v / 255f - MEAN[c]) / STD[c];
            }
        }
        return t;
    }

    private record Train(int height, int width, float[][] lut) implements ImageTransform {
        Train(int height, int width) {
            this(height, width, CifarTransforms.lut());
        }

        @Override
        public int channels() {
            return 3;
        }

        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset) {
            InMemoryImages m = inMemory(images);
            byte[] px = m.pixels();
            int base = index * m.imageBytes();
            int dy = rng.nextInt(2 * PAD + 1) - PAD;
            int dx = rng.nextInt(2 * PAD + 1) - PAD;
            boolean flip = rng.nextBoolean();
            int h = height;
            int w = width;
            for (int c = 0; c < 3; c++) {
                float[] table = lut[c];
                float zero = table[0];
                int plane = base + c * h * w;
                int out = offset + c * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    int row = out + y * w;
                    if (sy < 0 || sy >= h) {
                        java.util.Arrays.fill(dst, row, row + w, zero);
                        continue;
                    }
                    int src = plane + sy * w;
                    for (int x = 0; x < w; x++) {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        dst[row + x] = (sx < 0 || sx >= w) ? zero : table[px[src + sx] & 0xff];
                    }
                }
            }
        }
    }

    private record Test(int height, int width, float[][] lut) implements ImageTransform {
        Test(int height, int width) {
            this(height, width, CifarTransforms.lut());
        }

        @Override
        public int channels() {
            return 3;
        }

        @Override
        public void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset) {
            InMemoryImages m = inMemory(images);
            byte[] px = m.pixels();
            int n = m.imageBytes();
            int base = index * n;
            int plane = height * width;
            for (int k = 0; k < n; k++) {
                dst[offset + k] = lut[k / plane][px[base + k] & 0xff];
            }
        }
    }
}
