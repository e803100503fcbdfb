package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JPEGs decode to the colours torchvision's loader sees ({@code Image.open(f).convert("RGB")}),
 * CMYK and greyscale included. The files are made by make_test_images.py next to them with PIL:
 * eight 16x16 colour patches, as an RGB, a greyscale and a CMYK (Adobe, inverted) JPEG.
 */
class ImageDecodingTest {
    /** The patches' colours (make_test_images.py) and their grey levels (PIL's L: 299 R + 587 G + 114 B). */
    static final int[][] PATCHES = {{200, 30, 40}, {30, 160, 60}, {40, 60, 190}, {230, 220, 40},
        {128, 128, 128}, {250, 250, 250}, {20, 20, 20}, {90, 200, 210}};
    static final int[] GREY = {82, 110, 69, 202, 128, 250, 20, 168};

    static Path resource(String name) {
        try {
            return Path.of(ImageDecodingTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The mean of each channel over the central 8x8 of patch {@code i}. */
    private static double[] patch(RgbImage img, int i) {
        int x0 = (i % 4) * 16 + 4;
        int y0 = (i / 4) * 16 + 4;
        double[] mean = new double[3];
        for (int c = 0; c < 3; c++) {
            for (int y = y0; y < y0 + 8; y++) {
                for (int x = x0; x < x0 + 8; x++) {
                    mean[c] += img.get(c, y, x) / 64.0;
                }
            }
        }
        return mean;
    }

    private static void assertPatches(RgbImage img, int[][] expected, double tolerance, String what) {
        assertEquals(64, img.width());
        assertEquals(32, img.height());
        for (int i = 0; i < expected.length; i++) {
            double[] got = patch(img, i);
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[i][c], got[c], tolerance, what + " patch " + i + " channel " + c + ": "
                        + Arrays.toString(got) + " for " + Arrays.toString(expected[i]));
            }
        }
    }

    @Test
    void colourJpegGivesItsColours() throws IOException {
        assertPatches(FileImages.decode(resource("patches-rgb.jpg")), PATCHES, 4, "RGB");
    }

    /** The JDK's reader alone gives wrong colours for these (or fails); PIL's naive conversion gives the patches back. */
    @Test
    void cmykJpegGivesTheColoursPilGives() throws IOException {
        assertPatches(FileImages.decode(resource("patches-cmyk.jpg")), PATCHES, 4, "CMYK");
    }

    /** The stored grey level in all three channels (not the JDK's linear-grey brightening: 128 would read 187). */
    @Test
    void greyscaleJpegGivesItsGreyLevelsInEveryChannel() throws IOException {
        int[][] grey = new int[GREY.length][];
        for (int i = 0; i < GREY.length; i++) {
            grey[i] = new int[] {GREY[i], GREY[i], GREY[i]};
        }
        assertPatches(FileImages.decode(resource("patches-grey.jpg")), grey, 3, "grey");
    }

    /** Decoding a region gives exactly that part of the whole image, for every kind of JPEG. */
    @Test
    void regionIsThePartOfTheWholeImage() throws IOException {
        for (String name : List.of("patches-rgb.jpg", "patches-cmyk.jpg", "patches-grey.jpg")) {
            Path file = resource(name);
            FileImages one = new FileImages(file.getParent(), List.of("a"), new String[] {name}, new int[] {0});
            RgbImage whole = one.image(0);
            int[] size = new int[2];
            RgbImage part = one.image(0, (w, h) -> {
                size[0] = w;
                size[1] = h;
                return new int[] {13, 7, 29, 19};
            });
            assertArrayEquals(new int[] {64, 32}, size, "the region is chosen from the header's size");
            assertEquals(29, part.width());
            assertEquals(19, part.height());
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 19; y++) {
                    for (int x = 0; x < 29; x++) {
                        assertEquals(whole.get(c, 7 + y, 13 + x), part.get(c, y, x), name + " at " + c + "," + y + "," + x);
                    }
                }
            }
        }
    }

    @Test
    void pngStillDecodes() throws IOException {
        RgbImage img = FileImages.decode(resource("resample-src.png"));
        assertEquals(40, img.width());
        assertEquals(30, img.height());
        assertTrue(img.get(0, 0, 0) >= 0);
    }
}
