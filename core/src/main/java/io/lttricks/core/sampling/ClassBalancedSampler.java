package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Class-balanced sampling (Kang et al.; Eq. 7 with q = 0): pick a class uniformly, then one of
 * its images uniformly. An epoch keeps the training set's length.
 */
public final class ClassBalancedSampler implements Sampler {
    public static final String NAME = "class_balanced";
    private final ClassIndex index;
    private final double[] p;

    public ClassBalancedSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    public ClassBalancedSampler(int[] labels, int numClasses, int[] referenceCounts) {
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        this.p = index.powerProbabilities(0.0);
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
