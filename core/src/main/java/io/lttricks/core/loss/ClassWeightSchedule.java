package io.lttricks.core.loss;

/**
 * The class weights a stage's loss applies at each epoch (epochs count from 1). Without DRW: the
 * loss's own weights throughout (none for CE and Focal). With DRW: unit weights (none) up to the
 * start epoch, whatever the loss, then the deferred weights; so CB_Focal with DRW is plain focal
 * loss first, as in the official code.
 */
public final class ClassWeightSchedule {
    private final float[] before;
    private final float[] after;
    private final int switchAfter;

    private ClassWeightSchedule(float[] before, float[] after, int switchAfter) {
        this.before = before;
        this.after = after;
        this.switchAfter = switchAfter;
    }

    /** @param drw deferred re-weighting, or null */
    public static ClassWeightSchedule of(ClassificationLoss loss, Drw drw, int[] counts) {
        if (drw == null) {
            return new ClassWeightSchedule(loss.classWeights(counts), null, Integer.MAX_VALUE);
        }
        return new ClassWeightSchedule(null, drw.deferredWeights(loss, counts), drw.startEpoch());
    }

    /** The weights of epoch {@code epoch}, or null for an unweighted loss. */
    public float[] at(int epoch) {
        return epoch > switchAfter ? after : before;
    }

    /** Whether the epoch's loss is class-weighted. */
    public boolean weightedAt(int epoch) {
        return at(epoch) != null;
    }
}
