package io.lttricks.core.train;

import java.nio.file.Path;

/** What a training run reports while it works. Every method has a no-op default. */
public interface TrainListener {

    /**
     * Progress within an epoch.
     *
     * @param imagesPerSecond training throughput over the epoch so far
     * @param etaSeconds      estimated time to the end of the stage
     */
    record BatchProgress(String stage, int epoch, int epochs, int batch, int batches, double loss, double accuracy,
                         double lr, double imagesPerSecond, double etaSeconds) {
    }

    /**
     * One finished epoch.
     *
     * @param sampler       the sampler that drew this epoch
     * @param weighted      whether class weights were on (re-weighting or DRW)
     * @param residentBytes the process's resident memory at the end of the epoch (0 if unknown)
     * @param testError     top-1 error on the test set after this epoch, when the stage evaluates
     *                      during training ({@code eval_every}); null otherwise
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record EpochSummary(String stage, int epoch, int epochs, int images, double loss, double accuracy, double lr,
                        double imagesPerSecond, double seconds, String sampler, boolean weighted, long residentBytes,
                        Double testError) {
    }

    default void onStageStart(String stage, int firstEpoch, int epochs, int batchesPerEpoch) {
    }

    default void onBatch(BatchProgress progress) {
    }

    default void onEpoch(EpochSummary summary) {
    }

    default void onCheckpoint(String stage, int epoch, Path file) {
    }

    default void onNote(String message) {
    }

    /**
     * Asked after every epoch but the last: true stops the stage there, after storing that epoch's
     * checkpoint (whatever {@code checkpoint_every} says) and telling {@link #onCheckpoint}; the
     * trainer then throws {@link StageStopped}. Resumed from that checkpoint, the stage ends with
     * the weights an uninterrupted one has. A service asks for it when it is told to shut down.
     */
    default boolean stopRequested() {
        return false;
    }
}
