package io.lttricks.core.transform;

import io.lttricks.core.data.RgbImage;

/**
 * Bilinear resizing of a box of an 8-bit planar RGB image to float planes, as PIL's
 * {@code Image.resize(size, BILINEAR, box)} (what torchvision's PIL transforms call): a triangle
 * filter whose support widens with the scale when shrinking (antialiasing), separable, pixel
 * centres at +0.5, the filter kept inside the box (as cropping first, then resizing). Values stay in 0..255 as floats (PIL rounds to 8 bits after each pass; we
 * keep the fractions). Only a window of the output is computed, so "resize, then centre-crop"
 * costs the crop.
 */
final class Resample {
    private Resample() {
    }

    /** Taps of one axis: output i takes in[start[i] + k] * weight[i * taps + k] for k < taps. */
    private record Taps(int[] start, float[] weight, int taps) {
    }

    /**
     * PIL's precompute_coeffs for the bilinear (triangle) filter, for outputs {@code from} to
     * {@code from + count - 1} of a resize of input range [in0, in0 + inSize) to {@code outSize}.
     */
    private static Taps taps(double in0, double inSize, int outSize, int from, int count, int limit) {
        double scale = inSize / outSize;
        double filterScale = Math.max(1.0, scale);
        double support = filterScale; // bilinear support 1.0, times the scale when shrinking
        int taps = (int) Math.ceil(support) * 2 + 1;
        // Taps stay inside the box, as PIL crops before it resizes (torchvision's resized_crop).
        int lo = (int) Math.max(0, Math.floor(in0));
        int hi = (int) Math.min(limit, Math.ceil(in0 + inSize));
        int[] start = new int[count];
        float[] weight = new float[count * taps];
        for (int i = 0; i < count; i++) {
            double centre = in0 + (from + i + 0.5) * scale;
            int xmin = (int) Math.max(lo, Math.floor(centre - support + 0.5));
            int xmax = (int) Math.min(hi, Math.floor(centre + support + 0.5));
            double total = 0;
            int n = Math.min(taps, xmax - xmin);
            for (int k = 0; k < n; k++) {
                double t = Math.abs((k + xmin - centre + 0.5) / filterScale);
                double v = t < 1 ? 1 - t : 0;
                weight[i * taps + k] = (float) v;
                total += v;
            }
            if (total > 0) {
                for (int k = 0; k < n; k++) {
                    weight[i * taps + k] = (float) (weight[i * taps + k] / total);
                }
            }
            start[i] = xmin;
            // Taps past n keep weight 0; keep their index in range.
            if (xmin + taps > limit) {
                start[i] = Math.max(0, limit - taps);
                int shift = xmin - start[i];
                if (shift > 0) {
                    System.arraycopy(weight, i * taps, weight, i * taps + shift, taps - shift);
                    java.util.Arrays.fill(weight, i * taps, i * taps + shift, 0f);
                }
            }
        }
        return new Taps(start, weight, taps);
    }

    /**
     * One filter pass along the first axis: out[i][j] = sum_k weight(i, k) * in[start(i) + k - first][j]
     * for the {@code outputs} rows of {@code length} values each (contiguous: vectorised).
     */
    private static void pass(Taps t, int outputs, int first, float[] in, int length, float[] out) {
        java.util.Arrays.fill(out, 0, outputs * length, 0f);
        for (int i = 0; i < outputs; i++) {
            int o = i * length;
            for (int k = 0; k < t.taps; k++) {
                float wgt = t.weight[i * t.taps + k];
                if (wgt == 0f) {
                    continue;
                }
                int s = (t.start[i] + k - first) * length;
                for (int j = 0; j < length; j++) {
                    out[o + j] += wgt * in[s + j];
                }
            }
        }
    }

    /** {@code in} [rows][cols] into {@code out} [cols][rows]. */
    private static void transpose(float[] in, int rows, int cols, float[] out) {
        transposeInto(in, rows, cols, out, 0);
    }

    private static void transposeInto(float[] in, int rows, int cols, float[] out, int offset) {
        final int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = Math.min(rows, r0 + block);
            for (int c0 = 0; c0 < cols; c0 += block) {
                int c1 = Math.min(cols, c0 + block);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        out[offset + c * rows + r] = in[r * cols + c];
                    }
                }
            }
        }
    }

    /**
     * Resizes box (bx, by, bw, bh) of {@code img} to outW x outH and returns the window (wx, wy, ww,
     * wh) of the result: 3 planes of ww * wh floats in 0..255, red first.
     */
    static float[] resize(RgbImage img, double bx, double by, double bw, double bh, int outW, int outH,
                          int wx, int wy, int ww, int wh) {
        int w = img.width();
        int h = img.height();
        Taps tx = taps(bx, bw, outW, wx, ww, w);
        Taps ty = taps(by, bh, outH, wy, wh, h);
        // Source rows the vertical pass needs.
        int y0 = Integer.MAX_VALUE;
        int y1 = 0;
        for (int i = 0; i < wh; i++) {
            y0 = Math.min(y0, ty.start[i]);
            y1 = Math.max(y1, Math.min(h, ty.start[i] + ty.taps));
        }
        // Source columns the horizontal pass needs.
        int x0 = Integer.MAX_VALUE;
        int x1 = 0;
        for (int i = 0; i < ww; i++) {
            x0 = Math.min(x0, tx.start[i]);
            x1 = Math.max(x1, Math.min(w, tx.start[i] + tx.taps));
        }
        int cols = x1 - x0;
        int rows = y1 - y0;
        byte[] src = img.chw();
        int plane = w * h;
        float[] out = new float[3 * ww * wh];
        float[] source = new float[rows * cols];
        float[] vertical = new float[wh * cols];
        float[] transposed = new float[cols * wh];
        float[] horizontal = new float[ww * wh];
        // Both passes run along contiguous memory (the JIT vectorises them): the vertical one on
        // the rows, the horizontal one on the transposed intermediate.
        for (int c = 0; c < 3; c++) {
            int base = c * plane;
            for (int y = 0; y < rows; y++) {
                int s = base + (y0 + y) * w + x0;
                int d = y * cols;
                for (int x = 0; x < cols; x++) {
                    source[d + x] = src[s + x] & 0xff;
                }
            }
            pass(ty, wh, y0, source, cols, vertical);
            transpose(vertical, wh, cols, transposed);
            pass(tx, ww, x0, transposed, wh, horizontal);
            transposeInto(horizontal, ww, wh, out, c * ww * wh);
        }
        return out;
    }
}
