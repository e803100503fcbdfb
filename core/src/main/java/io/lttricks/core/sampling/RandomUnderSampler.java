package io.lttricks.core.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random under-sampling (More 2016, the source the paper cites): majority classes lose randomly
 * chosen images until every class has n_min. The removal is drawn afresh each time, and an epoch
 * is as long as the original training set: rounds of C x n_min images (every class n_min images
 * drawn without replacement, a new draw each round) until the epoch holds N images. Taken
 * literally, one balanced subset an epoch would be C x n_min = 500 images on CIFAR-10-LT (IF 100):
 * 3 steps of 128, 600 steps in 200 epochs, against 19,200 for the baseline; no schedule of the
 * paper's length could reach its 34.14% with that. Rounds keep the epoch at the baseline's 96
 * steps and still see every minority image in every round, majority images at the minority's rate.
 *
 * <p>n_min and N are those of the reference counts (the original long-tailed counts when a cam
 * stage's images join the training set); each class draws its n_min from its whole pool, generated
 * images included. So CAM-based under-sampling sees n_min images of every class per round, drawn
 * from originals and generated images alike, where CAM-based over-sampling sees every image.
 */
public final class RandomUnderSampler implements Sampler {
    public static final String NAME = "random_under";
    private final ClassIndex index;
    private final int perClass;

    public RandomUnderSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts the class sizes that set n_min and the epoch length (null: the data's own) */
    public RandomUnderSampler(int[] labels, int numClasses, int[] referenceCounts) {
        this.index = new ClassIndex(labels, numClasses, referenceCounts);
        int min = index.referenceMinNonEmpty();
        for (int c = 0; c < numClasses; c++) {
            if (index.count(c) > 0) {
                min = Math.min(min, index.count(c));
            }
        }
        this.perClass = min;
    }

    /** Images each class contributes to a round. */
    public int perClassPerRound() {
        return perClass;
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        int[] out = new int[index.epochLength];
        int k = 0;
        while (k < out.length) {
            int[] round = round(rng);
            int take = Math.min(round.length, out.length - k);
            System.arraycopy(round, 0, out, k, take);
            k += take;
        }
        return out;
    }

    /** One balanced under-sample: n_min images of every non-empty class, shuffled. */
    private int[] round(SplittableRandom rng) {
        int[] round = new int[perClass * nonEmpty()];
        int k = 0;
        for (int c = 0; c < index.numClasses(); c++) {
            int[] m = index.members[c];
            if (m.length == 0) {
                continue;
            }
            int[] pool = m.clone();
            for (int i = 0; i < perClass; i++) {
                int j = i + rng.nextInt(pool.length - i);
                int t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
                round[k++] = pool[i];
            }
        }
        ClassIndex.shuffle(round, rng);
        return round;
    }

    private int nonEmpty() {
        return (int) Arrays.stream(index.members).filter(m -> m.length > 0).count();
    }

    @Override
    public double[] classProbabilities(int epoch) {
        double[] p = new double[index.numClasses()];
        int n = nonEmpty();
        for (int c = 0; c < p.length; c++) {
            p[c] = index.count(c) == 0 ? 0 : 1.0 / n;
        }
        return p;
    }

    @Override
    public String name() {
        return NAME;
    }
}
