package io.lttricks.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.Config;
import io.lttricks.platform.DataAccess;
import io.lttricks.platform.InMemoryRunStateStore;
import io.lttricks.platform.JobWorker;
import io.lttricks.platform.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.RecipeMapper;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestData;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training stage on in-memory storage and bus: what a trainer told to shut down does with it. */
class TrainWorkerTest {
    static final String RUN = "drain-1";

    @TempDir
    Path dir;

    /**
     * Told to stop in the middle of a stage (SIGTERM with a drain time), the trainer finishes the
     * epoch, stores its checkpoint although checkpoint_every would store none until the end, and
     * ends the job as stopped (not failed, not completed), so that it is delivered again; the next
     * trainer resumes after that epoch and completes the stage.
     */
    @Test
    void aStageToldToStopStoresItsEpochAndTheNextTrainerResumesFromIt() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore();
        InMemoryEventBus bus = new InMemoryEventBus();
        TestData.cifarDir(dir.resolve("datasets").resolve("cifar"), 10);
        Map<String, String> registered = Map.of(Config.DATASET_DIRS, dir.resolve("datasets").toAbsolutePath().toString());
        Recipe recipe = RecipeMapper.toProto(Recipes.parseYaml("""
                name: drain
                dataset: {name: cifar10, source: 'dataset://cifar', imbalance: 10}
                backbone: resnet20
                seed: 3
                stages:
                  - {name: main, epochs: 3, batch_size: 16, lr: 0.05, checkpoint_every: 5}
                """));
        Platform first = TestPlatform.of(dir.resolve("a"), "a", store, bus, registered);
        Path manifest = Files.createTempFile(dir, "manifest", ".json");
        new DataAccess(first).load(RecipeMapper.fromProto(recipe).dataset(), null).manifest().write(manifest);
        store.putFile(Keys.manifest(RUN), manifest, "application/json");
        String prefix = Keys.stage(RUN, 0, "main");
        TrainJob job = TrainJob.newBuilder().setRunId(RUN).setRecipe(recipe).setStageIndex(0)
                .setPlanJson(RecipeMapper.toJson(RecipeMapper.resolve(recipe).stages().get(0)))
                .setManifestKey(Keys.manifest(RUN)).setOutputPrefix(prefix).build();
        InMemoryRunStateStore runs = new InMemoryRunStateStore();

        TrainWorker trainer = new TrainWorker(first, runs);
        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.getProgress().getEpochEnd() && e.getProgress().getEpoch() == 1) {
                trainer.stopAfterEpoch();   // SIGTERM arrives during epoch 2 at the latest
            }
        });
        JobWorker.Stopped stopped = assertThrows(JobWorker.Stopped.class, () -> trainer.handle(job));
        assertTrue(stopped.getMessage().contains("after epoch 1"), stopped.getMessage());
        assertTrue(store.exists(Keys.checkpoints(prefix) + "epoch-0001.ckpt"), "the epoch it stopped after is stored");
        assertFalse(store.exists(Keys.finalCheckpoint(prefix)));
        assertEquals(List.of(), events(bus, RunEvent.KindCase.FAILED), "stopping is not failing");
        assertEquals(List.of(), events(bus, RunEvent.KindCase.COMPLETED));

        new TrainWorker(TestPlatform.of(dir.resolve("b"), "b", store, bus, registered), runs).handle(job);
        assertEquals(List.of(0, 1), events(bus, RunEvent.KindCase.STARTED).stream()
                .map(e -> e.getStarted().getResumedAfterEpoch()).toList(), "the redelivered job resumes after epoch 1");
        assertEquals(1, events(bus, RunEvent.KindCase.COMPLETED).size());
        assertTrue(store.exists(Keys.finalCheckpoint(prefix)));
        assertEquals(List.of(1, 2, 3), events(bus, RunEvent.KindCase.PROGRESS).stream()
                .filter(e -> e.getProgress().getEpochEnd()).map(e -> e.getProgress().getEpoch()).toList(),
                "each epoch trained once: nothing lost, nothing repeated");
    }

    private static List<RunEvent> events(InMemoryEventBus bus, RunEvent.KindCase kind) {
        return bus.published().stream().map(InMemoryEventBus.Published::message).filter(m -> m instanceof RunEvent)
                .map(m -> (RunEvent) m).filter(e -> e.getKindCase() == kind).toList();
    }
}
