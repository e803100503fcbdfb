package io.lttricks.core.loss;

/** Cost-sensitive softmax cross-entropy (CS_CE, Eq. 2): class c weighted by (n_min / n_c)^gamma. */
public final class CostSensitiveCrossEntropyLoss extends CrossEntropyLoss {
    public static final String NAME = "CS_CE";
    private final double gamma;

    /** @param gamma the exponent of n_min / n_c (1 in the paper) */
    public CostSensitiveCrossEntropyLoss(double gamma) {
        this.gamma = gamma;
    }

    @Override
    public float[] classWeights(int[] classCounts) {
        return ClassWeights.costSensitive(classCounts, gamma);
    }

    @Override
    public String name() {
        return NAME;
    }
}
