package io.lttricks.core.loss;

/** Class-balanced focal loss (CB_Focal, Eq. 5): the focal loss weighted by (1-beta)/(1-beta^n_c). */
public final class ClassBalancedFocalLoss extends FocalLoss {
    public static final String NAME = "CB_Focal";
    private final double beta;

    public ClassBalancedFocalLoss(double gamma, double beta) {
        super(gamma);
        this.beta = beta;
    }

    @Override
    public float[] classWeights(int[] classCounts) {
        return ClassWeights.classBalanced(classCounts, beta);
    }

    @Override
    public String name() {
        return NAME;
    }
}
