package io.lttricks.core.cam;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.lttricks.core.data.RgbImage;

/**
 * One transformation of CAM-based sampling, applied to the foreground only: the transformed
 * foreground is pasted over the untouched original, so every pixel outside the pasted region keeps
 * its original value.
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

    Result apply(RgbImage image, boolean[] foreground);

    /**
     * Rotation by {@code angle} degrees (counter-clockwise on screen, OpenCV's convention) and
     * scaling by {@code scale}, both about ({@code cx}, {@code cy}), the centre of the foreground's
     * bounding box. Pixels are sampled bilinearly, the mask by nearest neighbour; the part of the
     * foreground that would leave the image is cut off at its border.
     */
    record RotateScale(double angle, double scale, double cx, double cy) implements ForegroundTransform {
        @Override
        public Result apply(RgbImage image, boolean[] fg) {
            int w = image.width();
            int h = image.height();
            double t = Math.toRadians(angle);
            double a = scale * Math.cos(t);
            double b = scale * Math.sin(t);
            // Forward map (as cv2.getRotationMatrix2D): x' = a x + b y + tx, y' = -b x + a y + ty.
            double tx = (1 - a) * cx - b * cy;
            double ty = b * cx + (1 - a) * cy;
            double det = a * a + b * b;
            byte[] src = image.chw();
            byte[] out = src.clone();
            boolean[] pasted = new boolean[w * h];
            int plane = w * h;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double u = x - tx;
                    double v = y - ty;
                    double sx = (a * u - b * v) / det;
                    double sy = (b * u + a * v) / det;
                    int nx = (int) Math.round(sx);
                    int ny = (int) Math.round(sy);
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h || !fg[ny * w + nx]) {
                        continue;
                    }
                    int o = y * w + x;
                    pasted[o] = true;
                    for (int c = 0; c < 3; c++) {
                        out[c * plane + o] = (byte) Math.round(bilinear(src, c * plane, w, h, sx, sy));
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
    }

    /** Translation of the foreground by ({@code dx}, {@code dy}) pixels. */
    record Translate(int dx, int dy) implements ForegroundTransform {
        @Override
        public Result apply(RgbImage image, boolean[] fg) {
            int w = image.width();
            int h = image.height();
            int plane = w * h;
            byte[] src = image.chw();
            byte[] out = src.clone();
            boolean[] pasted = new boolean[plane];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (!fg[y * w + x]) {
                        continue;
                    }
                    int nx = x + dx;
                    int ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) {
                        continue;
                    }
                    int o = ny * w + nx;
                    pasted[o] = true;
                    for (int c = 0; c < 3; c++) {
                        out[c * plane + o] = src[c * plane + y * w + x];
                    }
                }
            }
            return new Result(new RgbImage(w, h, out), pasted);
        }
    }

    /** Horizontal flip of the foreground (mirrored about the image's vertical centre line). */
    record Flip() implements ForegroundTransform {
        @Override
        public Result apply(RgbImage image, boolean[] fg) {
            int w = image.width();
            int h = image.height();
            int plane = w * h;
            byte[] src = image.chw();
            byte[] out = src.clone();
            boolean[] pasted = new boolean[plane];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int mx = w - 1 - x;
                    if (!fg[y * w + mx]) {
                        continue;
                    }
                    int o = y * w + x;
                    pasted[o] = true;
                    for (int c = 0; c < 3; c++) {
                        out[c * plane + o] = src[c * plane + y * w + mx];
                    }
                }
            }
            return new Result(new RgbImage(w, h, out), pasted);
        }
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
