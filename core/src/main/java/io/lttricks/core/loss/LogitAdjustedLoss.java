package io.lttricks.core.loss;

import ai.djl.ndarray.NDArray;

/**
 * Softmax cross-entropy on logits shifted by the class prior: z_c + tau * log(pi_c), pi_c = n_c / n
 * the training set's class frequencies (Menon et al., "Long-tail learning via logit adjustment",
 * ICLR 2021, Eq. 10: the logit-adjusted loss). The shift makes the loss ask for a larger margin on
 * rare classes, so that the raw logits (used unshifted at test time) estimate the balanced error's
 * Bayes classifier. With tau = 1 it is Balanced Softmax (Ren et al., "Balanced Meta-Softmax for
 * Long-Tailed Visual Recognition", NeurIPS 2020, Eq. 4: the softmax of z_c + log n_c), which
 * {@link LossKind#BALANCED_SOFTMAX} names.
 *
 * <p>Class weights (DRW) apply to the shifted cross-entropy as to {@link CrossEntropyLoss}.
 * Targets may be soft (mixup): the loss stays linear in the target row.
 */
public final class LogitAdjustedLoss extends CrossEntropyLoss {
    public static final String NAME = "LA";
    private final double tau;
    private final String name;
    /** tau * log(pi_c), or null before {@link #forCounts} gave the training set's counts. */
    private final float[] shift;

    /** @param tau the adjustment's temperature (1 in the paper's CIFAR experiments) */
    public LogitAdjustedLoss(double tau) {
        this(tau, NAME, null);
    }

    private LogitAdjustedLoss(double tau, String name, float[] shift) {
        this.tau = tau;
        this.name = name;
        this.shift = shift;
    }

    /** Balanced Softmax: the logit-adjusted loss with tau = 1. */
    public static LogitAdjustedLoss balancedSoftmax() {
        return new LogitAdjustedLoss(1.0, LossKind.BALANCED_SOFTMAX.recipeName(), null);
    }

    @Override
    public ClassificationLoss forCounts(int[] classCounts) {
        return new LogitAdjustedLoss(tau, name, shift(classCounts, tau));
    }

    /**
     * tau * log(n_c / n) for every class; a class without training images gets the log prior of
     * half an image, so that the shift stays finite.
     */
    static float[] shift(int[] counts, double tau) {
        double total = 0;
        for (int n : counts) {
            total += n;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("the logit adjustment needs the training set's class counts; all are 0");
        }
        float[] out = new float[counts.length];
        for (int c = 0; c < counts.length; c++) {
            out[c] = (float) (tau * Math.log(Math.max(counts[c], 0.5) / total));
        }
        return out;
    }

    @Override
    public NDArray evaluate(NDArray logits, NDArray targets, NDArray classWeights) {
        if (shift == null) {
            throw new IllegalStateException(name + " needs the training set's class counts (forCounts) before it is evaluated");
        }
        if (shift.length != logits.getShape().get(1)) {
            throw new IllegalArgumentException(name + ": " + shift.length + " class counts for " + logits.getShape().get(1)
                    + " logits");
        }
        try (NDArray prior = logits.getManager().create(shift).toType(logits.getDataType(), false)) {
            return super.evaluate(logits.add(prior), targets, classWeights);
        }
    }

    public double tau() {
        return tau;
    }

    @Override
    public String name() {
        return name;
    }
}
