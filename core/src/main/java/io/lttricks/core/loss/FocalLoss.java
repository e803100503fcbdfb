package io.lttricks.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.internal.NDArrayEx;

/**
 * Sigmoid focal loss (Eq. 3-4): -sum_i (1 - p_i^t)^gamma log(p_i^t), with p_i = sigmoid(z_i) and
 * p_i^t = p_i for the target class, 1 - p_i for the others.
 *
 * <p>For a soft target row y it evaluates sum_c y_c L(z, c), which expands to
 * sum_i [ y_i (1-p_i)^gamma (-log p_i) + (1 - y_i) p_i^gamma (-log(1 - p_i)) ] when the row sums to
 * one. Weighted, each term c carries w_c. The batch is reduced as the official code does: summed
 * over classes, averaged over images. -log p = softplus(-z) and -log(1-p) = softplus(z) keep it
 * finite for large logits.
 */
public class FocalLoss implements ClassificationLoss {
    public static final String NAME = "Focal";
    private final double gamma;

    /** @param gamma the focusing parameter (2 for Focal, 1 for CB_Focal in the official configs) */
    public FocalLoss(double gamma) {
        if (!(gamma >= 0)) {
            throw new IllegalArgumentException("focal gamma must be >= 0, got " + gamma);
        }
        this.gamma = gamma;
    }

    public double gamma() {
        return gamma;
    }

    @Override
    public NDArray evaluate(NDArray logits, NDArray targets, NDArray classWeights) {
        NDArrayEx ex = logits.getNDArrayInternal();
        NDArray negLogP = logits.neg().getNDArrayInternal().softPlus();   // -log p
        NDArray negLog1mP = ex.softPlus();                                 // -log (1 - p)
        NDArray p = ex.sigmoid();
        NDArray oneMinusP = logits.neg().getNDArrayInternal().sigmoid();
        NDArray positive = gamma == 0 ? negLogP : oneMinusP.pow(gamma).mul(negLogP);  // target-class term
        NDArray negative = gamma == 0 ? negLog1mP : p.pow(gamma).mul(negLog1mP);      // other-class term
        NDArray u = classWeights == null ? targets : targets.mul(classWeights);
        NDArray rowMass = u.sum(new int[] {1}, true);
        NDArray total = negative.mul(rowMass).sum().add(positive.sub(negative).mul(u).sum());
        return total.div(logits.getShape().get(0));
    }

    @Override
    public float[] classWeights(int[] classCounts) {
        return null;
    }

    @Override
    public boolean sigmoid() {
        return true;
    }

    @Override
    public String name() {
        return NAME;
    }
}
