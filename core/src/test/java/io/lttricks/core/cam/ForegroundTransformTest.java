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

    /** The official code's variant: the object moves; where it was, the transformed image shows through. */
    @Test
    void moveFillsTheVacatedRegionFromTheTransformedImage() {
        RgbImage img = noise(11);
        boolean[] fg = blob(2, 6, 9, 14, 12);
        ForegroundTransform.Result r = new ForegroundTransform.Flip().apply(img, fg, CamPaste.MOVE);
        assertBackgroundUnchanged(img, r);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean inRegion = fg[y * W + x] || fg[y * W + (W - 1 - x)];
                assertEquals(inRegion, r.pasted()[y * W + x]);
                if (inRegion) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(img.get(c, y, W - 1 - x), r.image().get(c, y, x));
                    }
                }
            }
        }
        ForegroundTransform.Result shifted = new ForegroundTransform.Translate(20, 0).apply(img, fg,
                CamPaste.MOVE);
        // Where the object was, the source lies 20 pixels to the left: outside the image, so black.
        assertEquals(0, shifted.image().get(0, 10, 5));
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
