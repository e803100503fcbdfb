package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults of the parts the services stand on, in the middle of a training stage, with the real
 * broker and storage server: the run completes (issue 13, item 10). Each stage stores a checkpoint
 * every epoch, so a fault always meets a write.
 */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesFaultTest {
    static final String RECIPE = "name: NAME\n"
            + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
            + "backbone: resnet20\nseed: 2\nprofile: quick\n"
            + "stages: [{name: train, epochs: 12, batch_size: 16, lr: 0.05, checkpoint_every: 1}]\n";

    private final ServicesFixture system;

    ServicesFaultTest(ServicesFixture system) {
        this.system = system;
    }

    /**
     * Storage goes away for 20 s after epoch 2: the next checkpoint write fails, the job is tried
     * again after 2, 4, 8 and 16 s, the attempt after the outage resumes from the last stored
     * checkpoint, and the run succeeds with no dead letter.
     */
    @Test
    void aRunCompletesThroughATwentySecondStorageOutageMidStage() throws Exception {
        RunStatus run = system.submit(RECIPE.replace("NAME", "fault-storage"), "fault-storage");
        afterEpoch(run, 2);
        system.storageOutage(Duration.ofSeconds(20));
        List<RunEvent> events = finished(run);
        List<Integer> resumed = events.stream().filter(RunEvent::hasStarted)
                .map(e -> e.getStarted().getResumedAfterEpoch()).toList();
        assertTrue(resumed.size() >= 2 && resumed.get(resumed.size() - 1) >= 2,
                "the stage was started again after the outage and resumed from a stored epoch: " + resumed);
    }

    /** The broker stops after epoch 2 and is back 5 s later: the run succeeds. */
    @Test
    void aRunCompletesThroughABrokerRestartMidStage() throws Exception {
        RunStatus run = system.submit(RECIPE.replace("NAME", "fault-broker"), "fault-broker");
        afterEpoch(run, 2);
        system.brokerRestart(Duration.ofSeconds(5));
        finished(run);
    }

    private void afterEpoch(RunStatus run, int epoch) {
        system.awaitEvents(run.getRunId(), e -> e.hasCheckpoint() && e.getCheckpoint().getEpoch() == epoch, 1,
                Duration.ofMinutes(3));
    }

    /** Watches the run to its end; asserts it succeeded, evaluated, with no dead letter. */
    private List<RunEvent> finished(RunStatus run) {
        List<RunEvent> events = system.watch(run.getRunId());
        RunEvent last = events.get(events.size() - 1);
        assertTrue(last.hasFinished(), "the watch ends with the run");
        assertEquals(RunPhase.RUN_SUCCEEDED, last.getFinished().getPhase(),
                last.getFinished().getMessage() + "\n" + ServicesFixture.failures(events));
        RunStatus after = system.runs().get(GetRunRequest.newBuilder().setRunId(run.getRunId()).build());
        assertTrue(after.getStages(0).hasMetrics(), "evaluated");
        assertEquals(List.of(), after.getDeadLettersList());
        return events;
    }
}
