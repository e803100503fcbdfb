package io.lttricks.cli;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.recipe.DrsSpec;
import io.lttricks.core.recipe.DrwSpec;
import io.lttricks.core.recipe.LossSpec;
import io.lttricks.core.recipe.MixupSpec;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StagePlan;
import io.lttricks.core.recipe.StageRecipe;
import io.lttricks.core.train.TrainingRun;
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
            "",
            "Tricks, by the paper's names:",
            "  --loss      CE, CS_CE, Focal, CB_Focal, CB_CE                    (re-weighting)",
            "  --sampler   instance, random_over, random_under, class_balanced,",
            "              square_root, progressive                          (re-sampling)",
            "  --mixup     input, layer1, layer2, layer3, pool, fc, none       (input/manifold mixup)",
            "  --drs       SAMPLER[@EPOCH]   deferred re-sampling from EPOCH+1   (two-stage DRS)",
            "  --drw       [EPOCH]           deferred re-weighting from EPOCH+1  (two-stage DRW)",
            "  fine-tuning after mixup: a second stage without mixup (recipes/input_mixup_finetune.yaml)",
            "",
            "Profiles fill what the recipe leaves out: 'paper' (200 epochs, lr 0.1, x0.01 at 160 and 180)",
            "or 'quick' (30 epochs, x0.01 at 24 and 27; ~15 min for CIFAR-10-LT on 2 cores).",
            "",
            "Results go to --out (default runs/<recipe name>): checkpoints, history.jsonl per stage,",
            "report.json and report.txt (top-1 error, many/medium/few-shot accuracy, per-class accuracy,",
            "confusion matrix) of the final model. Interrupted? Run the same command with --resume.",
            ""
        })
final class TrainCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE", description = "Recipe file (.yaml, .yml or .json).")
    Path recipeFile;

    @Option(names = "--profile", paramLabel = "NAME", description = "paper or quick (default: the recipe's, else paper).")
    String profile;

    @Mixin
    DataOptions data;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<recipe name>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out (or the default run directory) from its last checkpoint.")
    boolean resume;

    @Option(names = "--name", paramLabel = "NAME", description = "Run name (default: the recipe file's name).")
    String name;

    @Option(names = "--dataset", paramLabel = "NAME", description = "cifar10, cifar100, imagefolder, imagenet_lt, inat2018 or list.")
    String dataset;

    @Option(names = "--source", paramLabel = "PATH", description = "Data set directory or .tar.gz (default for CIFAR: found in --data-dir).")
    String source;

    @Option(names = "--imbalance", paramLabel = "IF", description = "Imbalance factor n_max/n_min of the training set (e.g. 100, 50).")
    Double imbalance;

    @Option(names = "--backbone", paramLabel = "NAME", description = "resnet32 (CIFAR), resnet10 (ImageNet-LT), resnet50 (iNaturalist), ...")
    String backbone;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of initialisation, sampling, augmentation and mixup (default 0).")
    Long seed;

    @Option(names = "--stage", paramLabel = "NAME", description = "Which stage the stage options change (default: the only one).")
    String stage;

    @Option(names = "--epochs", paramLabel = "N")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "LR", description = "Base learning rate.")
    Double lr;

    @Option(names = "--loss", paramLabel = "NAME", description = "CE, CS_CE, Focal, CB_Focal or CB_CE.")
    String loss;

    @Option(names = "--gamma", paramLabel = "G", description = "Focal gamma (Focal 2, CB_Focal 1) or the CS_CE exponent (1).")
    Double gamma;

    @Option(names = "--beta", paramLabel = "B", description = "Class-balanced beta (default 0.9999).")
    Double beta;

    @Option(names = "--sampler", paramLabel = "NAME")
    String sampler;

    @Option(names = "--mixup", paramLabel = "WHERE", description = "input, layer1, layer2, layer3, pool, fc or none.")
    String mixup;

    @Option(names = "--alpha", paramLabel = "A", description = "Mixup Beta(alpha, alpha) parameter (default 1).")
    Double alpha;

    @Option(names = "--drs", paramLabel = "SAMPLER[@EPOCH]", description = "Deferred re-sampling, e.g. class_balanced@160.")
    String drs;

    @Option(names = "--drw", arity = "0..1", fallbackValue = "-1", paramLabel = "EPOCH",
            description = "Deferred re-weighting from EPOCH+1 (default: the profile's switch epoch).")
    Integer drw;

    @Option(names = "--drw-weights", paramLabel = "CS|CB", description = "Weights DRW switches on (default: the loss's).")
    String drwWeights;

    @Option(names = "--init", paramLabel = "scratch|previous|CKPT", description = "Where the stage's weights start.")
    String init;

    @Option(names = "--loader-threads", paramLabel = "N", description = "Threads preparing batches (default: 1 for CIFAR, all cores for image files).")
    int loaderThreads;

    @Option(names = "--max-batches", hidden = true, paramLabel = "N", description = "Cap steps per epoch (smoke tests).")
    int maxBatches;

    @Override
    public Integer call() throws Exception {
        Recipes.Resolved resolved;
        Path runDir;
        if (resume && recipeFile == null && !hasAnyOverrides() && out != null
                && Files.exists(TrainingRun.recipeFile(out))) {
            resolved = TrainingRun.readRunRecipe(out);
            runDir = out;
        } else {
            Recipe recipe = recipeFile != null ? Recipes.read(recipeFile) : defaultRecipe();
            recipe = applyOverrides(recipe);
            resolved = Recipes.resolve(recipe);
            runDir = out != null ? out : Path.of("runs", resolved.recipe().name());
            if (resume && Files.exists(TrainingRun.recipeFile(runDir))) {
                Recipes.Resolved existing = TrainingRun.readRunRecipe(runDir);
                if (!Recipes.toJson(existing.recipe()).equals(Recipes.toJson(resolved.recipe()))) {
                    throw new RecipeException("--resume: " + runDir + " was started with a different recipe;"
                            + " resume with 'lt train --resume --out " + runDir + "' alone, or choose another --out");
                }
            }
        }
        ConsoleReporter reporter = ConsoleReporter.forStdout();
        describe(resolved, runDir, reporter);
        TrainingRun.Options options = new TrainingRun.Options(data.dataDir(), !data.offline, loaderThreads, 256, maxBatches);
        TrainingRun.Result result = new TrainingRun(resolved, runDir, reporter, reporter, options).run(resume);
        EvaluationReport report = result.report();
        System.out.println();
        System.out.print(report.table());
        System.out.println();
        System.out.println("Report: " + runDir.resolve("report.json") + " and report.txt");
        return 0;
    }

    private static void describe(Recipes.Resolved r, Path runDir, ConsoleReporter out) {
        Recipe recipe = r.recipe();
        DatasetSpec ds = recipe.dataset();
        out.note(String.format(Locale.ROOT, "run %s -> %s  (profile %s, seed %d)", recipe.name(), runDir,
                recipe.profile(), recipe.seedOrDefault()));
        out.note(String.format(Locale.ROOT, "data %s%s, backbone %s", ds.name(),
                ds.imbalance() == null ? "" : " imbalance " + fmt(ds.imbalance()), recipe.backbone()));
        for (StagePlan p : r.stages()) {
            if (p.isCam()) {
                out.note(String.format(Locale.ROOT, "stage %s: %s from %s, %s counts%s", p.name(),
                        "cam".equals(p.camMethod()) ? "CAM-based sampling (foreground >= " + fmt(p.camThresholdFactor())
                                + " x mean)" : "ImageTrans", "previous".equals(p.init()) ? "the previous stage's model" : p.init(),
                        p.camCounts(), "threshold".equals(p.camCounts()) ? " (threshold " + p.camThreshold() + ")" : ""));
                continue;
            }
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "stage %s: %d epochs, batch %d, lr %s (warm-up %d, x%s at %s), init %s, loss %s, sampler %s",
                    p.name(), p.epochs(), p.batchSize(), fmt(p.lr()), p.warmupEpochs(), fmt(p.lrDecay()),
                    p.milestones(), p.init(), p.loss(), p.sampler()));
            if (p.mixupAt() != null) {
                sb.append(", mixup ").append(p.mixupAt()).append(" alpha ").append(fmt(p.mixupAlpha()));
            }
            if (p.drsSampler() != null) {
                sb.append(", DRS ").append(p.drsSampler()).append(" after epoch ").append(p.drsStart());
            }
            if (p.drwStart() != null) {
                sb.append(", DRW after epoch ").append(p.drwStart());
            }
            if (p.generated() != null) {
                sb.append(", with the images of ").append(p.generated());
            }
            out.note(sb.toString());
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static Recipe defaultRecipe() {
        return new Recipe("cifar10_im100", DatasetSpec.cifar10(100), "resnet32", 0L, null,
                List.of(StageRecipe.empty("train")));
    }

    private Recipe applyOverrides(Recipe recipe) {
        if (name != null) {
            recipe = recipe.withName(name);
        }
        if (profile != null) {
            recipe = recipe.withProfile(profile);
        }
        if (backbone != null) {
            recipe = recipe.withBackbone(backbone);
        }
        if (seed != null) {
            recipe = recipe.withSeed(seed);
        }
        DatasetSpec ds = recipe.dataset() != null ? recipe.dataset() : DatasetSpec.cifar10(100);
        if (dataset != null) {
            ds = new DatasetSpec(dataset, ds.source(), ds.imbalance(), ds.profile(), ds.paretoAlpha(), ds.seed(),
                    ds.manifest(), ds.trainList(), ds.testList(), ds.classNames());
        }
        if (source != null) {
            ds = ds.withSource(source);
        }
        if (imbalance != null) {
            ds = ds.withImbalance(imbalance);
        }
        recipe = recipe.withDataset(ds);
        List<StageRecipe> stages = recipe.stages().isEmpty() ? List.of(StageRecipe.empty("train")) : recipe.stages();
        recipe = recipe.withStages(stages);
        if (!hasStageOverrides()) {
            return recipe;
        }
        int index = stageIndex(stages);
        StageRecipe s = stages.get(index);
        if (epochs != null) {
            s = s.with("epochs", epochs);
        }
        if (batchSize != null) {
            s = s.with("batch_size", batchSize);
        }
        if (lr != null) {
            s = s.with("lr", lr);
        }
        if (loss != null || gamma != null || beta != null) {
            LossSpec base = s.loss() != null ? s.loss() : LossSpec.of("CE");
            s = s.with("loss", new LossSpec(loss != null ? loss : base.name(), gamma != null ? gamma : base.gamma(),
                    beta != null ? beta : base.beta()));
        }
        if (sampler != null) {
            s = s.with("sampler", sampler);
        }
        if (mixup != null || alpha != null) {
            MixupSpec base = s.mixup() != null ? s.mixup() : MixupSpec.of("none");
            s = s.with("mixup", new MixupSpec(mixup != null ? mixup : base.at(), alpha != null ? alpha : base.alpha()));
        }
        if (drs != null) {
            String[] parts = drs.split("@", 2);
            Integer start = parts.length > 1 ? parseEpoch(parts[1], "--drs") : null;
            s = s.with("drs", new DrsSpec(parts[0], start));
        }
        if (drw != null || drwWeights != null) {
            Integer start = drw == null || drw < 0 ? (s.drw() != null ? s.drw().startEpoch() : null) : drw;
            s = s.with("drw", new DrwSpec(start, drwWeights != null ? drwWeights : (s.drw() != null ? s.drw().weights() : null)));
        }
        if (init != null) {
            s = s.with("init", init);
        }
        return recipe.withStage(index, s);
    }

    private boolean hasAnyOverrides() {
        return hasStageOverrides() || name != null || profile != null || backbone != null || seed != null
                || dataset != null || source != null || imbalance != null;
    }

    private boolean hasStageOverrides() {
        return epochs != null || batchSize != null || lr != null || loss != null || gamma != null || beta != null
                || sampler != null || mixup != null || alpha != null || drs != null || drw != null
                || drwWeights != null || init != null;
    }

    private int stageIndex(List<StageRecipe> stages) {
        if (stage == null) {
            if (stages.size() > 1) {
                throw new RecipeException("the recipe has " + stages.size() + " stages: say which one the stage options"
                        + " change with --stage NAME");
            }
            return 0;
        }
        for (int i = 0; i < stages.size(); i++) {
            String n = stages.get(i).name() != null ? stages.get(i).name() : "stage" + (i + 1);
            if (n.equals(stage)) {
                return i;
            }
        }
        throw new RecipeException("--stage: no stage named '" + stage + "'");
    }

    private static int parseEpoch(String s, String option) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new RecipeException(option + ": '" + s + "' is not an epoch number");
        }
    }
}
