package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.platform.Config;
import io.lttricks.platform.bus.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

    /**
     * A third augment replica, a process of its own, is killed with SIGKILL after it has stored a
     * shard, while shards remain (it holds the next one): its unacknowledged shard goes to the
     * remaining replicas once its lock runs out, and the generated set holds every image exactly once.
     */
    @Test
    void anAugmentReplicaKilledMidStageLosesNoImageAndRepeatsNone() throws Exception {
        Config c = system.config();
        Path work = Files.createTempDirectory("lt-killed-augment");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                "io.lttricks.augment.AugmentServer");
        Map<String, String> env = pb.environment();
        env.put(Config.KAFKA_BOOTSTRAP, c.kafkaBootstrap());
        env.put(Config.S3_ENDPOINT, c.s3Endpoint());
        env.put(Config.S3_BUCKET, c.s3Bucket());
        env.put(Config.S3_ACCESS_KEY, c.s3AccessKey());
        env.put(Config.S3_SECRET_KEY, c.s3SecretKey());
        env.put(Config.GRPC_PORT, "0");
        env.put(Config.METRICS_PORT, "0");
        env.put(Config.INSTANCE, "doomed");
        env.put(Config.WORK_DIR, work.resolve("work").toString());
        env.put(io.lttricks.platform.grpc.GrpcSecurity.BIND, "127.0.0.1");
        pb.redirectErrorStream(true).redirectOutput(work.resolve("augment.log").toFile());
        Process doomed = pb.start();
        try {
            system.awaitGroupMembers(Topics.GROUP_AUGMENT, ServicesFixture.AUGMENT_WORKERS + 1);
            // In a share group each replica holds one shard at a time, and the replicas in this
            // process, warm, can store most of a stage's shards before the new process stores its
            // first: the kill must come while shards remain, so a run whose stage is nearly done
            // when the doomed replica first stores a shard is let finish and another one submitted.
            RunStatus run = null;
            long killedAt = 0;
            for (int attempt = 1; attempt <= 4 && killedAt == 0; attempt++) {
                run = system.submit("name: fault-augment\n"
                        + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
                        + "backbone: resnet20\nseed: " + (3 + attempt) + "\nprofile: quick\nstages:\n"
                        + "  - {name: first, role: first_stage, epochs: 1, batch_size: 16, lr: 0.05}\n"
                        + "  - {name: cam, type: cam, threshold_factor: 0.75}\n", "fault-augment-" + attempt);
                int[] stored = new int[2];   // shards stored so far, of how many
                boolean[] doomedStored = {false};
                long until = System.currentTimeMillis() + Duration.ofMinutes(4).toMillis();
                try (io.lttricks.platform.bus.EventTail tail = new io.lttricks.platform.bus.EventTail(c, run.getRunId(), false)) {
                    tail.follow(e -> {
                        if (e.hasShard()) {
                            stored[0]++;
                            stored[1] = e.getShard().getShards();
                            doomedStored[0] |= e.getShard().getWorker().equals("augment/doomed");
                        }
                        return !doomedStored[0];
                    }, () -> System.currentTimeMillis() > until);
                }
                assertTrue(doomedStored[0], "the doomed replica stored a shard of attempt " + attempt + " in 4 minutes");
                if (stored[1] - stored[0] >= 4) {
                    killedAt = System.currentTimeMillis();
                    doomed.destroyForcibly();   // SIGKILL: no shutdown hook, no acknowledgement, no leave-group
                    System.out.printf("attempt %d: the doomed replica killed with %d of %d shards stored%n", attempt,
                            stored[0], stored[1]);
                } else {
                    System.out.printf("attempt %d: %d of %d shards stored when the doomed replica stored its first:"
                            + " too late to kill mid-stage; another run%n", attempt, stored[0], stored[1]);
                    finished(run);
                }
            }
            assertTrue(killedAt > 0, "the doomed replica was killed mid-stage in one of 4 runs");
            assertTrue(doomed.waitFor(30, TimeUnit.SECONDS));

            List<RunEvent> events = finished(run);
            RunEvent completed = events.stream().filter(e -> e.hasCompleted() && e.getStage().equals("cam")).findFirst()
                    .orElseThrow();
            JsonNode manifest = new ObjectMapper().readTree(system.store().get(completed.getCompleted().getOutputKey()));
            Set<Long> indices = new HashSet<>();
            for (JsonNode image : manifest.get("images")) {
                assertTrue(indices.add(image.get("index").asLong()), "image " + image.get("index") + " twice");
            }
            assertTrue(completed.getTimeMs() > killedAt, "the stage was still running when the replica was killed");
            long doomedShards = events.stream().filter(e -> e.hasShard() && e.getShard().getWorker().equals("augment/doomed")).count();
            assertTrue(events.stream().filter(RunEvent::hasShard).count() > doomedShards, "the others did the rest");
            long total = completed.getCompleted().getItems();
            assertEquals(total, indices.size(), "every generated image once");
            assertEquals(total - 1, indices.stream().mapToLong(Long::longValue).max().orElseThrow());
        } finally {
            doomed.destroyForcibly();
        }
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
