package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One training stage as a recipe writes it; every field may be left out, the profile fills it.
 *
 * @param name            stage name, unique in the recipe (default: stage1, stage2, ...)
 * @param init            where the weights start: {@code scratch} (Kaiming init), {@code previous}
 *                        (the preceding stage's final model) or a checkpoint path. Default: scratch
 *                        for the first stage, previous for later ones
 * @param epochs          number of epochs
 * @param batchSize       images per step
 * @param lr              base learning rate
 * @param warmupEpochs    linear warm-up from lr/3 (official convention, see LrSchedule)
 * @param milestones      epochs at which the learning rate is multiplied by {@code lr_decay}
 * @param checkpointEvery save a checkpoint every this many epochs (the last epoch always)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StageRecipe(
        String name,
        String init,
        Integer epochs,
        @JsonProperty("batch_size") Integer batchSize,
        Double lr,
        Double momentum,
        Boolean nesterov,
        @JsonProperty("weight_decay") Double weightDecay,
        @JsonProperty("warmup_epochs") Integer warmupEpochs,
        List<Integer> milestones,
        @JsonProperty("lr_decay") Double lrDecay,
        LossSpec loss,
        String sampler,
        MixupSpec mixup,
        DrsSpec drs,
        DrwSpec drw,
        @JsonProperty("checkpoint_every") Integer checkpointEvery) {

    public static StageRecipe empty(String name) {
        return new StageRecipe(name, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** Builder-style copies for command-line overrides. */
    public StageRecipe withEpochs(Integer v) {
        return new StageRecipe(name, init, v, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withBatchSize(Integer v) {
        return new StageRecipe(name, init, epochs, v, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withLr(Double v) {
        return new StageRecipe(name, init, epochs, batchSize, v, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withLoss(LossSpec v) {
        return new StageRecipe(name, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, v, sampler, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withSampler(String v) {
        return new StageRecipe(name, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, v, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withMixup(MixupSpec v) {
        return new StageRecipe(name, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, v, drs, drw, checkpointEvery);
    }

    public StageRecipe withDrs(DrsSpec v) {
        return new StageRecipe(name, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, v, drw, checkpointEvery);
    }

    public StageRecipe withDrw(DrwSpec v) {
        return new StageRecipe(name, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, v, checkpointEvery);
    }

    public StageRecipe withInit(String v) {
        return new StageRecipe(name, v, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, drw, checkpointEvery);
    }

    public StageRecipe withName(String v) {
        return new StageRecipe(v, init, epochs, batchSize, lr, momentum, nesterov, weightDecay, warmupEpochs,
                milestones, lrDecay, loss, sampler, mixup, drs, drw, checkpointEvery);
    }
}
