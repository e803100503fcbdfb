package io.lttricks.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.Config;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.ShardJob;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CAM generation stage through two augment replicas on in-memory storage and bus: the planner's
 * shard jobs, shards delivered twice, the manifest written by whoever stores the last shard, the
 * completion event, and storage failures. ImageTrans needs no model, so this runs in about a second.
 */
class AugmenterTest {
    static final String RUN = "aug-1";
    static final int SHARDS = 4;
    static final String PREFIX = Keys.generated(Keys.stage(RUN, 1, "cam"));
    static final String MANIFEST = Keys.generatedManifest(PREFIX);

    @TempDir
    Path dir;

    InMemoryObjectStore store;
    InMemoryEventBus bus;
    Augmenter a;
    Augmenter b;
    CamJob job;

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryObjectStore();
        bus = new InMemoryEventBus();
        // The services read no local path a recipe names: the data set is registered on the server.
        writeCifar(dir.resolve("datasets").resolve("cifar"), 20, 2);
        java.util.Map<String, String> registered = java.util.Map.of(Config.DATASET_DIRS,
                dir.resolve("datasets").toAbsolutePath().toString());
        io.lttricks.proto.v1.Recipe recipe = RecipeMapper.toProto(Recipes.parseYaml("""
                name: aug
                dataset: {name: cifar10, source: 'dataset://cifar', imbalance: 10}
                seed: 3
                profile: quick
                stages:
                  - {name: first, epochs: 1}
                  - {name: cam, type: cam, method: image_trans}
                """));
        Platform pa = TestPlatform.of(dir.resolve("a"), "a", store, bus, registered);
        store.put(Keys.manifest(RUN), manifestJson(pa, recipe), "application/json");
        a = new Augmenter(pa);
        b = new Augmenter(TestPlatform.of(dir.resolve("b"), "b", store, bus, registered));
        job = CamJob.newBuilder().setRunId(RUN).setRecipe(recipe).setStageIndex(1)
                .setPlan(io.lttricks.platform.plan.PlanMapper.toProto((io.lttricks.core.plan.CamPlan) RecipeMapper.resolve(recipe).stages().get(1)))
                .setManifestKey(Keys.manifest(RUN)).setOutputPrefix(PREFIX).setShards(SHARDS).build();
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
    }

    /** The run's long-tailed training set, as the sampler service stores it. */
    static byte[] manifestJson(Platform platform, io.lttricks.proto.v1.Recipe recipe) throws IOException {
        Path m = Files.createTempFile("manifest", ".json");
        try {
            new DataAccess(platform).load(RecipeMapper.fromProto(recipe).dataset(), null).manifest().write(m);
            return Files.readAllBytes(m);
        } finally {
            Files.delete(m);
        }
    }

    /** A CIFAR-10 binary directory of noise images: {@code perClass} training and {@code testPerClass} test images per class. */
    static Path writeCifar(Path dir, int perClass, int testPerClass) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(7);
        int perBatch = perClass * 10 / 5;
        for (int batch = 1; batch <= 5; batch++) {
            Files.write(dir.resolve("data_batch_" + batch + ".bin"), records(perBatch, r));
        }
        Files.write(dir.resolve("test_batch.bin"), records(testPerClass * 10, r));
        Files.writeString(dir.resolve("batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
        return dir;
    }

    private static byte[] records(int n, Random r) {
        byte[] out = new byte[n * 3073];
        r.nextBytes(out);
        for (int k = 0; k < n; k++) {
            out[k * 3073] = (byte) (k % 10);
        }
        return out;
    }

    List<ShardJob> plan() throws Exception {
        a.plan(job);
        return bus.messages(Topics.SHARD_JOBS, ShardJob.class);
    }

    List<RunEvent> completions() {
        return bus.events(RunEvent.KindCase.COMPLETED);
    }

    @Test
    void thePlannerSplitsTheStageIntoShardJobsSpreadOverPartitions() throws Exception {
        List<ShardJob> shards = plan();
        assertEquals(SHARDS, shards.size());
        long total = shards.get(0).getTo();
        assertTrue(total > SHARDS, "a few images to generate: " + total);
        for (int s = 0; s < SHARDS; s++) {
            ShardJob j = shards.get(s);
            assertEquals(s, j.getShard());
            assertEquals(SHARDS, j.getShards());
            assertEquals(Keys.shard(PREFIX, s, SHARDS), j.getOutputKey(), "a shard's key is a function of the stage and the shard");
            assertTrue(j.getSplitBySource());
            assertEquals(job, j.getStage());
            assertEquals(s, bus.published(Topics.SHARD_JOBS).get(s).partition(), "one partition after another");
        }
        RunEvent started = bus.events(RunEvent.KindCase.STARTED).get(0);
        assertEquals("cam", started.getStage());
        assertEquals(SHARDS, started.getStarted().getTotal());
        assertEquals(List.of(), completions());
        assertEquals(List.of(Keys.generationStarted(PREFIX)), store.list(PREFIX + "/"),
                "the planner writes nothing but the record that the generation started (for GetGeneration)");
    }

    @Test
    void whoeverStoresTheLastShardWritesTheManifestOnceAndCompletesTheStage() throws Exception {
        List<ShardJob> shards = plan();
        long total = shards.get(0).getTo();
        for (int s = 0; s < SHARDS; s++) {
            assertFalse(store.exists(MANIFEST), "no manifest before the last shard");
            assertEquals(List.of(), completions());
            (s % 2 == 0 ? a : b).shard(shards.get(s));
        }
        assertEquals(1, store.writes(MANIFEST).size());
        List<RunEvent> done = completions();
        assertEquals(1, done.size());
        assertEquals("cam", done.get(0).getStage());
        assertEquals(MANIFEST, done.get(0).getCompleted().getOutputKey());
        assertEquals(total, done.get(0).getCompleted().getItems());

        JsonNode manifest = new ObjectMapper().readTree(store.get(MANIFEST));
        Set<Long> indices = new HashSet<>();
        for (JsonNode e : manifest.get("images")) {
            assertTrue(indices.add(e.get("index").asLong()), "image " + e.get("index") + " twice");
        }
        assertEquals(total, indices.size(), "every generated image once");
        assertEquals(total - 1, indices.stream().mapToLong(Long::longValue).max().orElseThrow());
        assertEquals("image_trans", manifest.get("method").asText());

        List<RunEvent> shardEvents = bus.events(RunEvent.KindCase.SHARD);
        assertEquals(SHARDS, shardEvents.size());
        assertEquals(Set.of("augment/a", "augment/b"), new HashSet<>(shardEvents.stream()
                .map(e -> e.getShard().getWorker()).toList()));
        assertEquals(total, shardEvents.stream().mapToLong(e -> e.getShard().getImages()).sum());
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FAILED));
    }

    @Test
    void aShardDeliveredTwiceWritesTheSameObject() throws Exception {
        ShardJob shard = plan().get(1);
        a.shard(shard);
        String key = shard.getOutputKey();
        byte[] first = store.get(key);

        b.shard(shard);
        assertEquals(1, store.writes(key).size(), "a stored shard is not generated again");
        List<RunEvent> events = bus.events(RunEvent.KindCase.SHARD);
        assertEquals(events.get(0).getShard().getImages(), events.get(1).getShard().getImages());

        store.delete(key);   // lost, or never acknowledged: another replica makes it again
        b.shard(shard);
        assertArrayEquals(first, store.get(key), "the same bytes, from another replica");
        assertFalse(store.exists(MANIFEST));
    }

    @Test
    void theManifestIsTheSameHoweverOftenAndByWhomeverItIsWritten() throws Exception {
        List<ShardJob> shards = plan();
        for (ShardJob s : shards) {
            a.shard(s);
        }
        // Every shard delivered again, to the other replica, and the stage job too.
        for (ShardJob s : shards) {
            b.shard(s);
        }
        b.plan(job);
        List<byte[]> versions = store.writes(MANIFEST);
        assertTrue(versions.size() >= 2, "written again by the redeliveries");
        assertEquals(1, versions.stream().map(ByteBuffer::wrap).distinct().count(), "one content");
        for (int s = 0; s < SHARDS; s++) {
            assertEquals(1, store.writes(Keys.shard(PREFIX, s, SHARDS)).size());
        }
        assertTrue(completions().stream().allMatch(e -> e.getCompleted().getOutputKey().equals(MANIFEST)));
        assertEquals(SHARDS, bus.messages(Topics.SHARD_JOBS, ShardJob.class).size(), "a complete set is not split again");
    }

    @Test
    void aStorageOutageAsksForARetryAndTheShardIsStoredWhenItPasses() throws Exception {
        ShardJob shard = plan().get(0);
        store.failNext(1, PREFIX);
        assertThrows(JobWorker.Retry.class, () -> a.shard(shard));
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FAILED), "a transient failure does not fail the stage");

        store.failNext(2, PREFIX);
        List<Duration> pauses = new ArrayList<>();
        JobAttempts<ShardJob> attempts = new JobAttempts<>((k, j) -> a.shard(j), (k, j, last) -> a.giveUp(j.getStage(), last),
                JobAttempts.RetryPolicy.DEFAULT, pauses::add);
        assertEquals(JobAttempts.Outcome.DONE, attempts.run("k", shard).outcome());
        assertEquals(2, pauses.size());
        assertTrue(store.exists(shard.getOutputKey()));
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FAILED));
    }

    @Test
    void anOutageThatLastsFailsTheStageWithItsReason() throws Exception {
        ShardJob shard = plan().get(0);
        store.failNext(1000, PREFIX);
        JobAttempts<ShardJob> attempts = new JobAttempts<>((k, j) -> a.shard(j), (k, j, last) -> a.giveUp(j.getStage(), last),
                new JobAttempts.RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(8)), d -> { });
        assertEquals(JobAttempts.Outcome.GAVE_UP, attempts.run("k", shard).outcome());
        List<RunEvent> failed = bus.events(RunEvent.KindCase.FAILED);
        assertEquals(1, failed.size());
        assertEquals("cam", failed.get(0).getStage());
        String reason = failed.get(0).getFailed().getReason();
        assertTrue(reason.startsWith("failed 3 times, the last: object storage: cannot reach"), reason);
    }

    @Test
    void aMissingInputFailsTheStageAtOnce() throws Exception {
        store.delete(Keys.manifest(RUN));
        a.plan(job);   // no retry: a missing manifest does not come back by waiting
        List<RunEvent> failed = bus.events(RunEvent.KindCase.FAILED);
        assertEquals(1, failed.size());
        assertEquals("cam", failed.get(0).getStage());
        assertTrue(failed.get(0).getFailed().getReason().contains(Keys.manifest(RUN)), failed.get(0).getFailed().getReason());
        assertEquals(List.of(), bus.published(Topics.SHARD_JOBS));
    }
}
