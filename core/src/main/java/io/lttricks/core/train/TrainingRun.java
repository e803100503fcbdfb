package io.lttricks.core.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lttricks.core.cam.CamStage;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.eval.Evaluator;
import io.lttricks.core.loss.Losses;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StagePlan;
import io.lttricks.core.util.Progress;
import io.lttricks.core.util.Seeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recipe run end to end in one directory: data, every stage in order, an evaluation of each
 * stage's final model, and the run's report. Rerunning with {@code resume} continues where the
 * directory left off: finished stages are kept, an unfinished one restarts from its last checkpoint.
 *
 * <pre>
 * RUN/recipe.json            the resolved recipe (what runs)
 * RUN/manifest.json          the long-tailed training set, image by image
 * RUN/NN-STAGE/history.jsonl one line per epoch
 * RUN/NN-STAGE/checkpoints/  periodic checkpoints (the last two)
 * RUN/NN-STAGE/final.ckpt    the stage's final model
 * RUN/NN-STAGE/report.json   its evaluation (and report.txt)
 * RUN/report.json            the last stage's evaluation (and report.txt)
 * </pre>
 */
public final class TrainingRun {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param loaderThreads      threads preparing batches (0: 1 for in-memory images, all cores otherwise)
     * @param maxBatchesPerEpoch cap on steps per epoch (0 = none): for benchmarks and smoke tests
     */
    public record Options(Path dataDir, boolean download, int loaderThreads, int evalBatchSize, int maxBatchesPerEpoch) {
        public static Options defaults(Path dataDir) {
            return new Options(dataDir, true, 0, 256, 0);
        }
    }

    /** The reports of every stage, and of the run (the last stage). */
    public record Result(Path runDir, Map<String, EvaluationReport> stageReports, EvaluationReport report) {
    }

    private final Recipes.Resolved resolved;
    private final Path runDir;
    private final TrainListener listener;
    private final Progress progress;
    private final Options options;

    public TrainingRun(Recipes.Resolved resolved, Path runDir, TrainListener listener, Progress progress, Options options) {
        this.resolved = resolved;
        this.runDir = runDir;
        this.listener = listener;
        this.progress = progress;
        this.options = options;
    }

    public static Path recipeFile(Path runDir) {
        return runDir.resolve("recipe.json");
    }

    /** Reads the recipe a run directory was started with. */
    public static Recipes.Resolved readRunRecipe(Path runDir) throws IOException {
        Path f = recipeFile(runDir);
        if (!Files.isRegularFile(f)) {
            throw new IOException(runDir + " is not a run directory (no recipe.json)");
        }
        return Recipes.resolve(Recipes.parseJson(Files.readString(f)));
    }

    public Result run(boolean resume) throws IOException {
        Path recipeFile = recipeFile(runDir);
        if (Files.exists(recipeFile) && !resume) {
            throw new IOException(runDir + " already holds a run: resume it with --resume, or choose another --out");
        }
        Files.createDirectories(runDir);
        if (!Files.exists(recipeFile)) {
            Files.writeString(recipeFile, Recipes.toJson(resolved.recipe()), StandardCharsets.UTF_8);
        }
        Recipe recipe = resolved.recipe();
        long seed = recipe.seedOrDefault();

        Path manifestFile = runDir.resolve("manifest.json");
        var spec = recipe.dataset();
        if (Files.exists(manifestFile) && spec.manifest() == null) {
            spec = new io.lttricks.core.data.DatasetSpec(spec.name(), spec.source(), spec.imbalance(), spec.profile(),
                    spec.paretoAlpha(), spec.seed(), manifestFile.toString(), spec.trainList(), spec.testList(),
                    spec.classNames());
        }
        Datasets.Loaded data = new Datasets(options.dataDir(), options.download(), progress).load(spec);
        data.notes().forEach(listener::onNote);
        if (!Files.exists(manifestFile)) {
            data.manifest().write(manifestFile);
        }
        LabeledImages train = data.train();
        listener.onNote(String.format("training set: %d images in %d classes, counts %s; test set: %d images",
                train.size(), train.numClasses(), brief(train.classCounts()), data.test().size()));

        Device device = Engine.getInstance().defaultDevice();
        listener.onNote("device: " + device + " (" + Engine.getInstance().getEngineName() + " "
                + Engine.getInstance().getVersion() + ")");
        Map<String, EvaluationReport> reports = new LinkedHashMap<>();
        Map<String, Path> generatedSets = new LinkedHashMap<>();
        Path previousFinal = null;
        EvaluationReport last = null;
        List<StagePlan> stages = resolved.stages();
        for (int i = 0; i < stages.size(); i++) {
            StagePlan plan = stages.get(i);
            Path stageDir = runDir.resolve(String.format("%02d-%s", i + 1, plan.name()));
            if (plan.isCam()) {
                Path model = "previous".equals(plan.init()) ? previousFinal : Path.of(plan.init());
                Path out = stageDir.resolve("generated");
                listener.onNote("stage " + plan.name() + ": " + ("cam".equals(plan.camMethod())
                        ? "CAM-based sampling from " + model + ", foreground >= " + plan.camThresholdFactor() + " x mean"
                        : "ImageTrans (whole-image transformations)") + " -> " + out);
                long t0 = System.nanoTime();
                GeneratedSet.Manifest m = CamStage.run(plan, model, train, seed, out, device, progress);
                listener.onNote(String.format(java.util.Locale.ROOT, "stage %s: %d images generated, per class %s (%.1f s)",
                        plan.name(), m.images().size(), brief(m.perClass()), (System.nanoTime() - t0) / 1e9));
                generatedSets.put(plan.name(), out);
                continue;
            }
            LabeledImages stageTrain = train;
            int[] reference = null;
            if (plan.generated() != null) {
                stageTrain = join(train, GeneratedSet.images(generatedSets.get(plan.generated())));
                reference = train.classCounts();
                listener.onNote("stage " + plan.name() + ": training on " + train.size() + " original + "
                        + (stageTrain.size() - train.size()) + " generated images");
            }
            Path finalCkpt = StageTrainer.finalCheckpoint(stageDir);
            Path reportFile = stageDir.resolve("report.json");
            try (NDManager manager = NDManager.newBaseManager(device)) {
                Backbone model;
                if (!Files.exists(finalCkpt)) {
                    Path resumeFrom = StageTrainer.latestCheckpoint(stageDir);
                    Path init = resumeFrom != null ? resumeFrom
                            : plan.fromScratch() ? null
                            : "previous".equals(plan.init()) ? previousFinal : Path.of(plan.init());
                    if (init != null) {
                        listener.onNote("stage " + plan.name() + ": weights from " + init);
                    }
                    model = stageModel(recipe.backbone(), train, manager, init, seed, i);
                    new StageTrainer(plan, i, recipe.name(), model, manager, stageTrain, Transforms.train(model, train),
                            seed, stageDir, listener, loaderThreads(stageTrain, options.loaderThreads()),
                            options.maxBatchesPerEpoch(), reference)
                            .evaluatingWith(epochEvaluator(manager, data.test(), train.classCounts(), plan,
                                    options.evalBatchSize()))
                            .run(resumeFrom);
                } else {
                    model = stageModel(recipe.backbone(), train, manager, finalCkpt, seed, i);
                }
                EvaluationReport report;
                if (Files.exists(reportFile) && Files.getLastModifiedTime(reportFile).compareTo(
                        Files.getLastModifiedTime(finalCkpt)) >= 0) {
                    report = JSON.readValue(reportFile.toFile(), EvaluationReport.class);
                } else {
                    report = evaluateStage(model, manager, data.test(), train.classCounts(), plan,
                            options.evalBatchSize(), progress).withBestTestEpoch(StageTrainer.testErrors(stageDir));
                    writeReport(stageDir, report);
                }
                reports.put(plan.name(), report);
                listener.onStageEnd(plan.name(), report, reportFile);
                last = report;
            }
            previousFinal = finalCkpt;
        }
        writeReport(runDir, last);
        return new Result(runDir, reports, last);
    }

    /**
     * A stage's network for training set {@code train}: weights from checkpoint {@code weights}, or
     * Kaiming initialisation seeded from the run seed and the stage index; initialised on
     * {@code manager}.
     */
    public static Backbone stageModel(String backbone, LabeledImages train, NDManager manager, Path weights, long seed,
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

    /** Batch-preparing threads: as configured, else 1 for images in memory and all cores for image files. */
    public static int loaderThreads(LabeledImages images, int configured) {
        if (configured > 0) {
            return configured;
        }
        return images instanceof io.lttricks.core.data.InMemoryImages ? 1 : Runtime.getRuntime().availableProcessors();
    }

    /** The evaluation of a stage's final model on the test set. */
    public static EvaluationReport evaluateStage(Backbone model, NDManager manager, LabeledImages test, int[] trainCounts,
                                                 StagePlan plan, int batchSize, Progress progress) throws IOException {
        boolean sigmoid = Losses.create(plan.loss(), plan.lossGamma(), plan.lossBeta()).sigmoid();
        String selection = "final model of stage " + plan.name() + " (epoch " + plan.epochs()
                + "); no model selection on test data";
        return new Evaluator(batchSize, 1).evaluate(model, manager, test, Transforms.test(model, test), sigmoid,
                trainCounts, selection, progress);
    }

    /** Test-set evaluation between epochs of a stage (used when the plan asks for it). */
    public static EpochEvaluator epochEvaluator(NDManager manager, LabeledImages test,
                                                int[] trainCounts, StagePlan plan, int batchSize) {
        return m -> evaluateStage(m, manager, test, trainCounts, plan, batchSize, Progress.SILENT).top1Error();
    }

    /** The training set with generated images appended (decoded into memory when the originals are). */
    public static LabeledImages join(LabeledImages train, io.lttricks.core.data.FileImages generated) throws IOException {
        if (train instanceof io.lttricks.core.data.InMemoryImages mem) {
            return mem.concat(generated.toMemory(mem.height(), mem.width(),
                    Runtime.getRuntime().availableProcessors(), Progress.SILENT));
        }
        if (train instanceof io.lttricks.core.data.FileImages files) {
            return files.concat(generated);
        }
        throw new IllegalArgumentException("cannot join generated images to " + train.getClass().getSimpleName());
    }

    public static void writeReport(Path dir, EvaluationReport report) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("report.json").toFile(), report);
        Files.writeString(dir.resolve("report.txt"), report.table(), StandardCharsets.UTF_8);
    }

    private static String brief(int[] counts) {
        if (counts.length <= 12) {
            return java.util.Arrays.toString(counts);
        }
        return "[" + counts[0] + ", " + counts[1] + ", ..., " + counts[counts.length - 1] + "]";
    }
}
