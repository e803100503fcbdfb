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
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.proto.v1.TrainJob;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26 item 2: no trainer idles while a stage waits. Two workers, the train topic's one partition (a
 * share group gives each partition to a single member while members are fewer than partitions), a long first
 * job: in a share group ({@link JobWorker.Delivery#SHARED}) the second job goes to the idle worker
 * at once, the busy worker keeps its job past the broker's lock time by renewing it (nobody else
 * gets it), and a job stopped for a shutdown is handed on to the other worker. The same setup as a
 * classic consumer group shows what it fixes: the second job waits behind the busy worker.
 */
class SharedDeliveryTest {
    @TempDir
    Path dir;

    @Test
    void anIdleWorkerTakesTheNextJobWhileTheOtherHoldsItsOwnPastTheLockTime() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            Config config = Config.from(Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.TOPIC_PARTITIONS, "8"), 0);
            Topics.ensure(config);   // the trainers' share group starts from the earliest job
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertEquals(1, admin.describeTopics(List.of(Topics.TRAIN_JOBS)).allTopicNames().get()
                        .get(Topics.TRAIN_JOBS).partitions().size(), "one train partition, which every trainer shares"
                        + " (a share group gives each partition to one member while members are fewer)");
                for (String topic : List.of(Topics.SHARD_JOBS, Topics.EVAL_JOBS)) {
                    assertEquals(1, admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                            .size(), topic + ": augment shards and evaluations are shared the same way");
                }
                assertEquals(8, admin.describeTopics(List.of(Topics.AUGMENT_JOBS)).allTopicNames().get()
                        .get(Topics.AUGMENT_JOBS).partitions().size(), "short jobs keep the configured partitions");
            }
            Map<String, List<String>> ranBy = new ConcurrentHashMap<>();
            CountDownLatch firstTaken = new CountDownLatch(1);
            CountDownLatch secondDone = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            try (EventBus bus = new KafkaEventBus(config, "test")) {
                bus.publish(Topics.TRAIN_JOBS, "long", TrainJob.newBuilder().setRunId("long").build());
                try (JobWorker<TrainJob> a = worker(config, bus, JobWorker.Delivery.SHARED, "a", ranBy, job -> {
                        firstTaken.countDown();
                        releaseFirst.await(120, TimeUnit.SECONDS);
                    }).start()) {
                    assertTrue(firstTaken.await(60, TimeUnit.SECONDS), "worker a takes the long job");
                    try (JobWorker<TrainJob> b = worker(config, bus, JobWorker.Delivery.SHARED, "b", ranBy,
                            job -> secondDone.countDown()).start()) {
                        long published = System.nanoTime();
                        bus.publish(Topics.TRAIN_JOBS, "short", TrainJob.newBuilder().setRunId("short").build());
                        assertTrue(secondDone.await(30, TimeUnit.SECONDS), "the idle worker takes the job waiting behind"
                                + " the busy one on the same partition");
                        System.out.printf("second job taken by the idle worker %.1f s after it was published%n",
                                (System.nanoTime() - published) / 1e9);
                        assertEquals(List.of("short"), ranBy.get("b"));
                        // Past the broker's 30 s acquisition lock: renewed, so b never gets the long job.
                        Thread.sleep(40_000);
                        assertEquals(List.of("short"), ranBy.get("b"), "the busy worker's job stays its own");
                        releaseFirst.countDown();
                        Thread.sleep(3_000);
                    }
                }
                assertEquals(List.of("long"), ranBy.get("a"));
            }
        }
    }

    @Test
    void aJobStoppedForAShutdownGoesToTheOtherWorkerAndAClassicGroupMakesTheSecondJobWait() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            Config config = Config.from(Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.TOPIC_PARTITIONS, "1"), 0);
            Topics.ensure(config);
            Map<String, List<String>> ranBy = new ConcurrentHashMap<>();
            CountDownLatch taken = new CountDownLatch(1);
            CountDownLatch resumed = new CountDownLatch(1);
            try (EventBus bus = new KafkaEventBus(config, "test")) {
                bus.publish(Topics.TRAIN_JOBS, "stage", TrainJob.newBuilder().setRunId("stage").build());
                JobWorker<TrainJob> a = worker(config, bus, JobWorker.Delivery.SHARED, "a", ranBy, job -> {
                    taken.countDown();
                    Thread.sleep(2_000);
                    throw new JobWorker.Stopped("stopping for a shutdown");
                }).start();
                assertTrue(taken.await(60, TimeUnit.SECONDS));
                try (JobWorker<TrainJob> b = worker(config, bus, JobWorker.Delivery.SHARED, "b", ranBy,
                        job -> resumed.countDown()).start()) {
                    a.drain(java.time.Duration.ofSeconds(30));
                    assertTrue(resumed.await(60, TimeUnit.SECONDS), "the stopped job is taken up by the other worker");
                }
                assertEquals(List.of("stage"), ranBy.get("a"));
                assertEquals(List.of("stage"), ranBy.get("b"));

                // The same with a classic consumer group: one partition, so one worker owns it all.
                String group = "classic-" + System.nanoTime();
                CountDownLatch busy = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                List<String> order = new CopyOnWriteArrayList<>();
                try (JobWorker<TrainJob> c = classic(config, group, order, busy, release).start();
                     JobWorker<TrainJob> d = classic(config, group, order, busy, release).start()) {
                    bus.publish(Topics.TRAIN_JOBS, "one", TrainJob.newBuilder().setRunId("one").build());
                    bus.publish(Topics.TRAIN_JOBS, "two", TrainJob.newBuilder().setRunId("two").build());
                    assertTrue(busy.await(60, TimeUnit.SECONDS));
                    Thread.sleep(10_000);
                    assertTrue(order.stream().noneMatch(s -> s.startsWith("two")),
                            "in a classic group the job behind the busy worker's waits: " + order);
                    release.countDown();
                }
            }
        }
    }

    interface Body {
        void run(TrainJob job) throws Exception;
    }

    private static JobWorker<TrainJob> worker(Config config, EventBus bus, JobWorker.Delivery delivery, String name,
                                              Map<String, List<String>> ranBy, Body body) {
        String group = delivery == JobWorker.Delivery.SHARED ? Topics.group(Topics.GROUP_TRAINER, config)
                : Topics.GROUP_TRAINER;
        return new JobWorker<>(config, ServiceMetrics.inMemory(), delivery, Topics.TRAIN_JOBS, group,
                TrainJob.parser(), new JobAttempts<TrainJob>((key, job) -> {
                    ranBy.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(job.getRunId());
                    body.run(job);
                }, (key, job, last) -> { }, JobAttempts.RetryPolicy.DEFAULT),
                new DeadLetters(bus, group), Deliveries.inMemory());
    }

    private static JobWorker<TrainJob> classic(Config config, String group, List<String> order, CountDownLatch busy,
                                               CountDownLatch release) {
        return new JobWorker<>(config, ServiceMetrics.inMemory(), JobWorker.Delivery.PARTITIONS, Topics.TRAIN_JOBS, group,
                TrainJob.parser(), new JobAttempts<TrainJob>((key, job) -> {
                    order.add(job.getRunId() + " " + Thread.currentThread().getName());
                    if (job.getRunId().equals("one")) {
                        busy.countDown();
                        release.await(120, TimeUnit.SECONDS);
                    }
                }, (key, job, last) -> { }, JobAttempts.RetryPolicy.DEFAULT),
                new DeadLetters(new io.lttricks.platform.testing.InMemoryEventBus(), group), Deliveries.inMemory());
    }
}
