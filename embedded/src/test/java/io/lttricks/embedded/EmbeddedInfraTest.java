package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.KafkaEventBus;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.platform.store.S3ObjectStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.RunStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker and S3 server with the platform's clients; state survives a restart. */
class EmbeddedInfraTest {
    @TempDir
    Path dir;

    @Test
    void objectsAndRunStateSurviveARestart() throws Exception {
        for (int round = 0; round < 2; round++) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
                 EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "ak", "sk-secret")) {
                Config config = Config.from(java.util.Map.of(
                        Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                        Config.S3_ENDPOINT, s3.endpoint(),
                        Config.S3_ACCESS_KEY, "ak",
                        Config.S3_SECRET_KEY, "sk-secret",
                        Config.TOPIC_PARTITIONS, "2"), 0);
                Topics.ensure(config);
                try (ObjectStore store = new S3ObjectStore(config);
                     EventBus bus = new KafkaEventBus(config, "test");
                     RunStateStore runs = new KafkaRunStateStore(config, bus)) {
                    store.ensureBucket();
                    if (round == 0) {
                        store.put("runs/r1/a.txt", "hello".getBytes(), "text/plain");
                        runs.put(RunStatus.newBuilder().setRunId("r1").setName("first").setSubmittedMs(1).build());
                        runs.put(RunStatus.newBuilder().setRunId("r1").setName("second").setSubmittedMs(1).build());
                        assertThrows(ObjectStore.NoSuchObjectException.class, () -> store.get("runs/r1/none"));
                        assertFalse(store.exists("runs/r1/none"));
                    } else {
                        assertArrayEquals("hello".getBytes(), store.get("runs/r1/a.txt"));
                        assertEquals(List.of("runs/r1/a.txt"), store.list("runs/"));
                        assertEquals("second", runs.get("r1").orElseThrow().getName());
                        assertEquals(1, runs.all().size());
                    }
                    assertTrue(store.exists("runs/r1/a.txt"));
                }
            }
        }
    }

    /**
     * Callers fetching one key into one file at once (two augment workers sharing a work directory
     * read the same best.ckpt) all finish with the whole file: each downloads into its own
     * temporary file (one shared ".part" name made a rename fail now and then).
     */
    @Test
    void concurrentDownloadsOfOneObjectAllSucceed() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "ak", "sk-secret")) {
            Config config = Config.from(java.util.Map.of(Config.S3_ENDPOINT, s3.endpoint(), Config.S3_ACCESS_KEY, "ak",
                    Config.S3_SECRET_KEY, "sk-secret"), 0);
            try (ObjectStore store = new S3ObjectStore(config)) {
                store.ensureBucket();
                byte[] data = new byte[3 << 20];
                new java.util.Random(1).nextBytes(data);
                store.put("runs/r1/best.ckpt", data, "application/zip");
                Path target = dir.resolve("work/objects/runs/r1/best.ckpt");
                for (int round = 0; round < 5; round++) {
                    java.nio.file.Files.deleteIfExists(target);
                    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    List<java.util.concurrent.Future<Path>> calls = new java.util.ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        calls.add(pool.submit(() -> {
                            go.await();
                            return store.getFile("runs/r1/best.ckpt", target);
                        }));
                    }
                    go.countDown();
                    for (java.util.concurrent.Future<Path> c : calls) {
                        assertEquals(target, c.get());
                    }
                    pool.shutdown();
                    assertArrayEquals(data, java.nio.file.Files.readAllBytes(target));
                    try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(target.getParent())) {
                        assertEquals(List.of(target), left.toList(), "no temporary file left behind");
                    }
                }
            }
        }
    }
}
