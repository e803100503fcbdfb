package io.lttricks.cli;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.recipe.DrsSpec;
import io.lttricks.core.recipe.DrwSpec;
import io.lttricks.core.recipe.LossSpec;
import io.lttricks.core.recipe.MixupSpec;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StageRecipe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A recipe from the command line: a file and/or options that override it, by the paper's names.
 * Shared by {@code lt train} (local) and {@code lt submit} / {@code lt run} (the services).
 */
final class RecipeOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE", description = "Recipe file (.yaml, .yml or .json), or"
            + " the name of a bundled one (baseline, bag_of_tricks, ...: lt's recipes/), from any directory.")
    Path recipeFile;


    @Option(names = "--profile", paramLabel = "NAME", description = "paper or quick (default: the recipe's, else paper).")
    String profile;


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

    @Option(names = "--all-stages", description = "The stage options change every training stage of the recipe (CAM"
            + " stages are left as they are): e.g. --all-stages --epochs 2 shortens a whole multi-stage recipe.")
    boolean allStages;


    @Option(names = "--epochs", paramLabel = "N", description = "Length of the --stage stage in epochs (default: the"
            + " recipe's, else the profile's for the stage's role and data set; lt train --dry-run shows it).")
    Integer epochs;


    @Option(names = "--batch-size", paramLabel = "N", description = "Images per training step of the --stage stage"
            + " (default: the recipe's, else the profile's: 128 on CIFAR; lt train --dry-run shows it).")
    Integer batchSize;


    @Option(names = "--lr", paramLabel = "LR", description = "Base learning rate.")
    Double lr;


    @Option(names = "--loss", paramLabel = "NAME", completionCandidates = Vocabularies.Losses.class,
            description = "Re-weighting: ${COMPLETION-CANDIDATES}.")
    String loss;


    @Option(names = "--gamma", paramLabel = "G", description = "Focal gamma (Focal 2, CB_Focal 1) or the CS_CE exponent (1).")
    Double gamma;


    @Option(names = "--beta", paramLabel = "B",
            description = "Class-balanced beta (default by data set: 0.9999 CIFAR-10, 0.9 CIFAR-100, else 0.999).")
    Double beta;


    @Option(names = "--sampler", paramLabel = "NAME", completionCandidates = Vocabularies.Samplers.class,
            description = "Re-sampling: ${COMPLETION-CANDIDATES}.")
    String sampler;


    @Option(names = "--mixup", paramLabel = "WHERE", completionCandidates = Vocabularies.MixLocations.class,
            description = "Input or manifold mixup: ${COMPLETION-CANDIDATES}.")
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


    @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "Any field of the --stage stage as a recipe"
            + " writes it, the value in YAML; repeatable. E.g. --stage cam --set maps_from=best_test_epoch,"
            + " --set milestones=[120,160], --set 'mixup={at: input, alpha: 2}'; FIELD= removes the field.")
    List<String> sets;

    @Option(names = "--eval-every", paramLabel = "N", description = "Evaluate on the test set every N epochs after"
            + " --eval-from, in every training stage: the best-test-epoch figure the official code keeps, beside the final"
            + " model's (about 10 s per CIFAR evaluation on 2 cores). Default: off.")
    Integer evalEvery;

    @Option(names = "--eval-from", paramLabel = "EPOCH", description = "With --eval-every: start after this epoch"
            + " (default: each stage's first learning-rate decay, 160 of 200; a first stage of deferred re-balancing,"
            + " which has none inside, only at its end; a deferred stage from its start).")
    Integer evalFrom;

    @Option(names = "--precision", paramLabel = "fp32|bf16", description = "Arithmetic of every stage's forward"
            + " passes (training, its evaluations, a cam stage's maps): fp32, or bf16 mixed precision as torch.autocast"
            + " (convolutions and matrix products in bfloat16; weights, optimizer, batch-norm statistics and loss in"
            + " float32; about 1.5x faster training on a CPU with AVX512-BF16 or AMX, or on a GPU). A CPU without native"
            + " bf16 runs fp32 and says so. Default: each stage's precision, else fp32.")
    String precision;

    /** Whether anything was given (a file or an option). */
    boolean given() {
        return recipeFile != null || hasAnyOverrides();
    }

    /** The recipe file (or the default CIFAR-10-LT recipe) with the options applied. */
    Recipe recipe() throws IOException {
        Path file = recipeFile == null ? null : locate(recipeFile, bundledRecipes());
        if (file != null && !java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("recipe file not found: " + recipeFile
                    + (java.nio.file.Files.isDirectory(file) ? " is a directory" : "")
                    + " (the bundled recipes, by name or path: " + bundledNames() + "; without a file, lt uses"
                    + " CIFAR-10-LT and the options)");
        }
        Recipe recipe = file != null ? Recipes.read(file) : defaultRecipe();
        if (recipe.stages().isEmpty() && file != null && explicitlyNoStages(file)) {
            throw new RecipeException(file + ": stages: a recipe needs at least one stage, e.g. stages:"
                    + " [{name: train}] (or leave stages out for one default stage)");
        }
        return applyOverrides(recipe);
    }

    /** The recipes that come with lt: {@code recipes/} of its installation ({@code lt.home}), else of the working directory. */
    static Path bundledRecipes() {
        String home = System.getProperty("lt.home");
        return (home != null ? Path.of(home) : Path.of("")).resolve("recipes");
    }

    /**
     * The recipe a user names: the file itself where it exists, else a bundled recipe of that path
     * or name, so that {@code lt train recipes/baseline.yaml} and {@code lt train baseline} work from
     * any directory; else the name as given (reported as missing).
     */
    static Path locate(Path given, Path bundled) {
        if (java.nio.file.Files.exists(given) || given.isAbsolute()) {
            return given;
        }
        String name = given.getFileName().toString();
        List<Path> candidates = new java.util.ArrayList<>(List.of(bundled.getParent() == null ? given
                : bundled.getParent().resolve(given), bundled.resolve(name)));
        if (!name.contains(".")) {
            candidates.add(bundled.resolve(name + ".yaml"));
        }
        return candidates.stream().filter(java.nio.file.Files::isRegularFile).findFirst().orElse(given);
    }

    private static String bundledNames() {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(bundledRecipes())) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - ".yaml".length())).sorted().toList();
            return names.isEmpty() ? "none found in " + bundledRecipes() : String.join(", ", names);
        } catch (IOException e) {
            return "none found in " + bundledRecipes().toAbsolutePath();
        }
    }

    /** Whether the file writes {@code stages: []} (rather than leaving stages out). */
    private static boolean explicitlyNoStages(Path file) throws IOException {
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(file.toFile());
        return tree != null && tree.path("stages").isArray() && tree.path("stages").isEmpty();
    }

    private static Recipe defaultRecipe() {
        return new Recipe("cifar10_im100", DatasetSpec.cifar10(100), "resnet32", 0L, null,
                List.of(Recipes.stage("train")));
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
        List<StageRecipe> stages = recipe.stages().isEmpty() ? List.of(Recipes.stage("train")) : recipe.stages();
        if (precision != null) {
            String p = io.lttricks.core.model.Precision.VOCABULARY.parse(precision).recipeName();
            stages = stages.stream().map(s -> s.with("precision", p)).toList();
        }
        if (evalEvery != null || evalFrom != null) {
            stages = stages.stream().map(s -> Recipes.isCam(s) ? s
                    : s.with("eval_every", evalEvery != null ? evalEvery : s.evalEvery())
                            .with("eval_from", evalFrom != null ? evalFrom : s.evalFrom())).toList();
        }
        recipe = recipe.withStages(stages);
        if (!hasStageOverrides()) {
            if (allStages) {
                throw new RecipeException("--all-stages: no stage option to apply (e.g. --all-stages --epochs 2)");
            }
            return recipe;
        }
        if (allStages) {
            if (stage != null) {
                throw new RecipeException("--all-stages and --stage " + stage + ": give one of them");
            }
            List<StageRecipe> changed = new java.util.ArrayList<>();
            for (StageRecipe st : stages) {
                changed.add(Recipes.isCam(st) ? st : override(st));
            }
            return recipe.withStages(changed);
        }
        int index = stageIndex(stages);
        return recipe.withStage(index, override(stages.get(index)));
    }

    /** The stage options applied to one stage. */
    private StageRecipe override(StageRecipe s) {
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
                    beta != null ? beta : base.beta(), base.params()));
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
        for (String set : sets == null ? List.<String>of() : sets) {
            s = set(s, set);
        }
        return s;
    }

    private boolean hasAnyOverrides() {
        return hasStageOverrides() || name != null || profile != null || backbone != null || seed != null
                || dataset != null || source != null || imbalance != null || evalEvery != null || evalFrom != null
                || precision != null;
    }

    private boolean hasStageOverrides() {
        return epochs != null || batchSize != null || lr != null || loss != null || gamma != null || beta != null
                || sampler != null || mixup != null || alpha != null || drs != null || drw != null
                || drwWeights != null || init != null || sets != null && !sets.isEmpty();
    }

    /** {@code stage} with one {@code --set FIELD=VALUE} applied. */
    private static StageRecipe set(StageRecipe stage, String assignment) {
        int eq = assignment.indexOf('=');
        String field = eq < 0 ? "" : assignment.substring(0, eq).trim();
        if (field.isEmpty()) {
            throw new RecipeException("--set: write FIELD=VALUE, e.g. --set maps_from=best_test_epoch; got '"
                    + assignment + "'");
        }
        String text = assignment.substring(eq + 1).trim();
        Object value;
        try {
            value = text.isEmpty() ? null : YAML.readValue(text, Object.class);
        } catch (IOException e) {
            throw new RecipeException("--set " + field + ": '" + text + "' is not a YAML value (quote lists and maps"
                    + " for the shell: --set 'milestones=[120, 160]')");
        }
        return stage.with(field, value);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

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
