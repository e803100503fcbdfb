package io.lttricks.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.Config;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
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

    final InMemoryObjectStore store = new InMemoryObjectStore();
    final InMemoryEventBus bus = new InMemoryEventBus();
    final InMemoryRunStateStore runs = new InMemoryRunStateStore();

    /** A trainer's platform named {@code name} (its own work directory) on the shared store and bus. */
    Platform platform(String name) {
        return TestPlatform.of(dir.resolve(name), name, store, bus,
                Map.of(Config.DATASET_DIRS, dir.resolve("datasets").toAbsolutePath().toString()));
    }

    /** The job of the first stage of a recipe with {@code stages}, its training set stored. */
    TrainJob job(String stages) throws java.io.IOException {
        TestData.cifarDir(dir.resolve("datasets").resolve("cifar"), 10);
        Recipe recipe = RecipeMapper.toProto(Recipes.parseYaml("""
                name: drain
                dataset: {name: cifar10, source: 'dataset://cifar', imbalance: 10}
                backbone: resnet20
                seed: 3
                stages:
                """ + stages));
        Path manifest = Files.createTempFile(dir, "manifest", ".json");
        new DataAccess(platform("setup")).load(RecipeMapper.fromProto(recipe).dataset(), null).manifest().write(manifest);
        store.putFile(Keys.manifest(RUN), manifest, "application/json");
        return TrainJob.newBuilder().setRunId(RUN).setRecipe(recipe).setStageIndex(0)
                .setPlan(io.lttricks.platform.plan.PlanMapper.toProto((io.lttricks.core.plan.TrainPlan) RecipeMapper.resolve(recipe).stages().get(0)))
                .setManifestKey(Keys.manifest(RUN)).setOutputPrefix(Keys.stage(RUN, 0, "main")).build();
    }

    /**
     * A stage whose best test epoch a cam stage reads stores best.ckpt whenever an epoch beats the
     * ones before (an event with best set, not a resume point), and the trainer that resumes it
     * fetches the kept weights first, so the stored ones end as the best of all its epochs.
     */
    @Test
    void aStageKeepingItsBestTestEpochStoresItAndAResumedOneContinuesFromIt() throws Exception {
        TrainJob job = job("  - {name: main, role: first_stage, epochs: 3, batch_size: 16, lr: 0.05, checkpoint_every: 5}\n"
                + "  - {name: cam, type: cam, maps_from: best_test_epoch}\n");
        String prefix = job.getOutputPrefix();
        TrainWorker trainer = new TrainWorker(platform("a"), runs);
        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.getProgress().getEpochEnd() && e.getProgress().getEpoch() == 1) {
                trainer.stopAfterEpoch();
            }
        });
        assertThrows(JobWorker.Stopped.class, () -> trainer.handle(job));
        assertTrue(store.exists(Keys.bestCheckpoint(prefix)), "the first tested epoch is the best so far");
        assertEquals(List.of(1), events(bus, RunEvent.KindCase.CHECKPOINT).stream()
                .filter(e -> e.getCheckpoint().getBest()).map(e -> e.getCheckpoint().getEpoch()).toList());

        Platform second = platform("b");
        Path local = second.config().workDir().resolve(prefix).resolve("best.ckpt");
        List<Boolean> fetchedBeforeTraining = new java.util.ArrayList<>();
        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.hasStarted()) {
                fetchedBeforeTraining.add(Files.exists(local));
            }
        });
        new TrainWorker(second, runs).handle(job);
        assertEquals(List.of(true), fetchedBeforeTraining);
        Path history = Files.createTempFile(dir, "history", ".jsonl");
        store.getFile(Keys.history(prefix), history);
        java.util.SortedMap<Integer, Double> errors = io.lttricks.core.train.StageTrainer.testErrors(Files.readAllLines(history));
        assertEquals(List.of(1, 2, 3), List.copyOf(errors.keySet()), "every epoch tested");
        Path best = Files.createTempFile(dir, "best", ".ckpt");
        store.getFile(Keys.bestCheckpoint(prefix), best);
        io.lttricks.core.train.Checkpoint.Meta meta = io.lttricks.core.train.Checkpoint.verify(best);
        assertEquals(java.util.Collections.min(errors.values()), meta.testError());
        assertEquals(errors.entrySet().stream().filter(e -> e.getValue().equals(meta.testError())).findFirst()
                .orElseThrow().getKey(), meta.epoch(), "the earliest epoch with the lowest error");
    }

    /**
     * Told to stop in the middle of a stage (SIGTERM with a drain time), the trainer finishes the
     * epoch, stores its checkpoint although checkpoint_every would store none until the end, and
     * ends the job as stopped (not failed, not completed), so that it is delivered again; the next
     * trainer resumes after that epoch and completes the stage.
     */
    @Test
    void aStageToldToStopStoresItsEpochAndTheNextTrainerResumesFromIt() throws Exception {
        TrainJob job = job("  - {name: main, epochs: 3, batch_size: 16, lr: 0.05, checkpoint_every: 5}\n");
        String prefix = job.getOutputPrefix();
        TrainWorker trainer = new TrainWorker(platform("a"), runs);
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

        new TrainWorker(platform("b"), runs).handle(job);
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

    /**
     * Issue 26 item 2: a stage whose job was delivered again to another trainer (the new owner
     * writes its token) is stopped by the former owner before it stores anything more; a trainer
     * whose job's partition moved stops at its next batch. Neither completes nor fails the stage.
     */
    @Test
    void aStageTakenOverByAnotherTrainerIsStoppedWithoutStoringMore() throws Exception {
        TrainJob job = job("  - {name: main, epochs: 3, batch_size: 16, lr: 0.05, checkpoint_every: 1}\n");
        String prefix = job.getOutputPrefix();
        TrainWorker a = new TrainWorker(platform("a"), runs);
        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.getProgress().getEpochEnd() && e.getProgress().getEpoch() == 1) {
                try {   // trainer b takes the job up
                    store.put(prefix + "/owner", "b 0000".getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain");
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            }
        });
        JobWorker.Stopped stopped = assertThrows(JobWorker.Stopped.class, () -> a.handle(job));
        assertTrue(stopped.getMessage().startsWith("the stage was taken over by trainer b"), stopped.getMessage());
        assertFalse(store.exists(Keys.checkpoints(prefix) + "epoch-0002.ckpt"), "nothing stored after the takeover");
        assertFalse(store.exists(Keys.finalCheckpoint(prefix)));
        assertEquals(List.of(), events(bus, RunEvent.KindCase.FAILED));
        assertEquals(List.of(), events(bus, RunEvent.KindCase.COMPLETED));

        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.hasStarted()) {
                a.yieldCurrent();   // the partition moves as soon as the stage starts
            }
        });
        JobWorker.Stopped moved = assertThrows(JobWorker.Stopped.class, () -> a.handle(job));
        assertTrue(moved.getMessage().startsWith("the job's partition moved to another trainer"), moved.getMessage());
        assertFalse(store.exists(Keys.checkpoints(prefix) + "epoch-0002.ckpt"));
        assertEquals(List.of(), events(bus, RunEvent.KindCase.COMPLETED));
    }

    /**
     * Issue 26 item 1: a stage trained on the sampler service's stored orders gives the same bits as
     * the same stage drawing its orders itself (lt train's way); a trainer whose orders are not
     * stored yet waits, says so, and goes on when they come.
     */
    @Test
    void aStageOnTheSamplersOrdersGivesTheSameBitsAsOneDrawingThemItself() throws Exception {
        TrainJob drawing = job("  - {name: main, epochs: 2, batch_size: 16, lr: 0.05, sampler: class_balanced,"
                + " drs: {sampler: square_root, start_epoch: 1}}\n");
        new TrainWorker(platform("a"), runs).handle(drawing);
        String sampledPrefix = Keys.stage("sampled-1", 0, "main");
        TrainJob sampled = drawing.toBuilder().setRunId("sampled-1").setOutputPrefix(sampledPrefix).setSampled(true).build();
        io.lttricks.core.plan.TrainPlan plan = io.lttricks.platform.plan.PlanMapper.fromProto(sampled.getPlan());
        List<Integer> waitedFor = new java.util.concurrent.CopyOnWriteArrayList<>();
        bus.onPublish(p -> {
            if (p.message() instanceof RunEvent e && e.getProgress().getWaitingForEpoch() > 0) {
                waitedFor.add(e.getProgress().getWaitingForEpoch());
                try {   // the sampler hears it and stores the orders
                    new io.lttricks.sampler.StoredEpochOrders(store).storeThrough(new io.lttricks.coordinator.EpochSampler.Stage(
                            sampledPrefix, plan, sampled.getManifestKey(), null, 3, 0), 20);
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            }
        });
        new TrainWorker(platform("b"), runs).handle(sampled);
        assertEquals(List.of(1), waitedFor, "waited once, for epoch 1, and was served");
        assertEquals(modelDigest(Keys.finalCheckpoint(drawing.getOutputPrefix())), modelDigest(Keys.finalCheckpoint(sampledPrefix)),
                "the same bits");
    }

    String modelDigest(String key) throws java.io.IOException {
        Path file = Files.createTempFile(dir, "final", ".ckpt");
        store.getFile(key, file);
        return io.lttricks.core.train.Checkpoint.readMeta(file).sha256().get("model.params");
    }
}
