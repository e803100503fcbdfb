package io.lttricks.core.cam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.RgbImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenCvOps} and the official preset's generation against outputs of OpenCV 4.6 itself
 * (Debian's python3-opencv, 2026-12-07): random 8-bit planes warped by rotation matrices, 8-bit
 * maps resized, and whole generated images made by the official script's steps from a raw 3 x 4
 * feature map (quantised, resized, thresholded at 0.75 x mean, transformed and composed). The file
 * holds 12 cases of each; {@code -Dlt.opencvReference=FILE} runs a larger file of the same format.
 */
class OpenCvReferenceTest {
    @Test
    void matchesOpenCvPixelForPixel() throws IOException {
        String override = System.getProperty("lt.opencvReference");
        List<String> lines;
        if (override != null && !override.isBlank()) {
            lines = Files.readAllLines(Path.of(override));
        } else {
            try (InputStream in = getClass().getResourceAsStream("opencv-4.6-reference.txt")) {
                lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
            }
        }
        int[] seen = new int[3];
        for (int n = 0; n < lines.size(); n++) {
            String[] parts = lines.get(n).split(" \\| ");
            String[] head = parts[0].split(" ");
            String at = "line " + (n + 1) + " (" + parts[0] + ")";
            switch (head[0]) {
                case "warp" -> {
                    int w = Integer.parseInt(head[1]);
                    int h = Integer.parseInt(head[2]);
                    double[] m = OpenCvOps.rotationMatrix(Double.parseDouble(head[3]), Double.parseDouble(head[4]),
                            Double.parseDouble(head[5]), Double.parseDouble(head[6]));
                    assertArrayEquals(ints(parts[2]), OpenCvOps.warp(ints(parts[1]), w, h, m), at);
                    seen[0]++;
                }
                case "resize" -> {
                    int[] s = Arrays.stream(head, 1, 5).mapToInt(Integer::parseInt).toArray();
                    assertArrayEquals(ints(parts[2]), OpenCvOps.resize(ints(parts[1]), s[0], s[1], s[2], s[3]), at);
                    seen[1]++;
                }
                case "compose" -> {
                    compose(head, parts, at);
                    seen[2]++;
                }
                default -> throw new AssertionError(at + ": unknown case");
            }
        }
        assertTrue(seen[0] >= 12 && seen[1] >= 12 && seen[2] >= 12, "cases run: " + Arrays.toString(seen));
    }

    /** One image made as the script makes it, from its raw map, image and transformation. */
    private static void compose(String[] head, String[] parts, String at) {
        int w = Integer.parseInt(head[1]);
        int h = Integer.parseInt(head[2]);
        int[] bits = ints(parts[1]);
        float[] raw = new float[bits.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = Float.intBitsToFloat(bits[i]);
        }
        int[] map8 = ClassActivationMaps.quantised(raw, 3, 4, w, h);
        boolean[] fg = ClassActivationMaps.foreground(map8, 0.75);
        boolean[] nonZero = new boolean[fg.length];
        for (int i = 0; i < fg.length; i++) {
            nonZero[i] = fg[i] && map8[i] > 0;
        }
        int[] box = ForegroundTransform.officialBox(nonZero, w, h);
        ForegroundTransform t = switch (head[3]) {
            case "rotate" -> {
                assertEquals(Double.parseDouble(head[6]), (box[0] + box[2]) / 2.0, at + ": the box's centre x");
                assertEquals(Double.parseDouble(head[7]), (box[1] + box[3]) / 2.0, at + ": the box's centre y");
                yield new ForegroundTransform.RotateScale(Double.parseDouble(head[4]), Double.parseDouble(head[5]),
                        (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0);
            }
            case "translate" -> new ForegroundTransform.Translate(Integer.parseInt(head[4]), Integer.parseInt(head[5]));
            default -> new ForegroundTransform.Flip();
        };
        int[] img = ints(parts[2]);
        byte[] chw = new byte[img.length];
        for (int i = 0; i < img.length; i++) {
            chw[i] = (byte) img[i];
        }
        RgbImage out = t.applyOfficial(new RgbImage(w, h, chw), fg, map8, CamPaste.MOVE).image();
        int[] got = new int[out.chw().length];
        for (int i = 0; i < got.length; i++) {
            got[i] = out.chw()[i] & 0xff;
        }
        assertArrayEquals(ints(parts[3]), got, at);
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.trim().split(" ")).mapToLong(Long::parseLong).mapToInt(v -> (int) v).toArray();
    }
}
