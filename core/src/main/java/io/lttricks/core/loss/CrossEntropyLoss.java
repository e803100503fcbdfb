package io.lttricks.core.loss;

import ai.djl.ndarray.NDArray;

/**
 * Softmax cross-entropy (CE, Eq. 1), the baseline.
 *
 * <p>With class weights the batch is reduced as PyTorch's {@code cross_entropy(weight=...)} does,
 * the official code's choice: sum_b sum_c y_bc w_c (-log softmax(z_b)_c) / sum_b sum_c y_bc w_c. A
 * uniform rescaling of the weights therefore changes nothing, and CS_CE/CB_CE keep the learning
 * rate's meaning. Without weights it is the plain batch mean.
 */
public class CrossEntropyLoss implements ClassificationLoss {
    public static final String NAME = "CE";

    @Override
    public NDArray evaluate(NDArray logits, NDArray targets, NDArray classWeights) {
        NDArray logp = logits.logSoftmax(1);
        if (classWeights == null) {
            return logp.mul(targets).sum().neg().div(logits.getShape().get(0));
        }
        NDArray weighted = targets.mul(classWeights);
        return logp.mul(weighted).sum().neg().div(weighted.sum());
    }

    @Override
    public float[] classWeights(int[] classCounts) {
        return null;
    }

    @Override
    public boolean sigmoid() {
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }
}
