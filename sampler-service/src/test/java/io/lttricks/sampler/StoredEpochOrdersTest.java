package io.lttricks.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.coordinator.EpochSampler;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.train.EpochOrderChunk;
import io.lttricks.core.train.EpochOrders;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.testing.InMemoryObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 26 item 1: sampling is the sampler service's work. A stage's epoch orders are drawn with the
 * function {@code lt train} draws them with, over the stored manifests, and stored in chunks of ten
 * epochs as far as asked and no further.
 */
class StoredEpochOrdersTest {
    static final String MANIFEST = "runs/r/manifest.json";
    static final String GENERATED = "runs/r/02-cam/generated/manifest.json";

    InMemoryObjectStore store;
    StoredEpochOrders sampler;

    @BeforeEach
    void setUp() throws Exception {
        store = new InMemoryObjectStore();
        sampler = new StoredEpochOrders(store);
        List<LongTailManifest.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            entries.add(new LongTailManifest.Entry(null, i, i < 6 ? 0 : 1));
        }
        Path tmp = Files.createTempFile("manifest", ".json");
        new LongTailManifest(LongTailManifest.FORMAT, "cifar10", null, "exponential", 3.0, 0L, List.of("a", "b"),
                new int[] {6, 2}, entries).write(tmp);
        store.putFile(MANIFEST, tmp, "application/json");
        Files.delete(tmp);
        List<GeneratedSet.Entry> generated = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            generated.add(new GeneratedSet.Entry(i, "b/" + i + ".png", 1, "6", null, 10));
        }
        store.put(GENERATED, new ObjectMapper().writeValueAsBytes(new GeneratedSet.Manifest("1", "cam", "paper", 1.0,
                "over", 0, "x", List.of("a", "b"), new int[] {0, 4}, generated)), "application/json");
    }

    static TrainPlan plan(String stage) {
        List<StagePlan> plans = RecipeMapper.resolve(RecipeMapper.toProto(Recipes.parseYaml(
                "name: s\ndataset: {name: cifar10, imbalance: 3}\nprofile: quick\nstages: [" + stage + "]\n"))).stages();
        return (TrainPlan) plans.get(0);
    }

    @Test
    void theOrdersAreTheOnesLtTrainDrawsOverTheStoredLongTailedSet() throws Exception {
        TrainPlan plan = plan("{name: main, epochs: 3, drs: {sampler: class_balanced, start_epoch: 2}}");
        String prefix = Keys.stage("r", 0, "main");
        assertEquals(1, sampler.storeThrough(new EpochSampler.Stage(prefix, plan, MANIFEST, null, 7, 0), 20));
        EpochOrders drawn = EpochOrders.drawn(plan, new int[] {0, 0, 0, 0, 0, 0, 1, 1}, 2, null, 7, 0);
        EpochOrderChunk c = EpochOrderChunk.decode(store.get(Keys.orders(prefix, 1)));
        assertEquals(8, c.images());
        for (int e = 1; e <= 3; e++) {
            assertArrayEquals(drawn.order(e), c.order(e), "epoch " + e);
            assertEquals(drawn.samplerName(e), c.sampler(e), "epoch " + e);
        }
        assertEquals("class_balanced", c.sampler(3), "the deferred switch is in the orders");
    }

    @Test
    void aStageThatAddsGeneratedImagesIsSampledOverBothSets() throws Exception {
        TrainPlan plan = plan("{name: deferred, epochs: 1, sampler: class_balanced}");
        String prefix = Keys.stage("r", 2, "deferred");
        sampler.storeThrough(new EpochSampler.Stage(prefix, plan, MANIFEST, GENERATED, 7, 2), 20);
        EpochOrders joined = EpochOrders.drawn(plan, new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, 2, new int[] {6, 2}, 7, 2);
        EpochOrderChunk d = EpochOrderChunk.decode(store.get(Keys.orders(prefix, 1)));
        assertEquals(12, d.images(), "8 originals and 4 generated images");
        assertArrayEquals(joined.order(1), d.order(1));
    }

    @Test
    void chunksAreStoredAsFarAsAskedNeverTwiceAndTheLastEndsWithTheStage() throws Exception {
        TrainPlan plan = plan("{name: main, epochs: 45}");
        String prefix = Keys.stage("r", 0, "main");
        EpochSampler.Stage stage = new EpochSampler.Stage(prefix, plan, MANIFEST, null, 7, 0);
        assertEquals(2, sampler.storeThrough(stage, 20));
        assertTrue(store.exists(Keys.orders(prefix, 1)) && store.exists(Keys.orders(prefix, 11)));
        assertFalse(store.exists(Keys.orders(prefix, 21)), "as far as asked, no more");
        byte[] first = store.get(Keys.orders(prefix, 1));
        store.failNext(1000, prefix);   // storage away: what it knows is stored is not asked for again
        assertEquals(0, sampler.storeThrough(stage, 20), "the coordinator asks at every epoch; no request for known chunks");
        assertThrows(java.io.IOException.class, () -> sampler.storeThrough(stage, 25));
        store.failNext(0, prefix);
        assertEquals(1, sampler.storeThrough(stage, 25), "only the chunk that was missing");
        assertEquals(0, sampler.storeThrough(stage, 25));
        assertEquals(2, sampler.storeThrough(stage, 60), "through the stage's last epoch, not past it");
        assertFalse(store.exists(Keys.orders(prefix, 51)));
        assertEquals(5, EpochOrderChunk.decode(store.get(Keys.orders(prefix, 41))).orders().size(),
                "the last chunk ends with the stage");
        sampler.forget(Keys.run("r"));
        store.delete(Keys.orders(prefix, 11));
        assertEquals(1, sampler.storeThrough(stage, 20), "drawn again after forgetting: the same seed, the same orders");
        assertArrayEquals(first, store.get(Keys.orders(prefix, 1)));
        EpochOrders drawn = EpochOrders.drawn(plan, new int[] {0, 0, 0, 0, 0, 0, 1, 1}, 2, null, 7, 0);
        assertArrayEquals(drawn.order(11), EpochOrderChunk.decode(store.get(Keys.orders(prefix, 11))).order(11));
    }
}
