package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Square-root sampling (Kang et al.; Eq. 7 with q = 1/2): class c is picked with probability
 * proportional to sqrt(n_c), then one of its images uniformly. An epoch keeps the training set's
 * length.
 */
public final class SquareRootSampler implements Sampler {
    public static final String NAME = "square_root";
    private final ClassIndex index;
    private final double[] p;

    public SquareRootSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    public SquareRootSampler(int[] labels, int numClasses, int[] referenceCounts) {
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        this.p = index.powerProbabilities(0.5);
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        return index.drawByClass(p, index.epochLength, rng);
    }

    @Override
    public double[] classProbabilities(int epoch) {
        return p.clone();
    }

    @Override
    public String name() {
        return NAME;
    }
}
