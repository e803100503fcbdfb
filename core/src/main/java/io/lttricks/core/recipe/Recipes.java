package io.lttricks.core.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.model.Backbones;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.TrainPlan;

/** The one recipe parser: reads YAML/JSON, fills defaults from the profile, validates every field. */
public final class Recipes {
    // A field given twice is refused, as is a fraction where a whole number belongs (milestones: [1.5]).
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new YAMLMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * The largest recipe text read (file or string): far above any real recipe (the largest bundled
     * one is under 2 KiB), and checked before parsing, which for YAML costs seconds per megabyte.
     */
    public static final int MAX_TEXT_BYTES = 256 * 1024;

    /** Names of runs and stages: they become directory names and object keys. */
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}";
    /** {@link #NAME_PATTERN} in words. */
    public static final String NAME_RULE = "letters, digits, '_', '.' and '-' only, at most 64, not starting"
            + " with '.' or '-'";
    /** The data sets {@code dataset.name} may be. */
    public static final List<String> DATASET_NAMES = List.of("cifar10", "cifar100", "imagefolder", "imagenet_lt",
            "inat2018", "list");

    private Recipes() {
    }

    /** A recipe with every stage resolved. */
    public record Resolved(Recipe recipe, Profile profile, List<StagePlan> stages) {
        public StagePlan stage(String name) {
            return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new RecipeException("no stage named '" + name + "'"));
        }
    }

    public static Recipe read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_TEXT_BYTES) {
            throw new RecipeException(file + ": " + size + " bytes; a recipe may have at most " + MAX_TEXT_BYTES / 1024
                    + " KiB (the bundled ones have under 2 KiB): is this the right file?");
        }
        String text = Files.readString(file);
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Recipe r = parse(text, lower.endsWith(".json") ? JSON : YAML, file.toString());
        if (r.name() == null) {
            r = r.withName(defaultName(file.getFileName().toString()));
        }
        return r;
    }

    /**
     * A run name from a recipe file's name: without the extension, lower case, every character a
     * name may not hold as '_', at most 64 characters ({@link #NAME_PATTERN}).
     */
    static String defaultName(String fileName) {
        String base = fileName.toLowerCase(Locale.ROOT).replaceFirst("\\.(ya?ml|json)$", "")
                .replaceAll("[^a-z0-9_.-]", "_");
        if (base.isEmpty() || !Character.isLetterOrDigit(base.charAt(0))) {
            base = "run" + base;
        }
        return base.length() > 64 ? base.substring(0, 64) : base;
    }

    public static Recipe parseJson(String json) {
        return parse(json, JSON, "recipe");
    }

    public static Recipe parseYaml(String yaml) {
        return parse(yaml, YAML, "recipe");
    }

    private static Recipe parse(String text, ObjectMapper mapper, String where) {
        if (text.length() > MAX_TEXT_BYTES) {
            throw new RecipeException(where + ": " + text.length() + " characters; a recipe may have at most "
                    + MAX_TEXT_BYTES / 1024 + " KiB");
        }
        try {
            Recipe r = mapper.readValue(text, Recipe.class);
            if (r == null) {
                throw new RecipeException(where + " is empty");
            }
            return r;
        } catch (UnrecognizedPropertyException e) {
            throw new RecipeException(where + ": unknown field '" + e.getPropertyName() + "' at "
                    + e.getPathReference() + "; known fields: " + e.getKnownPropertyIds(), e);
        } catch (JsonProcessingException e) {
            throw new RecipeException(where + ": " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
        }
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of {@code value} with one JSON field replaced (null removes it). */
    static <T> T withField(T value, String field, Object newValue, Class<T> type) {
        com.fasterxml.jackson.databind.node.ObjectNode node = JSON.valueToTree(value);
        if (newValue == null) {
            node.remove(field);
        } else {
            node.set(field, JSON.valueToTree(newValue));
        }
        try {
            return JSON.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw new RecipeException("unknown field '" + e.getPropertyName() + "'; known fields: "
                    + e.getKnownPropertyIds(), e);
        } catch (JsonProcessingException e) {
            throw new RecipeException(field + ": " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new RecipeException("cannot parse " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** {@link #resolve(Recipe, CheckpointCheck)} without checking checkpoints (checked by whatever reads them). */
    public static Resolved resolve(Recipe recipe) {
        return resolve(recipe, CheckpointCheck.NONE);
    }

    /**
     * Fills defaults from the recipe's profile and checks every field a run needs, once: the
     * plans it returns are what runs. Pure: it reads no file and no store, except through
     * {@code checkpoints} for the checkpoints the recipe names.
     *
     * @throws RecipeException naming the field that is wrong and what to write instead
     */
    public static Resolved resolve(Recipe recipe, CheckpointCheck checkpoints) {
        Profile profile;
        try {
            profile = Profile.parse(recipe.profile());
        } catch (IllegalArgumentException e) {
            throw new RecipeException("profile: " + e.getMessage());
        }
        if (recipe.name() != null && !recipe.name().matches(NAME_PATTERN)) {
            throw new RecipeException("name: " + NAME_RULE + "; got " + shown(recipe.name()));
        }
        DatasetSpec ds = recipe.dataset();
        if (ds == null || ds.name() == null) {
            throw new RecipeException("dataset: missing; e.g. dataset: {name: cifar10, imbalance: 100}");
        }
        if (!DATASET_NAMES.contains(ds.name().toLowerCase(Locale.ROOT))) {
            throw new RecipeException("dataset.name: use " + String.join(", ", DATASET_NAMES) + "; got "
                    + shown(ds.name()));
        }
        if (ds.profile() != null && !List.of("exponential", "exp", "pareto").contains(ds.profile().toLowerCase(Locale.ROOT))) {
            throw new RecipeException("dataset.profile: use exponential (CIFAR-LT) or pareto (ImageNet-LT style); got "
                    + shown(ds.profile()));
        }
        if (ds.paretoAlpha() != null && !(ds.paretoAlpha() > 0 && ds.paretoAlpha() < Double.POSITIVE_INFINITY)) {
            throw new RecipeException("dataset.pareto_alpha: must be a positive number, got " + ds.paretoAlpha());
        }
        if (ds.imbalance() != null && !(ds.imbalance() >= 1 && ds.imbalance() < Double.POSITIVE_INFINITY)) {
            throw new RecipeException("dataset.imbalance: must be >= 1 (n_max / n_min), got " + ds.imbalance());
        }
        if (ds.seed() != null && (ds.seed() < 0 || ds.seed() > 0xffffffffL)) {
            throw new RecipeException("dataset.seed: numpy seeds lie in [0, 2^32-1], got " + ds.seed());
        }
        String backbone = recipe.backbone() != null ? recipe.backbone()
                : (ds.name().toLowerCase(Locale.ROOT).startsWith("cifar") ? "resnet32" : null);
        if (backbone == null) {
            throw new RecipeException("backbone: missing; use resnet32 (CIFAR), resnet10 (ImageNet-LT) or resnet50 (iNaturalist)");
        }
        Set<MixLocation> mixable;
        try {
            backbone = Backbones.canonical(backbone);
            mixable = Backbones.mixLocations(backbone);
        } catch (IllegalArgumentException e) {
            throw new RecipeException("backbone: " + e.getMessage());
        }
        if (recipe.stages().isEmpty()) {
            throw new RecipeException("stages: a recipe needs at least one stage, e.g. stages: [{name: train}]");
        }
        List<StageRecipe> stages = recipe.stages();
        StageResolver resolver = new StageResolver(profile, ScheduleFamily.of(ds.name(), backbone),
                new io.lttricks.core.loss.LossParam.Data(ds.name(), ds.imbalance() != null ? ds.imbalance() : 0),
                mixable, checkpoints);
        List<StagePlan> plans = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean trainedBefore = false;
        Set<String> camStages = new HashSet<>();
        for (int i = 0; i < stages.size(); i++) {
            StagePlan p = resolver.resolve(stages.get(i), i, trainedBefore, camStages);
            if (!names.add(p.name())) {
                throw new RecipeException("stages[" + i + "] (" + p.name() + "): stage names must be unique");
            }
            if (p instanceof CamPlan cam) {
                camStages.add(p.name());
                if (cam.fromBestTestEpoch()) {
                    int j = io.lttricks.core.plan.StageInputs.trainingStageBefore(plans, plans.size());
                    plans.set(j, resolver.keepingBest((TrainPlan) plans.get(j), stages.get(j), j, p.name()));
                }
            } else {
                trainedBefore = true;
            }
            plans.add(p);
        }
        Recipe filled = recipe.withBackbone(backbone).withProfile(profile.recipeName())
                .withSeed(recipe.seedOrDefault());
        return new Resolved(filled, profile, List.copyOf(plans));
    }

    /** A client's value in a message: quoted, at most 80 characters, control characters escaped. */
    static String shown(String value) {
        String v = value.length() > 80 ? value.substring(0, 80) + "... (" + value.length() + " characters)" : value;
        return "'" + v.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    /** An object in storage (s3://bucket/key): checked by the service that reads it, not here. */
    public static boolean isObjectReference(String location) {
        return location != null && location.startsWith("s3://");
    }

    /** A stage with only its name: the profile fills every other field. */
    public static StageRecipe stage(String name) {
        return fromJson("{\"name\": " + toJson(name) + "}", StageRecipe.class);
    }

    /** Whether a stage generates images ({@code type: cam}) rather than trains. */
    public static boolean isCam(StageRecipe stage) {
        return "cam".equalsIgnoreCase(stage.type());
    }

    /** A cam stage on its own (the model comes from elsewhere, e.g. the command line). */
    public static CamPlan resolveCamStage(StageRecipe stage) {
        StageResolver resolver = new StageResolver(Profile.PAPER, ScheduleFamily.CIFAR, io.lttricks.core.loss.LossParam.Data.of(""), Set.of(),
                CheckpointCheck.NONE);
        return (CamPlan) resolver.resolve(stage.with("type", "cam").with("init", "previous"), 0, true, Set.of());
    }
}
