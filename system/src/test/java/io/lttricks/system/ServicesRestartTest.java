package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.TrainJob;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** After a restart of the whole system, runs are where they were and a training stage resumes from its last stored checkpoint. */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesRestartTest {
    private final ServicesFixture system;

    ServicesRestartTest(ServicesFixture system) {
        this.system = system;
    }

    @Test
    void runsSurviveARestartAndATrainingStageResumesFromItsLastCheckpoint() throws Exception {
        ServicesFixture.Finished run = system.pipeline();
        system.restart();

        List<RunStatus> runs = system.runs().list(ListRunsRequest.getDefaultInstance()).getRunsList();
        RunStatus after = runs.stream().filter(r -> r.getRunId().equals(run.runId())).findFirst().orElseThrow();
        assertEquals(RunPhase.RUN_SUCCEEDED, after.getPhase());
        assertFalse(after.getStages(2).getMetrics().getClassesList().isEmpty());

        // The new trainer takes a redelivered stage whose final model is gone from its last checkpoint.
        ObjectStore store = system.store();
        String first = Keys.stage(run.runId(), 0, "first");
        assertTrue(store.exists(Keys.checkpoints(first) + "epoch-0001.ckpt"));
        store.delete(Keys.finalCheckpoint(first));
        long since = System.currentTimeMillis();
        // As a live run's job would come again (under a run id the workers do not know as ended: the jobs of
        // an ended run are committed without running, ReplayAfterIdleTest).
        String again = run.runId() + "-again";
        system.redeliver(Topics.TRAIN_JOBS, TrainJob.parser(), j -> j.getRunId().equals(run.runId()) && j.getStageIndex() == 0,
                j -> j.toBuilder().setRunId(again).build());
        List<Integer> resumedAfter = system.awaitEvents(again, e -> e.hasStarted() && e.getStage().equals("first"), 1,
                Duration.ofMinutes(2)).stream().map(e -> e.getStarted().getResumedAfterEpoch()).toList();
        assertEquals(List.of(1), resumedAfter, "the redelivered job resumes after epoch 1");
        system.awaitEvents(again, e -> e.hasCompleted() && e.getStage().equals("first") && e.getTimeMs() >= since, 1,
                Duration.ofMinutes(2));
        assertTrue(store.exists(Keys.finalCheckpoint(first)), "the stage finished again");
    }
}
