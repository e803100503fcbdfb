package io.lttricks.core.cam;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.lttricks.core.data.RgbImage;

/**
 * One transformation of CAM-based sampling, applied to the foreground only. With
 * {@link CamPaste#OVER} (the paper's description, the default) the transformed foreground is pasted
 * over the untouched original: every pixel outside the pasted region keeps its value. With
 * {@link CamPaste#MOVE} (the official script) the region the foreground left is filled from the
 * transformed image too, so the object moves instead of appearing twice; where the transformation
 * brought nothing in from outside the frame the original stays ({@link #compose}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ForegroundTransform.RotateScale.class, name = "rotate_scale"),
    @JsonSubTypes.Type(value = ForegroundTransform.Translate.class, name = "translate"),
    @JsonSubTypes.Type(value = ForegroundTransform.Flip.class, name = "flip")})
public sealed interface ForegroundTransform {

    /**
     * The generated image and where the transformed foreground landed.
     *
     * @param pasted row-major mask of the pixels taken from the transformed image
     */
    record Result(RgbImage image, boolean[] pasted) {
    }

    /** Where output pixel (x, y) comes from in the source, as (sx, sy); the source pixel must be foreground. */
    double[] sourceOf(int x, int y, int w, int h);

    /** Whether this transformation samples between pixels (rotation, scaling) or copies them. */
    default boolean interpolates() {
        return false;
    }

    default Result apply(RgbImage image, boolean[] foreground) {
        return apply(image, foreground, CamPaste.OVER);
    }

    /** The generated image: see {@link CamPaste}. */
    default Result apply(RgbImage image, boolean[] fg, CamPaste paste) {
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        byte[] src = image.chw();
        int[][] moved = new int[3][plane];
        boolean[] landed = new boolean[plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] s = sourceOf(x, y, w, h);
                int nx = (int) Math.round(s[0]);
                int ny = (int) Math.round(s[1]);
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) {
                    continue;   // nothing comes in from outside the frame: 0, as a warp with a black border
                }
                int o = y * w + x;
                landed[o] = fg[ny * w + nx];
                for (int c = 0; c < 3; c++) {
                    moved[c][o] = interpolates() ? (int) Math.round(bilinear(src, c * plane, w, h, s[0], s[1]))
                            : src[c * plane + ny * w + nx] & 0xff;
                }
            }
        }
        return compose(image, moved, fg, landed, paste);
    }

    /**
     * The official script's generation (the {@link CamPreset#OFFICIAL} preset), step for step: the
     * whole image and the source's 8-bit map, zeroed outside the foreground, are warped alike by
     * OpenCV's bilinear warp with a black border ({@link OpenCvOps}); the foreground landed where the
     * warped map is non-zero (for the flip: where the flipped map clears the threshold, that is the
     * flipped foreground). Then {@link #compose}.
     *
     * @param fg   the source's foreground: map >= factor x mean(map)
     * @param map8 the source's map at its size, 0-255; null for ImageTrans (all foreground, no map)
     */
    default Result applyOfficial(RgbImage image, boolean[] fg, int[] map8, CamPaste paste) {
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        int[][] moved = new int[3][];
        boolean[] landed = new boolean[plane];
        double[] m = matrix();
        if (m == null) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    landed[y * w + x] = fg[y * w + (w - 1 - x)];
                }
            }
            for (int c = 0; c < 3; c++) {
                moved[c] = OpenCvOps.flip(image.plane(c), w, h);
            }
        } else {
            int[] kept = new int[plane];
            for (int i = 0; i < plane; i++) {
                kept[i] = fg[i] ? (map8 == null ? 255 : map8[i]) : 0;
            }
            int[] warped = OpenCvOps.warp(kept, w, h, m);
            for (int i = 0; i < plane; i++) {
                landed[i] = warped[i] != 0;
            }
            for (int c = 0; c < 3; c++) {
                moved[c] = OpenCvOps.warp(image.plane(c), w, h, m);
            }
        }
        return compose(image, moved, fg, landed, paste);
    }

    /**
     * The forward 2 x 3 affine matrix of this transformation, as OpenCV's warpAffine takes it; null
     * for the flip, which is no warp.
     */
    double[] matrix();

    /**
     * The generated image from the source, the transformed whole image ({@code moved}, one plane per
     * channel, 0 where nothing came in from inside the frame), the source's foreground and where the
     * transformed foreground landed.
     * <ul>
     *   <li>{@link CamPaste#OVER}: the landed pixels are taken from the transformed image; every other
     *       pixel keeps the source's value.</li>
     *   <li>{@link CamPaste#MOVE} (the official script's composition): within the source's foreground and
     *       the landed region, each channel is taken from the transformed image wherever it is non-zero;
     *       everywhere else, including where the warp brought nothing in from outside the frame, the
     *       source's value stays.</li>
     * </ul>
     */
    static Result compose(RgbImage image, int[][] moved, boolean[] fg, boolean[] landed, CamPaste paste) {
        int plane = image.width() * image.height();
        byte[] out = image.chw().clone();
        boolean[] pasted = new boolean[plane];
        boolean move = paste == CamPaste.MOVE;
        for (int o = 0; o < plane; o++) {
            if (!(landed[o] || move && fg[o])) {
                continue;
            }
            for (int c = 0; c < 3; c++) {
                int v = moved[c][o];
                if (!move || v != 0) {
                    out[c * plane + o] = (byte) v;
                    pasted[o] = true;
                }
            }
        }
        return new Result(new RgbImage(image.width(), image.height(), out), pasted);
    }

    private static double bilinear(byte[] p, int base, int w, int h, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        int xa = Math.max(0, Math.min(w - 1, x0));
        int xb = Math.max(0, Math.min(w - 1, x0 + 1));
        int ya = Math.max(0, Math.min(h - 1, y0));
        int yb = Math.max(0, Math.min(h - 1, y0 + 1));
        double top = (p[base + ya * w + xa] & 0xff) * (1 - fx) + (p[base + ya * w + xb] & 0xff) * fx;
        double bottom = (p[base + yb * w + xa] & 0xff) * (1 - fx) + (p[base + yb * w + xb] & 0xff) * fx;
        return Math.max(0, Math.min(255, top * (1 - fy) + bottom * fy));
    }

    /**
     * Rotation by {@code angle} degrees (counter-clockwise on screen, OpenCV's convention) and
     * scaling by {@code scale}, both about ({@code cx}, {@code cy}), the centre of the foreground's
     * bounding box. Pixels are sampled bilinearly, the mask by nearest neighbour; the part of the
     * foreground that would leave the image is cut off at its border.
     */
    record RotateScale(double angle, double scale, double cx, double cy) implements ForegroundTransform {
        @Override
        public double[] sourceOf(int x, int y, int w, int h) {
            double t = Math.toRadians(angle);
            double a = scale * Math.cos(t);
            double b = scale * Math.sin(t);
            // Forward map (as cv2.getRotationMatrix2D): x' = a x + b y + tx, y' = -b x + a y + ty.
            double tx = (1 - a) * cx - b * cy;
            double ty = b * cx + (1 - a) * cy;
            double det = a * a + b * b;
            double u = x - tx;
            double v = y - ty;
            return new double[] {(a * u - b * v) / det, (b * u + a * v) / det};
        }

        @Override
        public double[] matrix() {
            return OpenCvOps.rotationMatrix(cx, cy, angle, scale);
        }

        @Override
        public boolean interpolates() {
            return true;
        }
    }

    /** Translation of the foreground by ({@code dx}, {@code dy}) pixels. */
    record Translate(int dx, int dy) implements ForegroundTransform {
        @Override
        public double[] sourceOf(int x, int y, int w, int h) {
            return new double[] {x - dx, y - dy};
        }

        @Override
        public double[] matrix() {
            return new double[] {1, 0, dx, 0, 1, dy};
        }
    }

    /** Horizontal flip of the foreground (mirrored about the image's vertical centre line). */
    record Flip() implements ForegroundTransform {
        @Override
        public double[] sourceOf(int x, int y, int w, int h) {
            return new double[] {w - 1 - x, y};
        }

        @Override
        public double[] matrix() {
            return null;
        }
    }

    /**
     * The official script's "box" {xmin, ymin, xmax, ymax}: its loops record the first row (column)
     * that holds foreground and stop at the second one, so xmax/ymax are the second such column/row
     * (usually xmin + 1), or -1 when there is only one. The rotation centre and the translation
     * range of the official preset come from it. Null when the mask is empty.
     */
    static int[] officialBox(boolean[] mask, int w, int h) {
        int[] rows = firstTwo(h, y -> {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x]) {
                    return true;
                }
            }
            return false;
        });
        int[] cols = firstTwo(w, x -> {
            for (int y = 0; y < h; y++) {
                if (mask[y * w + x]) {
                    return true;
                }
            }
            return false;
        });
        return rows[0] < 0 ? null : new int[] {cols[0], rows[0], cols[1], rows[1]};
    }

    private static int[] firstTwo(int n, java.util.function.IntPredicate any) {
        int first = -1;
        for (int i = 0; i < n; i++) {
            if (any.test(i)) {
                if (first >= 0) {
                    return new int[] {first, i};
                }
                first = i;
            }
        }
        return new int[] {first, -1};
    }

    /** Bounding box {xmin, ymin, xmax, ymax} of a mask, or null when it is empty. */
    static int[] boundingBox(boolean[] mask, int w, int h) {
        int xmin = w;
        int ymin = h;
        int xmax = -1;
        int ymax = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y * w + x]) {
                    xmin = Math.min(xmin, x);
                    xmax = Math.max(xmax, x);
                    ymin = Math.min(ymin, y);
                    ymax = Math.max(ymax, y);
                }
            }
        }
        return xmax < 0 ? null : new int[] {xmin, ymin, xmax, ymax};
    }
}
