package io.lttricks.core.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.eval.ReportPlots;
import io.lttricks.core.eval.StageEvaluation;
import io.lttricks.core.eval.TrainingCurves;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.plan.StageInputs;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.train.StageStopped;
import io.lttricks.core.train.StageTrainer;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A recipe run end to end in one directory ({@link RunLayout}): data, every stage in order, an
 * evaluation of each training stage's final model, and the run's report. Rerunning with
 * {@code resume} continues where the directory left off: finished stages are kept, an unfinished
 * one restarts from its last checkpoint.
 */
public final class TrainingRun {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param loaderThreads      threads preparing batches (0: 1 for in-memory images, all cores but one otherwise)
     * @param maxBatchesPerEpoch cap on steps per epoch (0 = none): for benchmarks and smoke tests
     */
    public record Options(Path dataDir, boolean download, int loaderThreads, int evalBatchSize, int maxBatchesPerEpoch) {
        public static Options defaults(Path dataDir) {
            return new Options(dataDir, true, 0, 256, 0);
        }

        StageRunner.Options stage() {
            return new StageRunner.Options(loaderThreads, maxBatchesPerEpoch, evalBatchSize);
        }
    }

    /** The reports of every training stage, and of the run (the last training stage). */
    public record Result(Path runDir, Map<String, EvaluationReport> stageReports, EvaluationReport report) {
    }

    private final Recipes.Resolved resolved;
    private final RunLayout layout;
    private final RunListener listener;
    private final Progress progress;
    private final Options options;
    private DataLoader data;

    /** Turns the recipe's data set into images: a local source by default; object storage where a caller has it. */
    @FunctionalInterface
    public interface DataLoader {
        Datasets.Loaded load(DatasetSpec spec) throws IOException;
    }

    public TrainingRun(Recipes.Resolved resolved, Path runDir, RunListener listener, Progress progress, Options options) {
        this.resolved = resolved;
        this.layout = new RunLayout(runDir);
        this.listener = listener;
        this.progress = progress;
        this.options = options;
        this.data = spec -> new Datasets(options.dataDir(), options.download(), progress).load(spec);
    }

    /** Where the data set comes from instead of a local source (a shard set in storage, read through a cache). */
    public TrainingRun withDataLoader(DataLoader loader) {
        this.data = loader;
        return this;
    }

    /**
     * How far the run in {@code layout} has come, in words, from file names alone: finished, not
     * started, or the stage it stopped in and the last epoch it can resume after.
     */
    public static String state(RunLayout layout, List<StagePlan> stages) throws IOException {
        if (Files.exists(layout.report())) {
            return "finished (" + layout.report() + ")";
        }
        if (!Files.exists(layout.recipe())) {
            return "not started";
        }
        for (int i = 0; i < stages.size(); i++) {
            StagePlan plan = stages.get(i);
            RunLayout.Stage dir = layout.stage(i, plan.name());
            if (plan instanceof CamPlan) {
                if (!Files.exists(dir.generated().resolve(GeneratedSet.MANIFEST))) {
                    return "stopped in stage " + plan.name() + " (image generation, which starts again)";
                }
            } else if (plan instanceof TrainPlan p && !Files.exists(dir.finalCheckpoint())) {
                List<Path> checkpoints = dir.periodicCheckpoints();
                if (checkpoints.isEmpty()) {
                    return "stopped before stage " + p.name() + " trained a checkpoint (it starts at epoch 1)";
                }
                String last = checkpoints.get(checkpoints.size() - 1).getFileName().toString();
                return "stopped in stage " + p.name() + " after epoch "
                        + Integer.parseInt(last.substring("epoch-".length(), last.length() - ".ckpt".length()))
                        + " of " + p.epochs() + " (its last checkpoint; it resumes there)";
            }
        }
        return "trained; the final evaluation is left";
    }

    /** Reads the recipe a run directory was started with. */
    public static Recipes.Resolved readRunRecipe(Path runDir) throws IOException {
        Path f = new RunLayout(runDir).recipe();
        if (!Files.isRegularFile(f)) {
            throw new IOException(runDir + " is not a run directory (no " + RunLayout.RECIPE + ")");
        }
        return Recipes.resolve(Recipes.parseJson(Files.readString(f)));
    }

    public Result run(boolean resume) throws IOException {
        Path recipeFile = layout.recipe();
        if (Files.exists(recipeFile) && !resume) {
            throw new IOException(layout.root() + " already holds a run: resume it with --resume, or choose another --out");
        }
        Files.createDirectories(layout.root());
        if (!Files.exists(recipeFile)) {
            Files.writeString(recipeFile, Recipes.toJson(resolved.recipe()), StandardCharsets.UTF_8);
        }
        Recipe recipe = resolved.recipe();
        long seed = recipe.seedOrDefault();

        Path manifestFile = layout.manifest();
        DatasetSpec spec = recipe.dataset();
        if (Files.exists(manifestFile) && spec.manifest() == null) {
            spec = spec.withManifest(manifestFile.toString());
        }
        Datasets.Loaded data = this.data.load(spec);
        data.notes().forEach(listener::onNote);
        if (!Files.exists(manifestFile)) {
            data.manifest().write(manifestFile);
        }
        LabeledImages train = data.train();
        listener.onNote(String.format(Locale.ROOT, "training set: %d images in %d classes, counts %s; test set: %d images",
                train.size(), train.numClasses(), brief(train.classCounts()), data.test().size()));

        Device device = Engine.getInstance().defaultDevice();
        listener.onNote("device: " + device + " (" + Engine.getInstance().getEngineName() + " "
                + Engine.getInstance().getVersion() + ")");
        Map<String, EvaluationReport> reports = new LinkedHashMap<>();
        EvaluationReport last = null;
        List<StagePlan> stages = resolved.stages();
        for (int i = 0; i < stages.size(); i++) {
            RunLayout.Stage dir = layout.stage(i, stages.get(i).name());
            if (i > 0 && listener.stopRequested()) {
                // asked during the last epoch of a stage or during a cam stage: stop before the next one starts
                throw StageStopped.afterStage(stages.get(i - 1).name());
            }
            StageInputs inputs = StageInputs.of(stages, i);
            if (stages.get(i) instanceof CamPlan plan) {
                generate(plan, dir, inputs, train, seed, device);
            } else if (stages.get(i) instanceof TrainPlan plan) {
                EvaluationReport report = trainStage(plan, i, dir, inputs, data, seed, device);
                reports.put(plan.name(), report);
                listener.onStageEnd(plan.name(), report, dir.report());
                last = report;
            }
        }
        writeReport(layout.root(), last);
        return new Result(layout.root(), reports, last);
    }

    /** Where a run directory keeps what {@link StageInputs} names. */
    private StageInputs.Locator<Path> files() {
        return new StageInputs.Locator<>() {
            @Override
            public Path finalWeights(int stage, String name) {
                return layout.stage(stage, name).finalCheckpoint();
            }

            @Override
            public Path bestWeights(int stage, String name) {
                return layout.stage(stage, name).bestCheckpoint();
            }

            @Override
            public Path checkpoint(String reference) {
                return Path.of(reference);
            }

            @Override
            public Path generatedSet(int stage, String name) {
                return layout.stage(stage, name).generated();
            }
        };
    }

    private void generate(CamPlan plan, RunLayout.Stage dir, StageInputs inputs, LabeledImages train, long seed,
                          Device device) throws IOException {
        Path model = inputs.weights(files());
        if (inputs.weights() instanceof StageInputs.BestWeights best) {
            checkBestTestEpoch(plan, model, layout.stage(best.stage(), best.name()));
        }
        Path out = dir.generated();
        listener.onNote("stage " + plan.name() + ": " + (plan.method() == CamMethod.CAM
                ? "CAM-based sampling from " + model + ", foreground >= " + plan.thresholdFactor() + " x mean"
                : "ImageTrans (whole-image transformations)") + " -> " + out);
        long t0 = System.nanoTime();
        GeneratedSet.Manifest m = CamStage.run(plan, model, train, seed, out, device, progress);
        listener.onNote(String.format(Locale.ROOT, "stage %s: %d images generated, per class %s (%.1f s)",
                plan.name(), m.images().size(), brief(m.perClass()), (System.nanoTime() - t0) / 1e9));
    }

    /** Checks the training stage's best-test-epoch weights are there and names their epoch and error in a note. */
    private void checkBestTestEpoch(CamPlan plan, Path best, RunLayout.Stage previous) throws IOException {
        if (!Files.exists(best)) {
            throw new IOException("stage " + plan.name() + " draws its maps from the best test epoch, but "
                    + previous.path() + " kept none (" + RunLayout.BEST_CHECKPOINT + "): the stage before it was"
                    + " trained without testing; start the run again in a new --out");
        }
        io.lttricks.core.train.Checkpoint.Meta meta = io.lttricks.core.train.Checkpoint.readMeta(best);
        if (meta.testError() == null) {
            throw new IOException(best + " records no test error: it is not a best-test-epoch checkpoint");
        }
        listener.onNote(String.format(Locale.ROOT, "stage %s: maps from stage %s's best test epoch, %d of %d"
                + " (test error %.2f%%)", plan.name(), meta.stage(), meta.epoch(), meta.epochs(), 100 * meta.testError()));
    }

    private EvaluationReport trainStage(TrainPlan plan, int index, RunLayout.Stage dir, StageInputs inputs,
                                        Datasets.Loaded data, long seed, Device device) throws IOException {
        Path finalCkpt = dir.finalCheckpoint();
        LabeledImages train = data.train();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            if (!Files.exists(finalCkpt)) {
                StageRunner.train(new StageRunner.Inputs(plan, index, resolved.recipe().name(),
                                resolved.recipe().backbone(), seed, train, data.test(), inputs.generated(files()),
                                inputs.weights(files()),
                                StageTrainer.latestCheckpoint(dir, listener::onNote), data.manifest().source()),
                        dir, listener, options.stage(), manager);
            }
            Path reportFile = dir.report();
            if (Files.exists(reportFile) && Files.getLastModifiedTime(reportFile).compareTo(
                    Files.getLastModifiedTime(finalCkpt)) >= 0) {
                return JSON.readValue(reportFile.toFile(), EvaluationReport.class);
            }
            Backbone model = StageRunner.model(resolved.recipe().backbone(), train, manager, finalCkpt, seed, index);
            EvaluationReport report = StageEvaluation.finalModel(model, manager, data.test(), train.classCounts(), plan,
                    options.evalBatchSize(), progress).withBestTestEpoch(StageTrainer.testErrors(dir));
            writeReport(dir.path(), report);
            byte[] curves = TrainingCurves.render(plan.name(), Files.exists(dir.history())
                    ? Files.readAllLines(dir.history()) : List.of());
            if (curves != null) {
                Files.write(dir.path().resolve(RunLayout.CURVES), curves);
            }
            return report;
        }
    }

    /** The report as JSON and a table, and its plots (per-class accuracy, confusion matrix), into {@code dir}. */
    public static void writeReport(Path dir, EvaluationReport report) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve(RunLayout.REPORT_JSON).toFile(), report);
        Files.writeString(dir.resolve(RunLayout.REPORT_TEXT), report.table(), StandardCharsets.UTF_8);
        Files.write(dir.resolve(RunLayout.PER_CLASS_PLOT), ReportPlots.perClass(report));
        Files.write(dir.resolve(RunLayout.CONFUSION_PLOT), ReportPlots.confusion(report));
    }

    private static String brief(int[] counts) {
        if (counts.length <= 12) {
            return java.util.Arrays.toString(counts);
        }
        return "[" + counts[0] + ", " + counts[1] + ", ..., " + counts[counts.length - 1] + "]";
    }
}
