package io.lttricks.sampler;

import io.lttricks.core.util.Progress;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.Platform;
import io.lttricks.proto.v1.DatasetProgress;
import io.lttricks.proto.v1.RunEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's training set in preparation (a CIFAR download takes half a minute or more), as events a
 * client's watch shows: every note, with the server's paths scrubbed, and a task's progress at most
 * every two seconds and at its end. An event that cannot be published is logged and dropped: the
 * data set goes on, and a client sees its readiness all the same.
 */
final class DatasetProgressEvents implements Progress {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetProgressEvents.class);
    static final long INTERVAL_MS = 2_000;
    /** The stage name of a run's data set events (as its failure's). */
    static final String STAGE = "dataset";

    private final Platform platform;
    private final String runId;
    private final java.util.function.LongSupplier clockMs;
    private long lastUpdate = Long.MIN_VALUE / 2;

    DatasetProgressEvents(Platform platform, String runId) {
        this(platform, runId, System::currentTimeMillis);
    }

    /** @param clockMs milliseconds, for the interval between updates (tests give their own) */
    DatasetProgressEvents(Platform platform, String runId, java.util.function.LongSupplier clockMs) {
        this.platform = platform;
        this.runId = runId;
        this.clockMs = clockMs;
    }

    @Override
    public void update(String task, long done, long total, String unit) {
        long now = clockMs.getAsLong();
        boolean end = total > 0 && done >= total;
        if (!end && now - lastUpdate < INTERVAL_MS) {
            return;
        }
        lastUpdate = now;
        publish(DatasetProgress.newBuilder().setTask(task).setDone(done).setTotal(total).setUnit(unit == null ? "" : unit));
    }

    @Override
    public void note(String message) {
        LOG.info("training set of run {}: {}", runId, message);
        publish(DatasetProgress.newBuilder().setNote(ClientMessages.scrub(message, platform.config(),
                platform.store().bucket())));
    }

    private void publish(DatasetProgress.Builder p) {
        try {
            platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(STAGE).setDatasetProgress(p));
        } catch (RuntimeException e) {
            LOG.warn("training set of run {}: progress not published ({})", runId, e.toString());
        }
    }
}
