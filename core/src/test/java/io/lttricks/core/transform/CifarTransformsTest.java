package io.lttricks.core.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CifarTransformsTest {
    static final int S = 32;

    /** One 32x32 image whose channel c at (y, x) holds (c * 7 + y * 3 + x * 5) % 251 + 1 (never 0). */
    static InMemoryImages pattern() {
        byte[] px = new byte[3 * S * S];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    px[(c * S + y) * S + x] = (byte) ((c * 7 + y * 3 + x * 5) % 251 + 1);
                }
            }
        }
        return new InMemoryImages(List.of("a", "b"), S, S, px, new int[] {0}, new String[] {"0"},
                LabeledImages.IdKind.INDEX);
    }

    static float norm(int c, int v) {
        return (v / 255f - CifarTransforms.MEAN[c]) / CifarTransforms.STD[c];
    }

    @Test
    void testTransformOnlyNormalises() throws Exception {
        InMemoryImages img = pattern();
        float[] out = new float[3 * S * S];
        CifarTransforms.test(img).apply(img, 0, new SplittableRandom(1), out, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    assertEquals(norm(c, img.image(0).get(c, y, x)), out[(c * S + y) * S + x], 1e-6f);
                }
            }
        }
    }

    /** Every output is a pad-4 crop of the image (zero padding), flipped or not; all 81 offsets and both flips occur. */
    @Test
    void trainTransformIsAPaddedRandomCropWithFlip() throws Exception {
        InMemoryImages img = pattern();
        ImageTransform t = CifarTransforms.train(img);
        SplittableRandom rng = new SplittableRandom(42);
        java.util.Set<String> seen = new java.util.HashSet<>();
        float[] out = new float[3 * S * S];
        for (int trial = 0; trial < 3000; trial++) {
            t.apply(img, 0, rng, out, 0);
            String match = null;
            for (int dy = -4; dy <= 4 && match == null; dy++) {
                for (int dx = -4; dx <= 4 && match == null; dx++) {
                    for (int f = 0; f < 2 && match == null; f++) {
                        if (matches(img, out, dy, dx, f == 1)) {
                            match = dy + "," + dx + "," + f;
                        }
                    }
                }
            }
            assertTrue(match != null, "output " + trial + " is not a padded crop of the input");
            seen.add(match);
        }
        assertEquals(9 * 9 * 2, seen.size(), "all offsets and flips should occur");
    }

    private static boolean matches(InMemoryImages img, float[] out, int dy, int dx, boolean flip) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    int sy = y + dy;
                    int sx = (flip ? S - 1 - x : x) + dx;
                    int v = (sy < 0 || sy >= S || sx < 0 || sx >= S) ? 0 : img.image(0).get(c, sy, sx);
                    if (Math.abs(out[(c * S + y) * S + x] - norm(c, v)) > 1e-6f) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
