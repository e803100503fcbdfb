package io.lttricks.core.train;

/**
 * A stage stopped after an epoch because its listener asked ({@link TrainListener#stopRequested}):
 * not a failure. That epoch's checkpoint is stored; resuming from it continues the stage exactly.
 */
public final class StageStopped extends RuntimeException {
    private final String stage;
    private final int epoch;

    public StageStopped(String stage, int epoch) {
        super("stage " + stage + " stopped on request after epoch " + epoch + "; its checkpoint resumes it");
        this.stage = stage;
        this.epoch = epoch;
    }

    public String stage() {
        return stage;
    }

    /** The last epoch trained and checkpointed. */
    public int epoch() {
        return epoch;
    }
}
