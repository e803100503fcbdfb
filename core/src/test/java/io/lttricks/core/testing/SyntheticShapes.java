package io.lttricks.core.testing;

import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import java.util.List;
import java.util.Random;

/**
 * Objects with a known mask on textured backgrounds, for testing localisation: class 0 a red disc,
 * 1 a green square, 2 a blue triangle, 3 a yellow plus sign; random size, placed off-centre; the
 * background is coloured noise with a random gradient, never the objects' saturated colours.
 */
public final class SyntheticShapes {
    public static final List<String> CLASSES = List.of("disc", "square", "triangle", "plus");
    private static final int[][] COLOURS = {{220, 40, 40}, {40, 200, 60}, {50, 70, 230}, {230, 210, 40}};
    public static final int SIZE = 32;

    /** The images and, for each, its object mask (row-major). */
    public record Data(InMemoryImages images, boolean[][] masks) {
    }

    private SyntheticShapes() {
    }

    public static Data make(int[] perClass, long seed) {
        Random r = new Random(seed);
        int n = 0;
        for (int c : perClass) {
            n += c;
        }
        int plane = SIZE * SIZE;
        byte[] px = new byte[n * 3 * plane];
        int[] labels = new int[n];
        String[] ids = new String[n];
        boolean[][] masks = new boolean[n][];
        int k = 0;
        for (int round = 0; k < n; round++) {
            for (int c = 0; c < perClass.length && k < n; c++) {
                if (round >= perClass[c]) {
                    continue;
                }
                labels[k] = c;
                ids[k] = String.valueOf(k);
                masks[k] = draw(c, r, px, k * 3 * plane);
                k++;
            }
        }
        return new Data(new InMemoryImages(CLASSES, SIZE, SIZE, px, labels, ids, LabeledImages.IdKind.INDEX), masks);
    }

    /** A coordinate in the first or the last third of the image, the object inside the image. */
    private static int off(int half, Random r) {
        int lo = half + 1;
        int hi = SIZE - half - 2;
        int band = (hi - lo) / 3;
        return r.nextBoolean() ? lo + r.nextInt(band + 1) : hi - r.nextInt(band + 1);
    }

    private static boolean[] draw(int c, Random r, byte[] px, int base) {
        int plane = SIZE * SIZE;
        double gx = r.nextDouble() * 2 - 1;
        double gy = r.nextDouble() * 2 - 1;
        int[] tint = {90 + r.nextInt(60), 90 + r.nextInt(60), 90 + r.nextInt(60)};
        int half = 4 + r.nextInt(3);
        // Away from the centre, so that a centred guess of the object is no good.
        int cx = off(half, r);
        int cy = off(half, r);
        boolean[] mask = new boolean[plane];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int dx = x - cx;
                int dy = y - cy;
                boolean in = switch (c) {
                    case 0 -> dx * dx + dy * dy <= half * half;
                    case 1 -> Math.abs(dx) <= half - 1 && Math.abs(dy) <= half - 1;
                    case 2 -> dy >= -half && dy <= half && Math.abs(dx) <= (dy + half) / 2;
                    default -> (Math.abs(dx) <= 2 && Math.abs(dy) <= half) || (Math.abs(dy) <= 2 && Math.abs(dx) <= half);
                };
                mask[y * SIZE + x] = in;
                for (int ch = 0; ch < 3; ch++) {
                    int v;
                    if (in) {
                        v = COLOURS[c][ch] + (int) (r.nextGaussian() * 12);
                    } else {
                        v = tint[ch] + (int) (40 * (gx * x + gy * y) / SIZE) + (int) (r.nextGaussian() * 25);
                    }
                    px[base + ch * plane + y * SIZE + x] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return mask;
    }
}
