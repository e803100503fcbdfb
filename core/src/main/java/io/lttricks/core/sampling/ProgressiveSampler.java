package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Progressively-balanced sampling (Kang et al.; Eq. 8): at epoch t of T,
 * p_c = (1 - t/T) * n_c / N + (t/T) * 1/C, moving from instance-balanced to class-balanced.
 *
 * <p>t counts the stage's epochs from 1 and T is the stage's length, as the official code does
 * (also under DRS, where the sampler only starts at the switch epoch).
 */
public final class ProgressiveSampler implements Sampler {
    public static final String NAME = "progressive";
    private final ClassIndex index;
    private final int totalEpochs;

    public ProgressiveSampler(int[] labels, int numClasses, int totalEpochs) {
        this(labels, numClasses, totalEpochs, null);
    }

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    public ProgressiveSampler(int[] labels, int numClasses, int totalEpochs, int[] referenceCounts) {
        if (totalEpochs < 1) {
            throw new IllegalArgumentException("progressive sampling needs the number of epochs (>= 1)");
        }
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        this.totalEpochs = totalEpochs;
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        return index.drawByClass(classProbabilities(epoch), index.epochLength, rng);
    }

    @Override
    public double[] classProbabilities(int epoch) {
        double t = Math.min(1.0, Math.max(0.0, (double) epoch / totalEpochs));
        double[] instance = index.instanceProbabilities();
        double[] balanced = index.powerProbabilities(0.0);
        double[] p = new double[instance.length];
        for (int c = 0; c < p.length; c++) {
            p[c] = (1 - t) * instance[c] + t * balanced[c];
        }
        return p;
    }

    @Override
    public String name() {
        return NAME;
    }
}
