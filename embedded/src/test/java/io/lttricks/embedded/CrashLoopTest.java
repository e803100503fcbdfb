package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.DeadLetters;
import io.lttricks.platform.bus.Deliveries;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.bus.KafkaEventBus;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.proto.v1.DeadLetter;
import io.lttricks.proto.v1.DeadLetterCause;
import io.lttricks.proto.v1.TrainJob;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26 item 3: a job whose worker dies while running it (here: the worker closed mid-job, as a
 * killed pod leaves it, uncommitted) is delivered again; counted in storage, not in the process,
 * the deliveries end: after {@link Deliveries#MAX} the next worker does not run it but reports it
 * failed and sends it to the dead-letter topic (DEAD_LETTER_CRASHED). A job that ends normally
 * leaves no count behind.
 */
class CrashLoopTest {
    @TempDir
    Path dir;

    @Test
    void aJobThatKillsEveryWorkerEndsInTheDeadLetterTopic() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            Config config = Config.from(java.util.Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.TOPIC_PARTITIONS, "1"), 0);
            Topics.ensure(config);
            InMemoryObjectStore store = new InMemoryObjectStore();
            InMemoryEventBus letters = new InMemoryEventBus();
            List<String> ran = new CopyOnWriteArrayList<>();
            List<String> reported = new CopyOnWriteArrayList<>();
            Semaphore started = new Semaphore(0);
            try (EventBus bus = new KafkaEventBus(config, "test")) {
                bus.publish(Topics.TRAIN_JOBS, "r1", TrainJob.newBuilder().setRunId("r1").setStageIndex(0).build());
                for (int worker = 1; worker <= Deliveries.MAX + 1; worker++) {
                    String name = "w" + worker;
                    JobWorker<TrainJob> w = new JobWorker<>(config, ServiceMetrics.inMemory(), Topics.TRAIN_JOBS,
                            "crash-group", TrainJob.parser(), new JobAttempts<TrainJob>((key, job) -> {
                                ran.add(name);
                                started.release();
                                Thread.sleep(600_000);   // "crashes": the worker is closed while it runs
                            }, (key, job, last) -> reported.add(last.getMessage()), JobAttempts.RetryPolicy.DEFAULT),
                            new DeadLetters(letters, "crash-group"), Deliveries.in(store)).start();
                    try {
                        if (worker <= Deliveries.MAX) {
                            assertTrue(started.tryAcquire(90, TimeUnit.SECONDS), "delivery " + worker + " ran");
                        } else {
                            long deadline = System.currentTimeMillis() + 90_000;
                            while ((reported.isEmpty() || !store.list(Deliveries.PREFIX).isEmpty())
                                    && System.currentTimeMillis() < deadline) {
                                Thread.sleep(100);
                            }
                        }
                    } finally {
                        w.close();
                    }
                }
                // A job that ends normally leaves no count, and the dead-lettered one is not taken again.
                bus.publish(Topics.TRAIN_JOBS, "r2", TrainJob.newBuilder().setRunId("r2").setStageIndex(0).build());
                try (JobWorker<TrainJob> w = new JobWorker<>(config, ServiceMetrics.inMemory(), Topics.TRAIN_JOBS,
                        "crash-group", TrainJob.parser(), new JobAttempts<TrainJob>((key, job) -> {
                            ran.add(job.getRunId());
                            started.release();
                        }, (key, job, last) -> reported.add(last.getMessage()), JobAttempts.RetryPolicy.DEFAULT),
                        new DeadLetters(letters, "crash-group"), Deliveries.in(store)).start()) {
                    assertTrue(started.tryAcquire(90, TimeUnit.SECONDS), "r2 ran");
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (!store.list(Deliveries.PREFIX).isEmpty() && System.currentTimeMillis() < deadline) {
                        Thread.sleep(100);
                    }
                }
            }
            assertEquals(List.of("w1", "w2", "w3", "r2"), ran, "run on each of the first deliveries only");
            assertEquals(1, reported.size(), "reported failed once: " + reported);
            assertTrue(reported.get(0).startsWith("taken up 3 times and never finished"), reported.get(0));
            List<DeadLetter> dead = letters.messages(Topics.DEAD_LETTERS, DeadLetter.class);
            assertEquals(1, dead.size());
            assertEquals(DeadLetterCause.DEAD_LETTER_CRASHED, dead.get(0).getCause());
            assertEquals("r1", dead.get(0).getRunId());
            assertEquals(List.of(), store.list(Deliveries.PREFIX), "the count goes with the job");
        }
    }
}
