package io.lttricks.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Evaluation on the test set during training, for the best-test-epoch figure the official code keeps
 * (and, we infer, the paper's tables report):
 * every {@code every} epochs after epoch {@code from}, and after the last epoch. {@code every} 0: off.
 *
 * @param keepBest keep the weights of the epoch with the lowest test error so far
 *                 ({@code best.ckpt}): a cam stage after this one draws its maps from them
 *                 ({@code maps_from: best_test_epoch})
 */
public record EvalPlan(int every, int from, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean keepBest) {
    public static final EvalPlan OFF = new EvalPlan(0, 0);

    public EvalPlan(int every, int from) {
        this(every, from, false);
    }

    /** Whether the model is evaluated after {@code epoch} of a stage of {@code epochs}. */
    public boolean after(int epoch, int epochs) {
        return every > 0 && epoch > from && ((epoch - from) % every == 0 || epoch == epochs);
    }

    /** The epochs of a stage of {@code epochs} after which the model is tested, in words. */
    public String describe(int epochs) {
        return tested(epochs) + (keepBest ? ", the best test epoch's weights kept" : "");
    }

    private String tested(int epochs) {
        if (every == 0) {
            return "no test during training";
        }
        if (from >= epochs - 1) {
            return "test set after the last epoch";
        }
        return every == 1 ? "test set after epochs " + (from + 1) + "-" + epochs
                : "test set every " + every + " epochs after epoch " + from + " and after the last";
    }
}
