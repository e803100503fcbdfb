package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Eq. (7) of the paper: class c is picked with probability proportional to n_c^q, then one of its
 * images uniformly; an epoch keeps the training set's length. q = 0 is class-balanced sampling,
 * q = 1/2 square-root sampling (and q = 1 would be instance-balanced in expectation).
 */
abstract class ClassPowerSampler implements Sampler {
    private final ClassIndex index;
    private final double[] p;

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    ClassPowerSampler(int[] labels, int numClasses, int[] referenceCounts, double q) {
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        this.p = index.powerProbabilities(q);
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        return index.drawByClass(p, index.epochLength, rng);
    }

    @Override
    public double[] classProbabilities(int epoch) {
        return p.clone();
    }
}
