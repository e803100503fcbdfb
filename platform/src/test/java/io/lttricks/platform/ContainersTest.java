package io.lttricks.platform;

import io.lttricks.platform.bus.DeadLetters;
import io.lttricks.platform.bus.Deliveries;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.bus.KafkaEventBus;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.platform.store.S3ObjectStore;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.bus.Topics;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.containers.MinIOContainer;

/**
 * The platform's clients against the real thing: a MinIO server and an Apache Kafka broker in
 * containers. Runs where a Docker engine is available; reported as skipped where none is.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainersTest {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.4.0");

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z")
            .withUserName("lttricks").withPassword("lttricks-secret");

    static Config config() {
        return Config.from(Map.of(
                Config.KAFKA_BOOTSTRAP, KAFKA.getBootstrapServers(),
                Config.S3_ENDPOINT, MINIO.getS3URL(),
                Config.S3_ACCESS_KEY, MINIO.getUserName(),
                Config.S3_SECRET_KEY, MINIO.getPassword(),
                Config.TOPIC_PARTITIONS, "2"), 0);
    }

    @Test
    void objectStoreWorksAgainstMinio() throws Exception {
        try (ObjectStore store = new S3ObjectStore(config())) {
            store.ensureBucket();
            store.put("runs/t/x.bin", new byte[] {1, 2, 3}, "application/octet-stream");
            assertArrayEquals(new byte[] {1, 2, 3}, store.get("runs/t/x.bin"));
            assertEquals(List.of("runs/t/x.bin"), store.list("runs/t/"));
            assertFalse(store.exists("runs/t/y.bin"));
        }
    }

    @Test
    void jobsAndRunStateWorkAgainstKafka() throws Exception {
        Config config = config();
        Topics.ensure(config);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (EventBus bus = new KafkaEventBus(config, "test");
             RunStateStore runs = new KafkaRunStateStore(config, bus);
             JobWorker<DatasetJob> worker = new JobWorker<>(config, ServiceMetrics.inMemory(), Topics.DATASET_JOBS,
                     "test-group", DatasetJob.parser(), new JobAttempts<>((key, job) -> seen.add(job.getRunId()),
                     (key, job, last) -> { }, JobAttempts.RetryPolicy.DEFAULT), new DeadLetters(bus, "test-group"),
                     Deliveries.inMemory()).start()) {
            bus.publish(Topics.DATASET_JOBS, "r1", DatasetJob.newBuilder().setRunId("r1").build());
            runs.put(RunStatus.newBuilder().setRunId("r1").setName("n").build());
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(List.of("r1"), seen);
            assertTrue(runs.get("r1").isPresent());
        }
    }
}
