package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.core.data.Archives;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.util.Progress;
import io.lttricks.platform.Config;
import io.lttricks.platform.EventBus;
import io.lttricks.platform.Keys;
import io.lttricks.platform.ObjectStore;
import io.lttricks.platform.RecipeMapper;
import io.lttricks.platform.Topics;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.TrainStageRequest;
import io.lttricks.proto.v1.TrainerServiceGrpc;
import io.lttricks.proto.v1.WatchRunRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system end to end, in one process with a real Kafka broker and S3 server: a recipe through
 * all four services (data set, training, CAM generation by two augment workers, training on
 * original + generated images, evaluations) ending in reports; duplicate job deliveries change
 * nothing; the run survives a restart; errors come back as the documented status codes.
 */
class ServicesIntegrationTest {
    static final String[] CLASSES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void keepKafkaFromHaltingTheJvm() {
        org.apache.kafka.common.utils.internals.Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked to halt (" + code + "): " + message);
        });
        org.apache.kafka.common.utils.internals.Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked to exit (" + code + "): " + message);
        });
        System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, tmp.resolve("cache").toString());
    }

    /** 40 training and 10 test images per class: real CIFAR-10 when the workspace has it, otherwise coloured noise. */
    static byte[] miniCifar() throws Exception {
        Path shared = io.lttricks.cli.SharedDataLocator.cifar10Jpeg();
        Path root = tmp.resolve("mini-src/mini-cifar");
        Random r = new Random(3);
        for (String split : new String[] {"train", "test"}) {
            int n = split.equals("train") ? 40 : 10;
            for (int c = 0; c < CLASSES.length; c++) {
                Path dir = root.resolve(split).resolve(CLASSES[c]);
                Files.createDirectories(dir);
                for (int i = 0; i < n; i++) {
                    Path out = dir.resolve(String.format("%04d.jpg", i));
                    if (shared != null) {
                        Path extracted = Archives.extractOnce(shared, Progress.SILENT);
                        Files.copy(extracted.resolve("cifar-10-jpeg").resolve(split).resolve(CLASSES[c])
                                .resolve(String.format("%04d.jpg", i)), out);
                    } else {
                        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                        for (int y = 0; y < 32; y++) {
                            for (int x = 0; x < 32; x++) {
                                img.setRGB(x, y, (c * 25 << 16) ^ r.nextInt(1 << 16));
                            }
                        }
                        ImageIO.write(img, "jpg", out.toFile());
                    }
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted().toList()) {
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                    TarArchiveEntry e = new TarArchiveEntry(p.toFile(), root.getParent().relativize(p).toString());
                    tar.putArchiveEntry(e);
                    Files.copy(p, tar);
                    tar.closeArchiveEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    static void awaitGroupMembers(Config config, String group, int members) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap()))) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                var d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                if (d.members().size() >= members && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("consumer group " + group + " never had " + members + " members with partitions");
    }

    static List<RunEvent> watch(ManagedChannel channel, String runId) {
        List<RunEvent> events = new ArrayList<>();
        Iterator<RunEvent> it = RunServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.MINUTES)
                .watch(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (it.hasNext()) {
            events.add(it.next());
        }
        return events;
    }

    @Test
    void recipeRunsThroughAllFourServices() throws Exception {
        byte[] dataset = miniCifar();
        Path state = tmp.resolve("state");
        Map<String, String> env = Map.of(Config.AUGMENT_SHARDS, "16", Config.TOPIC_PARTITIONS, "8");
        String runId;
        byte[] shardBefore;
        byte[] manifestBefore;
        try (AllInOne all = AllInOne.start(state, tmp.resolve("no-data"), AllInOne.Ports.ANY, 2, env);
             ObjectStore store = ObjectStore.connect(all.config())) {
            store.put("datasets/mini-cifar.tar.gz", dataset, "application/gzip");
            awaitGroupMembers(all.config(), Topics.GROUP_AUGMENT, 2);
            ManagedChannel channel = ManagedChannelBuilder.forTarget(all.samplerTarget()).usePlaintext().build();
            try {
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                        .check(HealthCheckRequest.newBuilder().setService("lttricks.v1.RunService").build()).getStatus());
                String yaml = "name: it\n"
                        + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
                        + "backbone: resnet20\nseed: 1\nprofile: quick\nstages:\n"
                        + "  - {name: first, role: first_stage, epochs: 2, batch_size: 16, lr: 0.05}\n"
                        + "  - {name: cam, type: cam, threshold_factor: 0.75}\n"
                        + "  - {name: deferred, role: deferred, epochs: 1, batch_size: 16, generated: cam, sampler: class_balanced}\n";
                RunStatus submitted = RunServiceGrpc.newBlockingStub(channel).submit(SubmitRunRequest.newBuilder()
                        .setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml))).setRequestId("it-1").build());
                runId = submitted.getRunId();
                RunStatus again = RunServiceGrpc.newBlockingStub(channel).submit(SubmitRunRequest.newBuilder()
                        .setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml))).setRequestId("it-1").build());
                assertEquals(runId, again.getRunId(), "same request id, same run");

                List<RunEvent> events = watch(channel, runId);
                RunEvent last = events.get(events.size() - 1);
                assertTrue(last.hasFinished(), "watch ends with the run");
                assertEquals(RunPhase.RUN_SUCCEEDED, last.getFinished().getPhase(), last.getFinished().getMessage()
                        + "\n" + failures(events));

                RunResults results = RunServiceGrpc.newBlockingStub(channel).results(GetRunRequest.newBuilder().setRunId(runId).build());
                assertEquals(List.of("first", "deferred"), results.getStagesList().stream().map(s -> s.getStage()).toList());
                for (var s : results.getStagesList()) {
                    assertEquals(100, s.getMetrics().getImages());
                    for (String key : s.getMetrics().getPlotKeysList()) {
                        assertTrue(store.get(key).length > 1000, key);
                    }
                    assertTrue(new String(store.get(s.getMetrics().getTableKey())).contains("Top-1 error"));
                }

                // Every expected generated image exactly once, made by both augment workers.
                String generated = Keys.generated(Keys.stage(runId, 1, "cam"));
                JsonNode manifest = new ObjectMapper().readTree(store.get(Keys.generatedManifest(generated)));
                int expected = 0;
                for (JsonNode n : manifest.get("perClass")) {
                    expected += n.asInt();
                }
                Set<Long> indices = new HashSet<>();
                for (JsonNode e : manifest.get("images")) {
                    assertTrue(indices.add(e.get("index").asLong()), "image " + e.get("index") + " twice");
                }
                assertEquals(expected, indices.size());
                assertEquals(expected - 1, indices.stream().mapToLong(Long::longValue).max().orElseThrow());
                assertEquals(16, store.list(Keys.shards(generated)).size());
                Set<String> workers = new HashSet<>();
                for (RunEvent e : events) {
                    if (e.hasShard()) {
                        workers.add(e.getShard().getWorker());
                    }
                }
                assertEquals(2, workers.size(), "both augment workers took shards: " + workers);
                assertTrue(events.stream().anyMatch(e -> e.hasProgress() && e.getProgress().getEpochEnd()));

                // A duplicate delivery of a shard job and of a training job changes nothing.
                shardBefore = store.get(Keys.shard(generated, 0, 16));
                manifestBefore = store.get(Keys.generatedManifest(generated));
                redeliverFirst(all.config(), Topics.SHARD_JOBS, io.lttricks.proto.v1.ShardJob.parser());
                redeliverFirst(all.config(), Topics.TRAIN_JOBS, io.lttricks.proto.v1.TrainJob.parser());
                Thread.sleep(8000);
                assertArrayEquals(shardBefore, store.get(Keys.shard(generated, 0, 16)));
                assertArrayEquals(manifestBefore, store.get(Keys.generatedManifest(generated)));
                RunStatus after = RunServiceGrpc.newBlockingStub(channel).get(GetRunRequest.newBuilder().setRunId(runId).build());
                assertEquals(RunPhase.RUN_SUCCEEDED, after.getPhase());
                List<RunEvent> replay = watch(channel, runId);
                long queued = replay.stream().filter(RunEvent::hasQueued).count();
                assertEquals(3, queued, "no stage was dispatched again");

                // After a restart, a training stage resumes from its last stored checkpoint.
                String firstPrefix = Keys.stage(runId, 0, "first");
                assertTrue(store.exists(Keys.checkpoints(firstPrefix) + "epoch-0001.ckpt"));
                store.delete(Keys.finalCheckpoint(firstPrefix));
                redeliverFirst(all.config(), Topics.TRAIN_JOBS, io.lttricks.proto.v1.TrainJob.parser());
                long deadline = System.currentTimeMillis() + 120_000;
                while (!store.exists(Keys.finalCheckpoint(firstPrefix)) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(500);
                }
                assertTrue(store.exists(Keys.finalCheckpoint(firstPrefix)), "the stage finished again");
                // The run had already ended, so watch() stops at its first end: read the event log itself.
                List<Integer> resumedAfter = new ArrayList<>();
                long readUntil = System.currentTimeMillis() + 30_000;
                try (io.lttricks.platform.EventTail tail = new io.lttricks.platform.EventTail(all.config(), runId, false)) {
                    tail.follow(e -> {
                        if (e.hasStarted() && e.getStage().equals("first")) {
                            resumedAfter.add(e.getStarted().getResumedAfterEpoch());
                        }
                        return resumedAfter.size() < 2;
                    }, () -> System.currentTimeMillis() > readUntil);
                }
                assertEquals(List.of(0, 1), resumedAfter, "the first run started fresh, the redelivered one after epoch 1");

                // Cancelling a run stops its training stage and ends the watch.
                String longYaml = yaml.replace("epochs: 2, batch_size: 16, lr: 0.05", "epochs: 50, batch_size: 16, lr: 0.05")
                        .replace("name: it", "name: it-cancel");
                RunStatus cancelled = RunServiceGrpc.newBlockingStub(channel).submit(SubmitRunRequest.newBuilder()
                        .setRecipe(RecipeMapper.toProto(Recipes.parseYaml(longYaml))).build());
                Iterator<RunEvent> it = RunServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, java.util.concurrent.TimeUnit.MINUTES)
                        .watch(WatchRunRequest.newBuilder().setRunId(cancelled.getRunId()).build());
                RunEvent e = null;
                while (it.hasNext()) {
                    e = it.next();
                    if (e.hasProgress()) {
                        RunServiceGrpc.newBlockingStub(channel).cancel(GetRunRequest.newBuilder()
                                .setRunId(cancelled.getRunId()).build());
                        break;
                    }
                }
                while (it.hasNext()) {
                    e = it.next();
                }
                assertTrue(e != null && e.hasFinished());
                assertEquals(RunPhase.RUN_CANCELLED, e.getFinished().getPhase());
                Thread.sleep(5000);
                assertFalse(store.exists(Keys.finalCheckpoint(Keys.stage(cancelled.getRunId(), 0, "first"))),
                        "the cancelled stage stopped before its end");

                // Errors as status codes.
                StatusRuntimeException bad = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> RunServiceGrpc.newBlockingStub(channel).submit(SubmitRunRequest.newBuilder()
                                .setRecipe(RecipeMapper.toProto(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{loss: Hinge}]")))
                                .build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                assertTrue(bad.getStatus().getDescription().contains("CB_Focal"));
                StatusRuntimeException missing = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> RunServiceGrpc.newBlockingStub(channel).get(GetRunRequest.newBuilder().setRunId("nope").build()));
                assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
            } finally {
                channel.shutdownNow();
            }
            ManagedChannel trainer = ManagedChannelBuilder.forTarget((String) all.endpoints().get("trainer")).usePlaintext().build();
            try {
                StatusRuntimeException pre = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> TrainerServiceGrpc.newBlockingStub(trainer).submitStage(TrainStageRequest.newBuilder()
                                .setRunId("x").setRecipe(RecipeMapper.toProto(Recipes.parseYaml("dataset: {name: cifar10}\n")))
                                .setManifestKey("runs/x/manifest.json").setOutputPrefix("runs/x/01-train").build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, pre.getStatus().getCode());
            } finally {
                trainer.shutdownNow();
            }
        }
        // The state survives a restart of the whole system.
        try (AllInOne all = AllInOne.start(state, tmp.resolve("no-data"), AllInOne.Ports.ANY, 1, env)) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(all.samplerTarget()).usePlaintext().build();
            try {
                List<RunStatus> runs = RunServiceGrpc.newBlockingStub(channel).list(ListRunsRequest.getDefaultInstance()).getRunsList();
                assertEquals(2, runs.size());
                RunStatus first = runs.stream().filter(r -> r.getRunId().equals(runId)).findFirst().orElseThrow();
                assertEquals(RunPhase.RUN_SUCCEEDED, first.getPhase());
                assertFalse(first.getStages(2).getMetrics().getClassesList().isEmpty());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static String failures(List<RunEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (RunEvent e : events) {
            if (e.hasFailed()) {
                sb.append(e.getStage()).append(": ").append(e.getFailed().getReason()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Publishes the topic's first job again, as a redelivery after a crash would. */
    private static <T extends com.google.protobuf.Message> void redeliverFirst(Config config, String topic,
                                                                             com.google.protobuf.Parser<T> parser)
            throws com.google.protobuf.InvalidProtocolBufferException {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "it-redeliver-" + topic + "-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer());
             EventBus bus = EventBus.connect(config, "it")) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    bus.publish(topic, r.key(), parser.parseFrom(r.value()));
                    return;
                }
            }
        }
        throw new AssertionError("no job on " + topic);
    }
}
