package io.lttricks.core.loss;

import ai.djl.ndarray.NDArray;

/**
 * A re-weighting loss of the paper (Eq. 1-6) over soft targets.
 *
 * <p>Targets are a [B, C] matrix whose rows sum to 1: one-hot labels, or the lambda-mixtures of
 * two one-hot rows that mixup produces. Every loss here is linear in the target row, so a mixed
 * row y = lambda * e_a + (1 - lambda) * e_b gives exactly lambda * L(z, a) + (1 - lambda) * L(z, b),
 * the mixup loss of Zhang et al.
 */
public interface ClassificationLoss {

    /**
     * The batch loss.
     *
     * @param logits       [B, C] network outputs z
     * @param targets      [B, C] soft labels
     * @param classWeights [C] per-class weights w_c, or null for none
     */
    NDArray evaluate(NDArray logits, NDArray targets, NDArray classWeights);

    /**
     * The loss for a training set with these class counts: the same one for every loss of the paper;
     * a loss that shifts logits by the class prior (logit adjustment, Balanced Softmax) takes them
     * here, once, before training.
     */
    default ClassificationLoss forCounts(int[] classCounts) {
        return this;
    }

    /** The weights the loss applies from the first epoch (null: unweighted). */
    float[] classWeights(int[] classCounts);

    /**
     * The weights deferred re-weighting (DRW) switches on. As in the official code: the loss's own
     * weights when it has some, otherwise the cost-sensitive weights n_min / n_c.
     */
    default float[] deferredClassWeights(int[] classCounts) {
        float[] own = classWeights(classCounts);
        return own != null ? own : ClassWeights.costSensitive(classCounts, 1.0);
    }

    /** True when the loss treats classes as independent sigmoids: evaluate with sigmoid scores. */
    boolean sigmoid();

    /** The paper's name for the loss (CE, CS_CE, Focal, CB_Focal, CB_CE). */
    String name();
}
