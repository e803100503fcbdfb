package io.lttricks.core.sampling;

/**
 * Class-balanced sampling (Kang et al.; Eq. 7 with q = 0): pick a class uniformly, then one of
 * its images uniformly. An epoch keeps the training set's length.
 */
public final class ClassBalancedSampler extends ClassPowerSampler {
    public static final String NAME = "class_balanced";

    public ClassBalancedSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    public ClassBalancedSampler(int[] labels, int numClasses, int[] referenceCounts) {
        super(labels, numClasses, referenceCounts, 0.0);
    }

    @Override
    public String name() {
        return NAME;
    }
}
