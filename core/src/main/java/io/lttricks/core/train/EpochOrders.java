package io.lttricks.core.train;

import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.sampling.DeferredSampler;
import io.lttricks.core.sampling.Sampler;
import io.lttricks.core.sampling.SamplerKind;
import io.lttricks.core.util.Seeds;
import java.io.IOException;

/**
 * A training stage's images in the order of each epoch: indices into the stage's training set
 * (the long-tailed originals, then the generated images a stage adds), drawn by the stage's
 * sampler (switched at the DRS epoch, progressive as the epochs go). {@link #drawn} draws them
 * here, as {@code lt train} does; in the services the sampler service draws them with the same
 * function and stores them ahead of the trainer ({@link EpochOrderChunk}), so both give the same bits.
 */
public interface EpochOrders {
    /** The order of epoch {@code epoch} (from 1). */
    int[] order(int epoch) throws IOException;

    /** The name of the sampler that drew epoch {@code epoch} (DRS switches it). */
    String samplerName(int epoch);

    /** How many images the orders index (the stage's training set). */
    int images();

    /**
     * Drawn from the run seed: the sampler of epoch e draws with the stream
     * {@code Seeds.stream(seed, "sampler", stageIndex, e)}.
     *
     * @param labels          the label of each image of the stage's training set, in its order
     * @param referenceCounts per-class counts the class-aware samplers size classes by (the
     *                        originals' when generated images join; null: those of {@code labels})
     */
    static EpochOrders drawn(TrainPlan plan, int[] labels, int numClasses, int[] referenceCounts, long seed,
                             int stageIndex) {
        var context = new SamplerKind.Context(labels, numClasses, plan.epochs(), referenceCounts);
        Sampler own = plan.sampler().create(context);
        Sampler sampler = plan.drs() == null ? own
                : new DeferredSampler(own, plan.drs().sampler().create(context), plan.drs().startEpoch());
        int images = labels.length;
        return new EpochOrders() {
            @Override
            public int[] order(int epoch) {
                return sampler.epoch(epoch, Seeds.stream(seed, "sampler", stageIndex, epoch));
            }

            @Override
            public String samplerName(int epoch) {
                return sampler instanceof DeferredSampler d ? d.active(epoch).name() : sampler.name();
            }

            @Override
            public int images() {
                return images;
            }
        };
    }
}
