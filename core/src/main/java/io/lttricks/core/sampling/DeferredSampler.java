package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * Deferred re-balancing by re-sampling (DRS, Cao et al.): the first sampler up to and including
 * {@code startEpoch}, the second from {@code startEpoch + 1} on. With the paper's start epoch 160,
 * epochs 1-160 are instance-balanced and 161-200 re-balanced.
 */
public final class DeferredSampler implements Sampler {
    private final Sampler before;
    private final Sampler after;
    private final int startEpoch;

    public DeferredSampler(Sampler before, Sampler after, int startEpoch) {
        if (startEpoch < 0) {
            throw new IllegalArgumentException("DRS start epoch must be >= 0, got " + startEpoch);
        }
        this.before = before;
        this.after = after;
        this.startEpoch = startEpoch;
    }

    public Sampler active(int epoch) {
        return epoch > startEpoch ? after : before;
    }

    @Override
    public int[] epoch(int epoch, SplittableRandom rng) {
        return active(epoch).epoch(epoch, rng);
    }

    @Override
    public double[] classProbabilities(int epoch) {
        return active(epoch).classProbabilities(epoch);
    }

    @Override
    public String name() {
        return "DRS(" + before.name() + " -> " + after.name() + " after epoch " + startEpoch + ")";
    }
}
