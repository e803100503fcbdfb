package io.lttricks.core.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.eval.StageEvaluation;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.train.StageTrainer;
import io.lttricks.core.train.TrainListener;
import io.lttricks.core.transform.Transforms;
import io.lttricks.core.util.Progress;
import io.lttricks.core.util.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One training stage, done the same way by {@code lt train} ({@link TrainingRun}) and by the
 * trainer service: the training set (plus a cam stage's generated images, with the original class
 * counts kept for weights and class-first sampling), the network (from a checkpoint or the
 * official initialisation, seeded by the run seed and the stage), the trainer, evaluation between
 * epochs when the plan asks for it, and resuming from a checkpoint.
 */
public final class StageRunner {

    /**
     * What a stage trains on and from.
     *
     * @param test       the test set (evaluation between epochs; may be null when the plan has none)
     * @param generated  a cam stage's output directory whose images join the training set, or null
     * @param weights    the checkpoint the weights start from, or null for the initialisation
     * @param resumeFrom this stage's own checkpoint to continue from, or null
     * @param dataSource where the data were read from (the manifest's source), recorded in environment.jsonl
     */
    public record Inputs(TrainPlan plan, int stageIndex, String runName, String backbone, long seed, LabeledImages train,
                         LabeledImages test, Path generated, Path weights, Path resumeFrom, String dataSource) {
    }

    /**
     * @param loaderThreads      threads preparing batches (0: {@link StageRunner#loaderThreads}'s default)
     * @param maxBatchesPerEpoch cap on steps per epoch (0 = none): for benchmarks and smoke tests
     * @param evalBatchSize      images per forward pass when evaluating
     */
    public record Options(int loaderThreads, int maxBatchesPerEpoch, int evalBatchSize) {
        public static final Options DEFAULTS = new Options(0, 0, 256);
    }

    private StageRunner() {
    }

    /** Trains the stage into {@code dir}; returns its final checkpoint. */
    public static Path train(Inputs in, RunLayout.Stage dir, TrainListener listener, Options options, NDManager manager)
            throws IOException {
        return train(in, dir, listener, options, manager, null);
    }

    /**
     * As {@link #train(Inputs, RunLayout.Stage, TrainListener, Options, NDManager)}, with the epochs'
     * orders from {@code orders} (the sampler service's) instead of drawn here; null: drawn here.
     */
    public static Path train(Inputs in, RunLayout.Stage dir, TrainListener listener, Options options, NDManager manager,
                             io.lttricks.core.train.EpochOrders orders) throws IOException {
        LabeledImages stageTrain = in.train();
        int[] reference = null;
        if (in.generated() != null) {
            stageTrain = join(in.train(), GeneratedSet.images(in.generated()));
            reference = in.train().classCounts();
            listener.onNote("stage " + in.plan().name() + ": training on " + in.train().size() + " original + "
                    + (stageTrain.size() - in.train().size()) + " generated images");
        }
        Path start = in.resumeFrom() != null ? in.resumeFrom() : in.weights();
        if (start != null) {
            listener.onNote("stage " + in.plan().name() + ": weights from " + start);
        }
        Backbone model = model(in.backbone(), in.train(), manager, start, in.seed(), in.stageIndex());
        RunEnvironment env = RunEnvironment.current().withData(in.dataSource())
                .withPrecision(in.plan().precision(), manager.getDevice());
        Files.createDirectories(dir.path());
        env.appendTo(dir.environment());
        listener.onNote("stage " + in.plan().name() + ": " + env.summary());
        StageTrainer.Builder trainer = StageTrainer.builder(in.plan(), model, manager)
                .setData(stageTrain, Transforms.train(model, in.train(), in.plan().colourJitter()))
                .setSeed(in.seed(), in.stageIndex())
                .setOutput(in.runName(), dir)
                .optReferenceCounts(reference)
                .optOrders(orders)
                .optListener(listener)
                .optLoaderThreads(loaderThreads(stageTrain, options.loaderThreads()))
                .optMaxBatchesPerEpoch(options.maxBatchesPerEpoch());
        if (in.test() != null) {
            trainer.optEvaluator(StageEvaluation.betweenEpochs(manager, in.test(), in.train().classCounts(), in.plan(),
                    options.evalBatchSize()));
        }
        return trainer.build().run(in.resumeFrom());
    }

    /**
     * A stage's network for training set {@code train}: weights from checkpoint {@code weights}, or
     * the official initialisation seeded from the run seed and the stage index; initialised on
     * {@code manager}.
     */
    public static Backbone model(String backbone, LabeledImages train, NDManager manager, Path weights, long seed,
                                 int stageIndex) throws IOException {
        Backbone model = Backbones.create(backbone, train.numClasses());
        ImageTransform t = Transforms.train(model, train);
        if (weights != null) {
            Checkpoint.loadInto(weights, model, manager);
        } else {
            Engine.getInstance().setRandomSeed(Seeds.stream(seed, "init", stageIndex).nextInt() & 0x7fffffff);
        }
        model.initialize(manager, DataType.FLOAT32, new Shape(1, t.channels(), t.height(), t.width()));
        return model;
    }

    /**
     * Batch-preparing threads: as configured; else, for images in memory (CIFAR: a 32x32 crop and
     * flip, about 1 ms a batch), none when the engine's threads take every core (the batch is made
     * on the training thread: a loader thread there takes a core from the convolutions' threads,
     * which then wait for each other; 2 cores, bf16 ResNet-32: 493-495 against 364-440 images/s,
     * 2026-12-07) and 1 when a core is left (a GPU trains); and for image files every core but one, at least 1:
     * the remaining core is the training thread's, which feeds the device. One loader thread
     * decodes, crops, jitters and normalises about 340 ImageNet-sized JPEGs a second (AMD EPYC,
     * docs/PERFORMANCE.md "Loader cores for a GPU trainer"), so a GPU training a ResNet-50 at its
     * published float32 (TF32) rate on an A100 needs about 3 such cores and a ResNet-10 about 13:
     * the GPU overlay (deploy/components/gpu-trainer) gives a trainer 16 CPUs, that is 15 loader
     * threads.
     */
    public static int loaderThreads(LabeledImages images, int configured) {
        if (configured > 0) {
            return configured;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (images instanceof InMemoryImages) {
            return engineThreads() >= cores ? 0 : 1;
        }
        return Math.max(1, cores - 1);
    }

    /** The engine's intra-op threads (PyTorch), or the cores where it does not say. */
    private static int engineThreads() {
        try {
            return ai.djl.pytorch.jni.JniUtils.getNumThreads();
        } catch (RuntimeException | LinkageError e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** The training set with generated images appended (decoded into memory when the originals are). */
    public static LabeledImages join(LabeledImages train, FileImages generated) throws IOException {
        if (train instanceof InMemoryImages mem) {
            return mem.concat(generated.toMemory(mem.height(), mem.width(),
                    Runtime.getRuntime().availableProcessors(), Progress.SILENT));
        }
        if (train instanceof FileImages files) {
            return files.concat(generated);
        }
        if (train instanceof io.lttricks.core.data.ShardedImages shards) {
            return new io.lttricks.core.data.JoinedImages(shards, generated);
        }
        throw new IllegalArgumentException("cannot join generated images to " + train.getClass().getSimpleName());
    }
}
