package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Random over-sampling (Buda et al. 2018, the source the paper cites): every class is filled up to
 * n_max by replicating images drawn at random, with replacement, from the class. The replicas are
 * drawn afresh every epoch (a fixed replica set would over-fit to the same copies all along), and
 * an epoch is the over-sampled set: every image once, plus the replicas, in a new order. On
 * CIFAR-10-LT (IF 100) that is C x n_max = 50,000 images, 4.0x the original 12,406.
 *
 * <p>n_max is that of the reference counts: the original long-tailed counts when a cam stage's
 * images join the training set. A class whose pool (original plus generated images) already holds
 * n_max images or more gets no replica and every image once, so CAM-based over-sampling trains on
 * the whole generated set, every epoch.
 */
public final class RandomOverSampler implements Sampler {
    public static final String NAME = "random_over";
    private final ClassIndex index;
    private final int target;

    public RandomOverSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts the class sizes that set n_max (null: the data's own) */
    public RandomOverSampler(int[] labels, int numClasses, int[] referenceCounts) {
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        this.target = index.referenceMax();
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        int size = 0;
        for (int c = 0; c < index.numClasses(); c++) {
            size += index.count(c) == 0 ? 0 : Math.max(index.count(c), target);
        }
        int[] order = new int[size];
        int k = 0;
        for (int c = 0; c < index.numClasses(); c++) {
            int[] m = index.members[c];
            if (m.length == 0) {
                continue;
            }
            for (int i : m) {
                order[k++] = i;
            }
            for (int r = m.length; r < target; r++) {
                order[k++] = m[rng.nextInt(m.length)];
            }
        }
        ClassIndex.shuffle(order, rng);
        return order;
    }

    @Override
    public double[] classProbabilities(int epoch) {
        double[] p = new double[index.numClasses()];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = index.count(c) == 0 ? 0 : Math.max(index.count(c), target);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    @Override
    public String name() {
        return NAME;
    }
}
