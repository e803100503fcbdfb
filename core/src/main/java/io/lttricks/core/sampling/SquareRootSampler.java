package io.lttricks.core.sampling;

/**
 * Square-root sampling (Kang et al.; Eq. 7 with q = 1/2): class c is picked with probability
 * proportional to sqrt(n_c), then one of its images uniformly. An epoch keeps the training set's
 * length.
 */
public final class SquareRootSampler extends ClassPowerSampler {
    public static final String NAME = "square_root";

    public SquareRootSampler(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    /** @param referenceCounts class sizes that set the shares and epoch length (null: the data's own) */
    public SquareRootSampler(int[] labels, int numClasses, int[] referenceCounts) {
        super(labels, numClasses, referenceCounts, 0.5);
    }

    @Override
    public String name() {
        return NAME;
    }
}
