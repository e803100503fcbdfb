package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * A re-sampling method: which training images an epoch visits, in which order.
 *
 * <p>Epochs are counted from 1. Implementations are deterministic: the same epoch and generator
 * state give the same order.
 */
public interface Sampler {

    /** Indices into the training set for {@code epoch}; repetitions allowed. */
    int[] epoch(int epoch, SplittableRandom rng);

    /** The expected share of each class in an epoch (sums to 1), for reports and tests. */
    double[] classProbabilities(int epoch);

    /** The name recipes use for this method. */
    String name();
}
