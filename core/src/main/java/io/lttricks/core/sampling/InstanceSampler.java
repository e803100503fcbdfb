package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/** Instance-balanced sampling, the baseline: every image once per epoch, shuffled. */
public final class InstanceSampler implements Sampler {
    public static final String NAME = "instance";
    private final ClassIndex index;

    public InstanceSampler(int[] labels, int numClasses) {
        this.index = new ClassIndex(labels, numClasses);
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        int[] order = new int[index.total];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        ClassIndex.shuffle(order, rng);
        return order;
    }

    @Override
    public double[] classProbabilities(int epoch) {
        return index.instanceProbabilities();
    }

    @Override
    public String name() {
        return NAME;
    }
}
