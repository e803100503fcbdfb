package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A stage with every value decided and checked: what the trainer runs, and what a checkpoint
 * records.
 *
 * @param init           scratch, previous, or a checkpoint path
 * @param mixupAt        null when mixup is off
 * @param drsSampler     null without DRS
 * @param drsStart       DRS switches the sampler on from drsStart + 1
 * @param drwStart       null without DRW; weights apply from drwStart + 1
 * @param drwWeights     CS, CB or null (the loss's own choice)
 * @param type           train or cam
 * @param generated      name of the cam stage whose images join the training set, or null
 * @param camMethod      cam stage: cam or image_trans
 * @param camCounts      cam stage: cifar or threshold
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StagePlan(
        String name,
        String init,
        int epochs,
        int batchSize,
        double lr,
        double momentum,
        boolean nesterov,
        double weightDecay,
        int warmupEpochs,
        List<Integer> milestones,
        double lrDecay,
        String loss,
        Double lossGamma,
        Double lossBeta,
        String sampler,
        String mixupAt,
        double mixupAlpha,
        String drsSampler,
        int drsStart,
        Integer drwStart,
        String drwWeights,
        int checkpointEvery,
        String type,
        String role,
        String generated,
        String camMethod,
        double camThresholdFactor,
        String camCounts,
        int camThreshold,
        String camPaste) {

    public StagePlan {
        milestones = List.copyOf(milestones);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isCam() {
        return "cam".equals(type);
    }

    public boolean fromScratch() {
        return "scratch".equals(init);
    }
}
