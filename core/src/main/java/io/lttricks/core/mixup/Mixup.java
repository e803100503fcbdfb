package io.lttricks.core.mixup;

import java.util.SplittableRandom;

/**
 * Mixup as the paper uses it (Eq. 9-12): one lambda ~ Beta(alpha, alpha) per batch, partners from a
 * random permutation of the batch.
 *
 * @param location where to mix; null turns mixup off
 * @param alpha    the Beta distribution's parameter (1 in the paper's best setting)
 */
public record Mixup(MixLocation location, double alpha) {
    public static final Mixup OFF = new Mixup(null, 0);

    public Mixup {
        if (location != null && !(alpha > 0)) {
            throw new IllegalArgumentException("mixup alpha must be > 0, got " + alpha);
        }
    }

    public boolean enabled() {
        return location != null;
    }

    public boolean manifold() {
        return location != null && location != MixLocation.INPUT;
    }

    /** Draws lambda and a permutation for a batch of {@code size}. */
    public MixPlan draw(int size, SplittableRandom rng) {
        float lambda = (float) beta(alpha, alpha, rng);
        int[] perm = new int[size];
        for (int i = 0; i < size; i++) {
            perm[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return new MixPlan(lambda, perm);
    }

    /** Mixes images in place of a copy: {@code x} holds {@code partner.length} images of {@code per} floats. */
    public static float[] mixInputs(float[] x, int per, MixPlan plan) {
        float[] out = new float[x.length];
        float l = plan.lambda();
        float m = 1 - l;
        int[] partner = plan.partner();
        for (int i = 0; i < partner.length; i++) {
            int a = i * per;
            int b = partner[i] * per;
            for (int k = 0; k < per; k++) {
                out[a + k] = l * x[a + k] + m * x[b + k];
            }
        }
        return out;
    }

    /** Soft targets [B * C]: one-hot rows, or their mixture under {@code plan} (null = no mixing). */
    public static float[] targets(int[] labels, int numClasses, MixPlan plan) {
        float[] y = new float[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            if (plan == null) {
                y[i * numClasses + labels[i]] = 1f;
            } else {
                y[i * numClasses + labels[i]] += plan.lambda();
                y[i * numClasses + labels[plan.partner()[i]]] += 1f - plan.lambda();
            }
        }
        return y;
    }

    /** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
    public static double beta(double a, double b, SplittableRandom rng) {
        double x = gamma(a, rng);
        double y = gamma(b, rng);
        return x / (x + y);
    }

    /** Marsaglia and Tsang's method; shape < 1 through Gamma(shape + 1) * U^(1/shape). */
    static double gamma(double shape, SplittableRandom rng) {
        if (shape < 1) {
            double u = rng.nextDouble();
            return gamma(shape + 1, rng) * Math.pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = rng.nextGaussian();
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
