package io.lttricks.cli;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.recipe.DrsSpec;
import io.lttricks.core.recipe.DrwSpec;
import io.lttricks.core.recipe.LossSpec;
import io.lttricks.core.recipe.MixupSpec;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.CheckpointCheck;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.train.StageStopped;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.recipe.StageRecipe;
import io.lttricks.core.run.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "train", sortOptions = false, mixinStandardHelpOptions = true,
        description = {
            "Trains (and evaluates) a recipe: a data set, a backbone and one or more stages of tricks.",
            "",
            "The recipe file (YAML or JSON) names the tricks; the options below override it, so a",
            "recipe is optional: 'lt train --loss CS_CE --profile quick' trains CIFAR-10-LT (IF 100).",
            "Stage options apply to the recipe's only stage, or to the one named by --stage.",
            "Check any recipe end to end in about a minute: lt train RECIPE --smoke.",
            "",
            "Tricks, by the paper's names: --loss (re-weighting), --sampler (re-sampling), --mixup (input",
            "or manifold mixup), --drs SAMPLER[@EPOCH] and --drw [EPOCH] (two-stage deferred re-sampling",
            "and re-weighting from EPOCH+1); fine-tuning after mixup is a second stage without mixup",
            "(recipes/input_mixup_finetune.yaml); CAM-based sampling a 'type: cam' stage (lt cam --help).",
            "",
            "Profiles fill what the recipe leaves out, from the official configs of the data set:",
            "'paper' (CIFAR: 200 epochs, lr 0.1, x0.01 at 160 and 180; 400 with mixup; ImageNet-LT and",
            "iNaturalist: 100 epochs, lr 0.2, x0.1 at 60 and 80) or 'quick' (15%% of the epochs: CIFAR 30,",
            "x0.01 at 24 and 27; ~15 min for CIFAR-10-LT on 2 cores).",
            "",
            "Results go to --out (default runs/<recipe name>): checkpoints, history.jsonl per stage,",
            "report.json and report.txt (top-1 error, many/medium/few-shot accuracy, per-class accuracy,",
            "confusion matrix) of the final model. Ctrl-C stops after the current epoch with its checkpoint",
            "stored (twice: at once); 'lt train --resume --out DIR' continues exactly.",
            ""
        })
final class TrainCommand implements Callable<Integer> {

    @Mixin
    RecipeOptions recipeOptions;

    @Mixin
    DataOptions data;


    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<recipe name>).")
    Path out;


    @Option(names = "--resume", description = "Continue the run in --out (or the default run directory) from its last checkpoint.")
    boolean resume;


    @Option(names = "--dry-run", description = "Show the plan and stop: each stage's schedule, loss, sampler, mixup,"
            + " DRS/DRW switch epoch and test epochs as the profile fills them in, where the data come from, and what"
            + " --out holds. Nothing is read but file names, nothing trained.")
    boolean dryRun;


    @Option(names = "--loader-threads", paramLabel = "N", description = "Threads preparing batches (default: 1 for CIFAR, all cores but one for image files).")
    int loaderThreads;


    @Mixin
    StopOptions stop;

    @Option(names = "--max-batches", hidden = true, paramLabel = "N", description = "Cap steps per epoch (smoke tests).")
    int maxBatches;

    @Option(names = "--smoke", description = "Run the recipe end to end in about a minute (CIFAR, 2 cores), to check"
            + " it and the pipeline: every training stage " + SMOKE_EPOCHS + " epochs of at most " + SMOKE_STEPS
            + " steps (a deferred switch lands between them), evaluations and CAM stages as the recipe has them; the"
            + " run goes to runs/<recipe name>-smoke unless --out. Its figures are not results.")
    boolean smoke;

    static final int SMOKE_EPOCHS = 2;
    static final int SMOKE_STEPS = 8;

    @Override
    public Integer call() throws Exception {
        if (smoke) {
            shortenForSmoke();
        }
        Recipes.Resolved resolved;
        Path runDir;
        if (resume && !recipeOptions.given() && out != null && Files.exists(new RunLayout(out).recipe())) {
            resolved = TrainingRun.readRunRecipe(out);
            runDir = out;
        } else {
            resolved = Recipes.resolve(recipeOptions.recipe(), CheckpointCheck.LOCAL_FILES);
            runDir = out != null ? out : Path.of("runs", resolved.recipe().name() + (smoke ? "-smoke" : ""));
            if (resume && Files.exists(new RunLayout(runDir).recipe())) {
                Recipes.Resolved existing = TrainingRun.readRunRecipe(runDir);
                if (!Recipes.toJson(existing.recipe()).equals(Recipes.toJson(resolved.recipe()))) {
                    throw new RecipeException("--resume: " + runDir + " was started with a different recipe;"
                            + " resume with 'lt train --resume --out " + runDir + "' alone, or choose another --out");
                }
            }
        }
        ConsoleReporter reporter = ConsoleReporter.forStdout();
        describe(resolved, runDir, reporter);
        if (smoke) {
            reporter.note("smoke run: every training stage " + recipeOptions.epochs + " epochs of at most " + maxBatches
                    + " steps; its figures check the pipeline, they are not results");
        }
        if (dryRun) {
            reporter.note("data: " + new Datasets(data.dataDir(), !data.offline, reporter)
                    .whereFrom(resolved.recipe().dataset()));
            RunLayout layout = new RunLayout(runDir);
            String state = TrainingRun.state(layout, resolved.stages());
            reporter.note(runDir + ": " + state + (Files.exists(layout.recipe()) && !resume
                    && !Files.exists(layout.report()) ? "; continue it with --resume, or choose another --out" : ""));
            reporter.note("dry run: nothing was trained; the same command without --dry-run trains");
            return 0;
        }
        TrainingRun.Options options = new TrainingRun.Options(data.dataDir(), !data.offline, loaderThreads, 256, maxBatches);
        TrainingRun.Result result;
        DatasetSpec spec = resolved.recipe().dataset();
        boolean stored = io.lttricks.core.data.ShardSet.isIndex(spec.source()) && spec.source().startsWith("s3://");
        io.lttricks.platform.Config config = stored ? io.lttricks.platform.Config.from(System.getenv(), 0) : null;
        try (StopOnSignal signals = StopOnSignal.install(reporter::note, StopOnSignal::exit);
             io.lttricks.platform.store.ObjectStore store = stored
                     ? io.lttricks.platform.store.ObjectStore.connect(config) : null) {
            stop.apply(reporter, signals);
            TrainingRun run = new TrainingRun(resolved, runDir, reporter, reporter, options);
            if (store != null) {
                // A shard set in storage (LT_S3_*): streamed through the local shard cache (LT_SHARD_CACHE).
                run.withDataLoader(s -> new Datasets(data.dataDir(), false, reporter)
                        .load(s, io.lttricks.platform.store.SharedShards.open(store, config, s.source())));
            }
            try {
                result = run.run(resume);
            } catch (StageStopped e) {
                System.err.println("lt: " + e.getMessage() + ". Continue with: lt train --resume --out " + runDir);
                return StopOnSignal.exitCode(signals.received());
            }
        }
        EvaluationReport report = result.report();
        System.out.println();
        System.out.print(report.table());
        System.out.println();
        System.out.println("Report: " + new RunLayout(runDir).report() + " and " + RunLayout.REPORT_TEXT);
        return 0;
    }

    /** --smoke: every training stage SMOKE_EPOCHS epochs (unless --epochs) of at most SMOKE_STEPS steps. */
    private void shortenForSmoke() {
        if (recipeOptions.stage != null) {
            throw new RecipeException("--smoke shortens every training stage; leave --stage " + recipeOptions.stage
                    + " out (or use --all-stages --epochs N without --smoke)");
        }
        recipeOptions.allStages = true;
        if (recipeOptions.epochs == null) {
            recipeOptions.epochs = SMOKE_EPOCHS;
        }
        if (maxBatches <= 0) {
            maxBatches = SMOKE_STEPS;
        }
    }

    private static void describe(Recipes.Resolved r, Path runDir, ConsoleReporter out) {
        Recipe recipe = r.recipe();
        DatasetSpec ds = recipe.dataset();
        out.note(String.format(Locale.ROOT, "run %s -> %s  (profile %s, seed %d)", recipe.name(), runDir,
                recipe.profile(), recipe.seedOrDefault()));
        out.note(String.format(Locale.ROOT, "data %s%s, backbone %s", ds.name(),
                ds.imbalance() == null ? "" : " imbalance " + fmt(ds.imbalance()), recipe.backbone()));
        for (StagePlan p : r.stages()) {
            out.note(p.describe());
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
