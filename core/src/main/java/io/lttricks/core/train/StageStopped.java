package io.lttricks.core.train;

/**
 * A stage stopped after an epoch because its listener asked ({@link TrainListener#stopRequested}):
 * not a failure. That epoch's checkpoint is stored; resuming from it continues the stage exactly.
 */
public final class StageStopped extends RuntimeException {
    private final String stage;
    private final int epoch;

    public StageStopped(String stage, int epoch) {
        this(stage, epoch, "stage " + stage + " stopped on request after epoch " + epoch + "; its checkpoint resumes it");
    }

    private StageStopped(String stage, int epoch, String message) {
        super(message);
        this.stage = stage;
        this.epoch = epoch;
    }

    /** A run stopped on request between stages: {@code stage} is whole, the next one starts on resuming. */
    public static StageStopped afterStage(String stage) {
        return new StageStopped(stage, -1, "stopped on request after stage " + stage + "; resuming starts the next one");
    }

    public String stage() {
        return stage;
    }

    /** The last epoch trained and checkpointed; -1 when the run stopped between stages. */
    public int epoch() {
        return epoch;
    }
}
