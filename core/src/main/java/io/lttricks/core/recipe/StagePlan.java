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
 * @param evalEvery      evaluate on the test set every this many epochs after evalFrom; 0: off
 * @param evalFrom       evaluation starts after this epoch
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
        String camPaste,
        int evalEvery,
        int evalFrom) {

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

    /** Whether the model is evaluated on the test set after {@code epoch}. */
    public boolean evaluatesAfter(int epoch) {
        return evalEvery > 0 && epoch > evalFrom && ((epoch - evalFrom) % evalEvery == 0 || epoch == epochs);
    }
}
