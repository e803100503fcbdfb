package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.DeadLetters;
import io.lttricks.platform.bus.Deliveries;
import io.lttricks.platform.bus.EndedRuns;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.bus.KafkaEventBus;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26 item 4: Kafka drops an idle group's committed offsets after offsets.retention.minutes
 * (7 days by default) while the job topics keep every record; the group then starts again from the
 * earliest job. Here the offsets are deleted as the broker's expiry deletes them: the jobs of runs
 * that ended are committed without running, a failed run's evaluation and a live run's job still run.
 */
class ReplayAfterIdleTest {
    static final String GROUP = "replay-group";

    @TempDir
    Path dir;

    @Test
    void aGroupWhoseOffsetsExpiredRunsNoJobOfAnEndedRunAgain() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            // A classic consumer group, whose committed offsets expire (the delivery of the short
            // jobs, and of every job under LT_JOB_DELIVERY=partitions); the guard that skips ended
            // runs' jobs is the same in share groups.
            Config config = Config.from(Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.TOPIC_PARTITIONS, "2", Config.JOB_DELIVERY, "partitions"), 0);
            Topics.ensure(config);
            InMemoryRunStateStore runs = new InMemoryRunStateStore();
            List<String> ran = new CopyOnWriteArrayList<>();
            try (EventBus bus = new KafkaEventBus(config, "test")) {
                for (String run : List.of("done", "cancelled", "failed")) {
                    bus.publish(Topics.EVAL_JOBS, run, EvalJob.newBuilder().setRunId(run).setStage("train").build());
                }
                consume(config, runs, ran, 3);
                assertEquals(Set.of("done", "cancelled", "failed"), Set.copyOf(ran), "first time: every job runs");

                // A week later: the runs have ended, the group's offsets are gone, a new run has a job waiting.
                runs.put(RunStatus.newBuilder().setRunId("done").setPhase(RunPhase.RUN_SUCCEEDED).build());
                runs.put(RunStatus.newBuilder().setRunId("cancelled").setPhase(RunPhase.RUN_CANCELLED).build());
                runs.put(RunStatus.newBuilder().setRunId("failed").setPhase(RunPhase.RUN_FAILED).build());
                runs.put(RunStatus.newBuilder().setRunId("new").setPhase(RunPhase.RUN_RUNNING).build());
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    Set<TopicPartition> partitions = IntStream.range(0, 2).mapToObj(p -> new TopicPartition(Topics.EVAL_JOBS, p))
                            .collect(Collectors.toSet());
                    admin.deleteConsumerGroupOffsets(GROUP, partitions).all().get();
                    assertTrue(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().isEmpty(),
                            "no committed offset left");
                }
                bus.publish(Topics.EVAL_JOBS, "new", EvalJob.newBuilder().setRunId("new").setStage("train").build());
                ran.clear();
                consume(config, runs, ran, 2);
                Thread.sleep(2000);   // time for anything else to run, were it to
                assertEquals(Set.of("failed", "new"), Set.copyOf(ran),
                        "a failed run's evaluation and the new run's job; the ended runs' jobs are not run again");
                assertEquals(2, ran.size(), ran.toString());
            }
        }
    }

    /** A worker of the group, reading {@code runs}, until {@code n} jobs ran. */
    static void consume(Config config, InMemoryRunStateStore runs, List<String> ran, int n) throws InterruptedException {
        try (JobWorker<EvalJob> w = new JobWorker<>(config, ServiceMetrics.inMemory(), Topics.EVAL_JOBS, GROUP,
                EvalJob.parser(), new JobAttempts<EvalJob>((key, job) -> ran.add(job.getRunId()), (key, job, last) -> { },
                JobAttempts.RetryPolicy.DEFAULT), new DeadLetters(new InMemoryEventBus(), GROUP), Deliveries.inMemory())
                .skipping(EndedRuns.guard(runs)).start()) {
            long deadline = System.currentTimeMillis() + 90_000;
            while (ran.size() < n && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
        }
    }
}
