package io.lttricks.core.plan;

/**
 * Evaluation on the test set during training, for the best-test-epoch figure the paper reports:
 * every {@code every} epochs after epoch {@code from}, and after the last epoch. {@code every} 0: off.
 */
public record EvalPlan(int every, int from) {
    public static final EvalPlan OFF = new EvalPlan(0, 0);

    /** Whether the model is evaluated after {@code epoch} of a stage of {@code epochs}. */
    public boolean after(int epoch, int epochs) {
        return every > 0 && epoch > from && ((epoch - from) % every == 0 || epoch == epochs);
    }
}
