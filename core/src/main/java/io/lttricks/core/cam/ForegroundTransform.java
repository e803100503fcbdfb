package io.lttricks.core.cam;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.lttricks.core.data.RgbImage;

/**
 * One transformation of CAM-based sampling, applied to the foreground only. With
 * {@link CamPaste#OVER} (the paper's description, the default) the transformed foreground is pasted
 * over the untouched original: every pixel outside the pasted region keeps its value. With
 * {@link CamPaste#MOVE} (the official code) the region the foreground left is filled from the
 * transformed image too, so the object moves instead of appearing twice.
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
        byte[] out = src.clone();
        boolean[] pasted = new boolean[plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] s = sourceOf(x, y, w, h);
                int nx = (int) Math.round(s[0]);
                int ny = (int) Math.round(s[1]);
                boolean inside = nx >= 0 && ny >= 0 && nx < w && ny < h;
                int o = y * w + x;
                boolean landed = inside && fg[ny * w + nx];
                boolean vacated = paste == CamPaste.MOVE && fg[o];
                if (!landed && !vacated) {
                    continue;
                }
                pasted[o] = true;
                for (int c = 0; c < 3; c++) {
                    out[c * plane + o] = !inside ? 0
                            : interpolates() ? (byte) Math.round(bilinear(src, c * plane, w, h, s[0], s[1]))
                            : src[c * plane + ny * w + nx];
                }
            }
        }
        return new Result(new RgbImage(w, h, out), pasted);
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
    }

    /** Horizontal flip of the foreground (mirrored about the image's vertical centre line). */
    record Flip() implements ForegroundTransform {
        @Override
        public double[] sourceOf(int x, int y, int w, int h) {
            return new double[] {w - 1 - x, y};
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
