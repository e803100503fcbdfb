package io.lttricks.core.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.RgbImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The resize of a crop is PIL's bilinear resize with its box, as torchvision's RandomResizedCrop on PIL images. */
class ResampleTest {
    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ResampleTest.class.getResource("/io/lttricks/core/data/" + name).toURI());
    }

    /**
     * make_test_images.py: PIL's {@code crop((3, 2, 31, 25)).resize((16, 16), BILINEAR)} of a 40x30
     * random image (shrinking 1.75x by 1.44x: the antialiasing filter). PIL rounds to 8 bits after
     * each pass; ours keeps the fractions: within 1 level.
     */
    @Test
    void cropResizeEqualsPil() throws IOException, URISyntaxException {
        RgbImage src = FileImages.decode(resource("resample-src.png"));
        RgbImage pil = FileImages.decode(resource("resample-pil.png"));
        // The crop as its own image, as decoding only the crop gives it.
        int bx = 3;
        int by = 2;
        int bw = 28;
        int bh = 23;
        byte[] crop = new byte[3 * bw * bh];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < bh; y++) {
                for (int x = 0; x < bw; x++) {
                    crop[(c * bh + y) * bw + x] = (byte) src.get(c, by + y, bx + x);
                }
            }
        }
        float[] fromCrop = Resample.resize(new RgbImage(bw, bh, crop), 0, 0, bw, bh, 16, 16, 0, 0, 16, 16);
        float[] inPlace = Resample.resize(src, bx, by, bw, bh, 16, 16, 0, 0, 16, 16);
        double worst = 0;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int i = (c * 16 + y) * 16 + x;
                    worst = Math.max(worst, Math.abs(fromCrop[i] - pil.get(c, y, x)));
                    assertEquals(fromCrop[i], inPlace[i], 1e-3, "the box in the whole image resizes as the crop alone");
                }
            }
        }
        assertEquals(0, worst, 1.0, "largest difference from PIL, in levels");
    }

    @Test
    void sameSizeIsTheIdentityAndAWindowIsPartOfTheWhole() {
        byte[] px = new byte[3 * 20 * 12];
        new Random(2).nextBytes(px);
        RgbImage img = new RgbImage(20, 12, px);
        float[] same = Resample.resize(img, 0, 0, 20, 12, 20, 12, 0, 0, 20, 12);
        for (int i = 0; i < px.length; i++) {
            assertEquals(px[i] & 0xff, same[i], 1e-4);
        }
        float[] whole = Resample.resize(img, 0, 0, 20, 12, 33, 17, 0, 0, 33, 17);
        float[] window = Resample.resize(img, 0, 0, 20, 12, 33, 17, 5, 3, 9, 8);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 9; x++) {
                    assertEquals(whole[(c * 17 + y + 3) * 33 + x + 5], window[(c * 8 + y) * 9 + x], 1e-4);
                }
            }
        }
    }
}
