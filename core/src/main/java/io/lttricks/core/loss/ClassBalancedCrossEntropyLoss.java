package io.lttricks.core.loss;

/** Class-balanced softmax cross-entropy (CB_CE, Eq. 6): weights from the effective number of samples. */
public final class ClassBalancedCrossEntropyLoss extends CrossEntropyLoss {
    public static final String NAME = "CB_CE";
    private final double beta;

    /** @param beta the effective-number hyper-parameter (0.9999 on CIFAR) */
    public ClassBalancedCrossEntropyLoss(double beta) {
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
