package io.lttricks.core.cam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.util.Seeds;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Class activation maps (Zhou et al. 2016) of the ground-truth class, in batches: the last
 * convolutional feature map dotted with the classifier's weight row of the image's class,
 * min-max normalised, resized to the image size bilinearly (half-pixel centres, as OpenCV's
 * INTER_LINEAR that the official code uses). Values lie in [0, 1].
 *
 * <p>The network sees each image through a <em>view</em>: by default the whole image as the
 * network takes it ({@link io.lttricks.core.transform.Transforms#whole}), so the map, resized to the
 * original image's own size, lies on it exactly, whatever that size (CIFAR's 32 x 32, an ImageNet
 * photo of 500 x 375). The official script's view is a training-augmented copy (a random crop and
 * flip drawn per image, here from {@code viewSeed}); its map is resized onto the unaugmented image
 * all the same, so it is shifted (and sometimes mirrored) against the object ({@link CamPreset}).
 */
public final class ClassActivationMaps {
    /** The weighted feature maps of a batch of view inputs (n images of {@code view}'s shape). */
    @FunctionalInterface
    interface MapFunction {
        Raw maps(float[] inputs, int n, ImageTransform view, int[] classes);
    }

    private final MapFunction function;
    private final ImageTransform view;
    private final Long viewSeed;

    /**
     * @param model    a trained model (the first stage's), initialised on {@code manager}
     * @param view     what the network sees of each image (deterministic unless {@code viewSeed} is set)
     * @param viewSeed null for a deterministic view; else the seed of each image's random view draw
     */
    public ClassActivationMaps(Backbone model, NDManager manager, ImageTransform view, Long viewSeed) {
        this(forward(model, manager), view, viewSeed);
    }

    /** Maps of the whole images (no random view): the paper's method, and previews and tests. */
    public ClassActivationMaps(Backbone model, NDManager manager, ImageTransform view) {
        this(model, manager, view, null);
    }

    ClassActivationMaps(MapFunction function, ImageTransform view, Long viewSeed) {
        this.function = function;
        this.view = view;
        this.viewSeed = viewSeed;
    }

    /** Maps at the feature map's resolution, before normalisation: [n][fh * fw]. */
    public record Raw(float[][] maps, int height, int width) {
    }

    /**
     * The maps of {@code images[indices[k]]} for class {@code classes[k]}, each min-max normalised
     * and resized to that image's own size: height * width floats, row-major.
     */
    public float[][] compute(LabeledImages images, int[] indices, int[] classes) throws IOException {
        Raw raw = raw(images, indices, classes);
        float[][] out = new float[indices.length][];
        for (int k = 0; k < out.length; k++) {
            var img = images.image(indices[k]);
            out[k] = onImage(raw.maps()[k], raw.height(), raw.width(), img.width(), img.height());
        }
        return out;
    }

    /** A raw map min-max normalised and resized to an image of {@code w} x {@code h}. */
    public static float[] onImage(float[] raw, int fh, int fw, int w, int h) {
        float[] cam = raw.clone();
        minMax(cam);
        return resizeBilinear(cam, fh, fw, h, w);
    }

    /** The weighted sums of the last feature maps, one batched forward pass; a random view is drawn per image index. */
    public Raw raw(LabeledImages images, int[] indices, int[] classes) throws IOException {
        long[] keys = new long[indices.length];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = indices[k];
        }
        return raw(images, indices, classes, keys);
    }

    /**
     * As {@link #raw(LabeledImages, int[], int[])}, with the random view of entry k drawn from
     * {@code viewKeys[k]}: one image may be seen through several views (the official script draws a
     * new one for every generated image).
     */
    public Raw raw(LabeledImages images, int[] indices, int[] classes, long[] viewKeys) throws IOException {
        int n = indices.length;
        int per = view.floatsPerImage();
        float[] x = new float[n * per];
        SplittableRandom fixed = new SplittableRandom(0);
        for (int k = 0; k < n; k++) {
            SplittableRandom rng = viewSeed == null ? fixed : Seeds.stream(viewSeed, "cam-view", viewKeys[k]);
            view.apply(images, indices[k], rng, x, k * per);
        }
        return function.maps(x, n, view, classes);
    }

    /**
     * A raw map as the official script makes it: min-max normalised in 32-bit floats, quantised to
     * 8 bits (255 x value, truncated), then resized to the image's {@code w} x {@code h} as an 8-bit
     * image ({@link OpenCvOps#resize}). Values 0-255, row-major.
     */
    public static int[] quantised(float[] raw, int fh, int fw, int w, int h) {
        float[] cam = raw.clone();
        minMax(cam);
        int[] q = new int[cam.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = (int) (255f * cam[i]);
        }
        return OpenCvOps.resize(q, fw, fh, w, h);
    }

    /** The foreground of an 8-bit map: values at least {@code factor} times the map's mean. */
    public static boolean[] foreground(int[] map8, double factor) {
        return foreground(map8.length, i -> map8[i], factor);
    }

    /**
     * Forward passes of the model's inference form (batch norms folded into the convolutions,
     * {@link io.lttricks.core.model.InferenceNetwork}), made once on {@code manager}, which holds it.
     */
    private static MapFunction forward(Backbone model, NDManager manager) {
        io.lttricks.core.model.InferenceNetwork net = model.inference(manager);
        NDArray weight = model.classifier().getParameters().get("weight").getArray();  // [C, K]
        return (x, n, view, classes) -> {
            io.lttricks.core.train.GradMode.disableOnThisThread();
            try (NDManager sm = manager.newSubManager()) {
                NDArray input = sm.create(FloatBuffer.wrap(x), new Shape(n, view.channels(), view.height(), view.width()));
                NDList out = net.forward(input, true);
                NDArray features = out.get(1);                                                   // [n, K, fh, fw]
                out.head().close();
                long[] cls = new long[n];
                for (int k = 0; k < n; k++) {
                    cls[k] = classes[k];
                }
                NDArray rows = weight.get(sm.create(cls));                                       // [n, K]
                Shape fs = features.getShape();
                NDArray cams = features.mul(rows.reshape(n, fs.get(1), 1, 1)).sum(new int[] {1}); // [n, fh, fw]
                int fh = (int) fs.get(2);
                int fw = (int) fs.get(3);
                float[] flat = cams.toFloatArray();
                float[][] maps = new float[n][];
                for (int k = 0; k < n; k++) {
                    maps[k] = java.util.Arrays.copyOfRange(flat, k * fh * fw, (k + 1) * fh * fw);
                }
                return new Raw(maps, fh, fw);
            }
        };
    }

    /** (v - min) / (max - min) in place; all zeros when the map is flat. */
    public static void minMax(float[] v) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        float range = max - min;
        for (int i = 0; i < v.length; i++) {
            v[i] = range > 0 ? (v[i] - min) / range : 0f;
        }
    }

    /** Bilinear resize with half-pixel centres and edge clamping (OpenCV INTER_LINEAR). */
    public static float[] resizeBilinear(float[] src, int sh, int sw, int dh, int dw) {
        float[] dst = new float[dh * dw];
        double sy = (double) sh / dh;
        double sx = (double) sw / dw;
        for (int y = 0; y < dh; y++) {
            double fy = (y + 0.5) * sy - 0.5;
            int y0 = (int) Math.floor(fy);
            double wy = fy - y0;
            int ya = clamp(y0, sh);
            int yb = clamp(y0 + 1, sh);
            for (int x = 0; x < dw; x++) {
                double fx = (x + 0.5) * sx - 0.5;
                int x0 = (int) Math.floor(fx);
                double wx = fx - x0;
                int xa = clamp(x0, sw);
                int xb = clamp(x0 + 1, sw);
                double top = src[ya * sw + xa] * (1 - wx) + src[ya * sw + xb] * wx;
                double bottom = src[yb * sw + xa] * (1 - wx) + src[yb * sw + xb] * wx;
                dst[y * dw + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return dst;
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    /**
     * The foreground: pixels whose map value is at least {@code factor} times the map's mean
     * (the paper: factor 1; the official code: 0.75).
     */
    public static boolean[] foreground(float[] cam, double factor) {
        return foreground(cam.length, i -> cam[i], factor);
    }

    private static boolean[] foreground(int n, java.util.function.IntToDoubleFunction value, double factor) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += value.applyAsDouble(i);
        }
        mean /= n;
        double threshold = factor * mean;
        boolean[] fg = new boolean[n];
        for (int i = 0; i < n; i++) {
            fg[i] = value.applyAsDouble(i) >= threshold;
        }
        return fg;
    }
}
