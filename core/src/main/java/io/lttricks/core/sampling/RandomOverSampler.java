package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Random over-sampling (Buda et al.): every class is filled up to n_max by replicating images
 * drawn at random (with replacement) from it. The replicas are drawn once, from the sampler's
 * seed, so the over-sampled set is one fixed data set of C * n_max images; each epoch visits it
 * once in a new order. Epochs are therefore longer than the original training set.
 */
public final class RandomOverSampler implements Sampler {
    public static final String NAME = "random_over";
    private final ClassIndex index;
    private final int[] dataset;

    public RandomOverSampler(int[] labels, int numClasses, long seed) {
        this.index = new ClassIndex(labels, numClasses);
        int nMax = index.max();
        int nonEmpty = 0;
        for (int c = 0; c < numClasses; c++) {
            if (index.count(c) > 0) {
                nonEmpty++;
            }
        }
        dataset = new int[nonEmpty * nMax];
        SplittableRandom rng = new SplittableRandom(seed);
        int k = 0;
        for (int c = 0; c < numClasses; c++) {
            int[] m = index.members[c];
            if (m.length == 0) {
                continue;
            }
            for (int i : m) {
                dataset[k++] = i;
            }
            for (int r = m.length; r < nMax; r++) {
                dataset[k++] = m[rng.nextInt(m.length)];
            }
        }
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        int[] order = dataset.clone();
        ClassIndex.shuffle(order, rng);
        return order;
    }

    @Override
    public double[] classProbabilities(int epoch) {
        return index.powerProbabilities(0.0);
    }

    @Override
    public String name() {
        return NAME;
    }
}
