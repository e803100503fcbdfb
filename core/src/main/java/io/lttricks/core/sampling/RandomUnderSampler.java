package io.lttricks.core.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random under-sampling (More 2016): majority classes lose randomly chosen images until every
 * class has n_min. The removal is drawn once, from the sampler's seed; each epoch visits the
 * remaining C * n_min images once in a new order, so epochs are shorter than the training set.
 */
public final class RandomUnderSampler implements Sampler {
    public static final String NAME = "random_under";
    private final ClassIndex index;
    private final int[] dataset;

    public RandomUnderSampler(int[] labels, int numClasses, long seed) {
        this.index = new ClassIndex(labels, numClasses);
        int nMin = index.minNonEmpty();
        SplittableRandom rng = new SplittableRandom(seed);
        int[] out = new int[index.total];
        int k = 0;
        for (int c = 0; c < numClasses; c++) {
            int[] m = index.members[c].clone();
            if (m.length == 0) {
                continue;
            }
            ClassIndex.shuffle(m, rng);
            System.arraycopy(m, 0, out, k, nMin);
            k += nMin;
        }
        dataset = Arrays.copyOf(out, k);
        Arrays.sort(dataset);
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
