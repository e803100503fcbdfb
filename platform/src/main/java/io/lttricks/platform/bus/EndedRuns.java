package io.lttricks.platform.bus;

import io.lttricks.platform.state.RunStateStore;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import java.util.Optional;

/**
 * Which jobs have nothing left to do because their run has ended: the guard that makes a replayed
 * topic harmless. A consumer group whose committed offsets were dropped (Kafka drops an empty
 * group's offsets after {@code offsets.retention.minutes}, 7 days by default, while the job topics
 * keep every record) starts again from the earliest job; each one of a run that succeeded or was
 * cancelled is then committed without running ({@link JobWorker#skipping}). A failed run's
 * evaluations still run (the stages before the failure have their reports); its other jobs do not.
 * A job of a run the state does not know (a stage submitted directly) runs.
 */
public final class EndedRuns {
    private EndedRuns() {
    }

    /** A job worker's guard reading {@code runs}: why the job has nothing to do, or null when it has. */
    public static <T extends com.google.protobuf.Message> JobWorker.Moot<T> guard(RunStateStore runs) {
        return job -> {
            String runId = DeadLetters.JobRef.of(job).runId();
            if (runId.isEmpty()) {
                return null;
            }
            Optional<RunStatus> run = runs.get(runId);
            if (run.isEmpty()) {
                return null;
            }
            RunPhase phase = run.get().getPhase();
            boolean ended = phase == RunPhase.RUN_SUCCEEDED || phase == RunPhase.RUN_CANCELLED
                    || (phase == RunPhase.RUN_FAILED && !(job instanceof EvalJob));
            return ended ? "its run " + runId + " has ended (" + phase.name().replace("RUN_", "").toLowerCase(java.util.Locale.ROOT)
                    + ")" : null;
        };
    }
}
