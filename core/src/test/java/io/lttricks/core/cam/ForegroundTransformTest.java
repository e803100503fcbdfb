package io.lttricks.core.cam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.RgbImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pixel-level checks of the three transformations. */
class ForegroundTransformTest {
    static final int W = 32;
    static final int H = 32;

    static RgbImage noise(long seed) {
        byte[] b = new byte[3 * W * H];
        new Random(seed).nextBytes(b);
        return new RgbImage(W, H, b);
    }

    /** An irregular blob inside [x0, x1] x [y0, y1]. */
    static boolean[] blob(int x0, int y0, int x1, int y1, long seed) {
        Random r = new Random(seed);
        boolean[] m = new boolean[W * H];
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                m[y * W + x] = r.nextInt(5) > 0 || x == x0 || x == x1 || y == y0 || y == y1;
            }
        }
        return m;
    }

    static int count(boolean[] m) {
        int n = 0;
        for (boolean b : m) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    static void assertBackgroundUnchanged(RgbImage before, ForegroundTransform.Result r) {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < W * H; i++) {
                if (!r.pasted()[i]) {
                    assertEquals(before.chw()[c * W * H + i], r.image().chw()[c * W * H + i], "pixel " + i + " changed");
                }
            }
        }
    }

    @Test
    void flipMirrorsExactlyTheForeground() {
        RgbImage img = noise(1);
        boolean[] fg = blob(3, 5, 12, 20, 2);
        ForegroundTransform.Result r = new ForegroundTransform.Flip().apply(img, fg);
        assertBackgroundUnchanged(img, r);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int mirrored = y * W + (W - 1 - x);
                assertEquals(fg[mirrored], r.pasted()[y * W + x]);
                if (fg[mirrored]) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(img.get(c, y, W - 1 - x), r.image().get(c, y, x));
                    }
                }
            }
        }
        assertEquals(count(fg), count(r.pasted()));
    }

    @Test
    void translationMovesTheForegroundByTheShiftAndKeepsItWhole() {
        RgbImage img = noise(3);
        boolean[] fg = blob(10, 4, 18, 15, 4);
        int dx = -10;
        int dy = 16;
        ForegroundTransform.Result r = new ForegroundTransform.Translate(dx, dy).apply(img, fg);
        assertBackgroundUnchanged(img, r);
        assertEquals(count(fg), count(r.pasted()), "nothing leaves the image");
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (fg[y * W + x]) {
                    assertTrue(r.pasted()[(y + dy) * W + x + dx]);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(img.get(c, y, x), r.image().get(c, y + dy, x + dx));
                    }
                }
            }
        }
    }

    @Test
    void identityRotationChangesNothing() {
        RgbImage img = noise(5);
        boolean[] fg = blob(4, 4, 20, 20, 6);
        ForegroundTransform.Result r = new ForegroundTransform.RotateScale(0, 1, 12, 12).apply(img, fg);
        assertArrayEquals(fg, r.pasted());
        assertArrayEquals(img.chw(), r.image().chw());
    }

    /** OpenCV's convention: a positive angle turns counter-clockwise on screen (y down). */
    @Test
    void quarterTurnMovesRightOfCentreToAboveIt() {
        RgbImage img = noise(7);
        boolean[] fg = new boolean[W * H];
        fg[16 * W + 20] = true;   // (x 20, y 16), 4 right of the centre (16, 16)
        ForegroundTransform.Result r = new ForegroundTransform.RotateScale(90, 1, 16, 16).apply(img, fg);
        assertEquals(1, count(r.pasted()));
        assertTrue(r.pasted()[12 * W + 16], "should land 4 above the centre");
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(c, 16, 20), r.image().get(c, 12, 16));
        }
        assertBackgroundUnchanged(img, r);
    }

    @Test
    void scalingGrowsTheForegroundAboutItsCentre() {
        RgbImage img = noise(9);
        boolean[] fg = blob(12, 12, 19, 19, 10);
        java.util.Arrays.fill(fg, false);
        for (int y = 12; y <= 19; y++) {
            for (int x = 12; x <= 19; x++) {
                fg[y * W + x] = true;
            }
        }
        ForegroundTransform.Result r = new ForegroundTransform.RotateScale(0, 1.2, 15.5, 15.5).apply(img, fg);
        int pasted = count(r.pasted());
        assertTrue(pasted > 64 * 1.3 && pasted < 64 * 1.6, "1.2x scale of an 8x8 square covers ~92 pixels, got " + pasted);
        assertBackgroundUnchanged(img, r);
    }

    /** The official script's composition: the object moves; where it was, the transformed image shows through. */
    @Test
    void moveFillsTheVacatedRegionFromTheTransformedImage() {
        RgbImage img = noise(11);
        boolean[] fg = blob(2, 6, 9, 14, 12);
        ForegroundTransform.Result r = new ForegroundTransform.Flip().apply(img, fg, CamPaste.MOVE);
        assertBackgroundUnchanged(img, r);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean inRegion = fg[y * W + x] || fg[y * W + (W - 1 - x)];
                for (int c = 0; c < 3; c++) {
                    int mirrored = img.get(c, y, W - 1 - x);
                    // A channel the mirrored image has at 0 keeps the source's value (the script tests non-zero).
                    assertEquals(inRegion && mirrored != 0 ? mirrored : img.get(c, y, x), r.image().get(c, y, x));
                }
            }
        }
        ForegroundTransform.Result shifted = new ForegroundTransform.Translate(20, 0).apply(img, fg,
                CamPaste.MOVE);
        // Where the object was, the source lies 20 pixels to the left, outside the image: the original stays.
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(c, 10, 5), shifted.image().get(c, 10, 5));
        }
    }

    // ---- The official preset, pixel by pixel against the script's rule worked out by hand ----
    // The script keeps the transformed whole image only within (source foreground) or (where the
    // transformed map is non-zero), and there replaces the source's channel values that the kept
    // image has non-zero; everywhere else, out-of-frame included, the source's pixel stays.

    /** A w x h image whose channel c at (x, y) is 1 + x + 10 y + 100 c: every value distinct, none 0. */
    static RgbImage numbered(int w, int h) {
        byte[] b = new byte[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    b[(c * h + y) * w + x] = (byte) (1 + x + 10 * y + 100 * c);
                }
            }
        }
        return new RgbImage(w, h, b);
    }

    static boolean[] mask(int w, int h, int[]... xy) {
        boolean[] m = new boolean[w * h];
        for (int[] p : xy) {
            m[p[1] * w + p[0]] = true;
        }
        return m;
    }

    /** A map of 200 on the foreground and 20 elsewhere. */
    static int[] map8(boolean[] fg) {
        int[] m = new int[fg.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = fg[i] ? 200 : 20;
        }
        return m;
    }

    /** Asserts the image equals {@code src} except at the listed pixels, which hold src's pixel at the paired source. */
    static void assertPixels(RgbImage src, RgbImage out, int[][] changedFrom) {
        byte[] expected = src.chw().clone();
        int w = src.width();
        int plane = w * src.height();
        for (int[] p : changedFrom) {
            for (int c = 0; c < 3; c++) {
                expected[c * plane + p[1] * w + p[0]] = (byte) src.get(c, p[3], p[2]);
            }
        }
        assertArrayEquals(expected, out.chw());
    }

    /**
     * Translation by (+4, +1) of a 2 x 2 object at x 1-2, y 1-2 of an 8 x 5 image: it lands at x
     * 5-6, y 2-3; where it was, the transformed image would come from x -3..-2, outside the frame,
     * so the source stays there (the object shows twice, as in the script).
     */
    @Test
    void officialTranslationKeepsTheOriginalWhereNothingCameIn() {
        int w = 8;
        int h = 5;
        RgbImage img = numbered(w, h);
        boolean[] fg = mask(w, h, new int[] {1, 1}, new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 2});
        ForegroundTransform.Result r = new ForegroundTransform.Translate(4, 1).applyOfficial(img, fg, map8(fg),
                CamPaste.MOVE);
        assertPixels(img, r.image(), new int[][] {
            {5, 2, 1, 1}, {6, 2, 2, 1}, {5, 3, 1, 2}, {6, 3, 2, 2}});   // landed: from the object
        // Back by one: the vacated pixels are filled from the shifted image, which is inside the frame.
        ForegroundTransform.Result back = new ForegroundTransform.Translate(-1, 0).applyOfficial(img, fg, map8(fg),
                CamPaste.MOVE);
        assertPixels(img, back.image(), new int[][] {
            {0, 1, 1, 1}, {1, 1, 2, 1}, {0, 2, 1, 2}, {1, 2, 2, 2},    // landed
            {2, 1, 3, 1}, {2, 2, 3, 2}});                              // vacated: from one to the right
    }

    /**
     * Flip of a 5 x 3 image with an object at (0, 0), (1, 0), (0, 1): it lands at (4, 0), (3, 0),
     * (4, 1), and its own pixels show the mirrored image; a channel at 0 in the mirrored image
     * keeps the source's value.
     */
    @Test
    void officialFlipMirrorsTheObjectAndFillsWhereItWas() {
        int w = 5;
        int h = 3;
        byte[] b = numbered(w, h).chw().clone();
        b[w * h + 0 * w + 4] = 0;   // green at (4, 0) is 0: (0, 0) keeps its own green
        RgbImage img = new RgbImage(w, h, b);
        boolean[] fg = mask(w, h, new int[] {0, 0}, new int[] {1, 0}, new int[] {0, 1});
        ForegroundTransform.Result r = new ForegroundTransform.Flip().applyOfficial(img, fg, map8(fg), CamPaste.MOVE);
        byte[] expected = b.clone();
        int[][] changedFrom = {{4, 0, 0, 0}, {3, 0, 1, 0}, {4, 1, 0, 1}, {0, 0, 4, 0}, {1, 0, 3, 0}, {0, 1, 4, 1}};
        for (int[] p : changedFrom) {
            for (int c = 0; c < 3; c++) {
                expected[(c * h + p[1]) * w + p[0]] = (byte) img.get(c, p[3], p[2]);
            }
        }
        expected[w * h + 0] = (byte) img.get(1, 0, 0);
        assertArrayEquals(expected, r.image().chw());
    }

    /**
     * A quarter turn (90 degrees, scale 1) about (1, 1) of a 6 x 4 image: (x, y) goes to (y, 2 - x),
     * so output (x', y') comes from (2 - y', x'). The object (1, 1), (2, 1), (5, 3): (1, 1) stays,
     * (2, 1) lands at (1, 0), (5, 3) lands at (3, -3), outside. Where (2, 1) was, the image from
     * (1, 2) shows; where (5, 3) was, the source would be (-1, 5): nothing, so the original stays.
     */
    @Test
    void officialQuarterTurnFollowsTheScriptsRule() {
        int w = 6;
        int h = 4;
        RgbImage img = numbered(w, h);
        boolean[] fg = mask(w, h, new int[] {1, 1}, new int[] {2, 1}, new int[] {5, 3});
        ForegroundTransform t = new ForegroundTransform.RotateScale(90, 1, 1, 1);
        ForegroundTransform.Result r = t.applyOfficial(img, fg, map8(fg), CamPaste.MOVE);
        assertPixels(img, r.image(), new int[][] {{1, 0, 2, 1}, {2, 1, 1, 2}});
        assertArrayEquals(mask(w, h, new int[] {1, 0}, new int[] {1, 1}, new int[] {2, 1}), r.pasted());
    }

    /**
     * Scaling by 2 about (0, 0) of a 4 x 3 image: output (x', y') samples the source at (x'/2, y'/2),
     * so odd coordinates fall half-way between pixels and take OpenCV's bilinear mean rounded half
     * up: floor((a + b + 1) / 2) of two pixels, floor((a + b + c + d + 2) / 4) of four, a tap outside
     * the frame counting 0. The object (0, 0), (1, 0) lands on x' 0-3, y' 0-1 (where the warped map
     * is non-zero); where (1, 0) was, the warped image shows.
     */
    @Test
    void officialScalingSamplesBilinearlyWithABlackBorder() {
        int w = 4;
        int h = 3;
        RgbImage img = numbered(w, h);
        boolean[] fg = mask(w, h, new int[] {0, 0}, new int[] {1, 0});
        ForegroundTransform t = new ForegroundTransform.RotateScale(0, 2, 0, 0);
        ForegroundTransform.Result r = t.applyOfficial(img, fg, map8(fg), CamPaste.MOVE);
        assertArrayEquals(mask(w, h, new int[] {0, 0}, new int[] {1, 0}, new int[] {2, 0}, new int[] {3, 0},
                new int[] {0, 1}, new int[] {1, 1}, new int[] {2, 1}, new int[] {3, 1}), r.pasted());
        for (int c = 0; c < 3; c++) {
            int o = 100 * c;   // channel c's value at (x, y) is 1 + x + 10 y + o
            assertEquals(1 + o, r.image().get(c, 0, 0));
            assertEquals((1 + o + 2 + o + 1) / 2, r.image().get(c, 0, 1));                 // between (0,0) and (1,0)
            assertEquals(2 + o, r.image().get(c, 0, 2));
            assertEquals((2 + o + 3 + o + 1) / 2, r.image().get(c, 0, 3));
            assertEquals((1 + o + 11 + o + 1) / 2, r.image().get(c, 1, 0));                // between rows 0 and 1
            assertEquals((1 + o + 2 + o + 11 + o + 12 + o + 2) / 4, r.image().get(c, 1, 1)); // four pixels
            assertEquals(img.get(c, 2, 0), r.image().get(c, 2, 0), "outside the landed region: the source");
        }
        // Out of the frame: the 4 x 3 image scaled by 2 about a corner samples (3.5, 0) at x' 7 of a wider
        // output; here, a tap beyond the last column reads 0, so at the right edge the mean halves.
        int[] plane = {10, 20, 30, 40};
        int[] warped = OpenCvOps.warp(plane, 4, 1, new double[] {2, 0, -3, 0, 1, 0});
        // x' = 2 x - 3: x' 0 <- 1.5 (20, 30), x' 1 <- 2, x' 2 <- 2.5, x' 3 <- 3 (40)
        assertArrayEquals(new int[] {25, 30, 35, 40}, warped);
        int[] edge = OpenCvOps.warp(plane, 4, 1, new double[] {2, 0, -4, 0, 1, 0});
        // x' = 2 x - 4: x' 3 <- 3.5, between 40 and the black beyond the frame: 20
        assertArrayEquals(new int[] {30, 35, 40, 20}, edge);
    }

    /** ImageTrans has no map: the whole image moves, and what comes from outside the frame keeps the original. */
    @Test
    void officialWholeImageTranslationKeepsTheUncoveredStrip() {
        int w = 4;
        int h = 2;
        RgbImage img = numbered(w, h);
        boolean[] all = new boolean[w * h];
        java.util.Arrays.fill(all, true);
        ForegroundTransform.Result r = new ForegroundTransform.Translate(1, 0).applyOfficial(img, all, null,
                CamPaste.MOVE);
        assertPixels(img, r.image(), new int[][] {{1, 0, 0, 0}, {2, 0, 1, 0}, {3, 0, 2, 0},
            {1, 1, 0, 1}, {2, 1, 1, 1}, {3, 1, 2, 1}});
    }

    @Test
    void boundingBoxOfAMask() {
        boolean[] fg = blob(3, 5, 12, 20, 2);
        assertArrayEquals(new int[] {3, 5, 12, 20}, ForegroundTransform.boundingBox(fg, W, H));
        assertEquals(null, ForegroundTransform.boundingBox(new boolean[W * H], W, H));
    }

    /** The official script's loops stop at the second row/column that holds foreground. */
    @Test
    void officialBoxIsTheFirstTwoRowsAndColumns() {
        int w = 10;
        int h = 8;
        boolean[] m = new boolean[w * h];
        for (int y = 2; y <= 5; y++) {
            for (int x = 3; x <= 7; x++) {
                m[y * w + x] = true;
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 2, 7, 5}, ForegroundTransform.boundingBox(m, w, h));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 2, 4, 3}, ForegroundTransform.officialBox(m, w, h));
        boolean[] one = new boolean[w * h];
        one[4 * w + 6] = true;
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {6, 4, -1, -1}, ForegroundTransform.officialBox(one, w, h),
                "a single row and column leave the maxima at -1, as the script's loops do");
        org.junit.jupiter.api.Assertions.assertNull(ForegroundTransform.officialBox(new boolean[w * h], w, h));
    }
}
