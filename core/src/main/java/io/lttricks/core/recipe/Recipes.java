package io.lttricks.core.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.loss.Losses;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.sampling.Samplers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The one recipe parser: reads YAML/JSON, fills defaults from the profile, validates every field. */
public final class Recipes {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new YAMLMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
        String text = Files.readString(file);
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Recipe r = parse(text, lower.endsWith(".json") ? JSON : YAML, file.toString());
        if (r.name() == null) {
            r = r.withName(lower.replaceFirst("\\.(ya?ml|json)$", ""));
        }
        return r;
    }

    public static Recipe parseJson(String json) {
        return parse(json, JSON, "recipe");
    }

    public static Recipe parseYaml(String yaml) {
        return parse(yaml, YAML, "recipe");
    }

    private static Recipe parse(String text, ObjectMapper mapper, String where) {
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

    /** Fills defaults from the recipe's profile and checks everything a run needs. */
    public static Resolved resolve(Recipe recipe) {
        Profile profile;
        try {
            profile = Profile.parse(recipe.profile());
        } catch (IllegalArgumentException e) {
            throw new RecipeException("profile: " + e.getMessage());
        }
        DatasetSpec ds = recipe.dataset();
        if (ds == null || ds.name() == null) {
            throw new RecipeException("dataset: missing; e.g. dataset: {name: cifar10, imbalance: 100}");
        }
        if (ds.imbalance() != null && !(ds.imbalance() >= 1)) {
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
        Backbone probe;
        try {
            probe = Backbones.create(backbone, 2);
        } catch (IllegalArgumentException e) {
            throw new RecipeException("backbone: " + e.getMessage());
        }
        List<StageRecipe> stages = recipe.stages().isEmpty() ? List.of(StageRecipe.empty("train")) : recipe.stages();
        List<StagePlan> plans = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean trainedBefore = false;
        Set<String> camStages = new HashSet<>();
        for (int i = 0; i < stages.size(); i++) {
            StagePlan p = profile.resolve(stages.get(i), i);
            String at = "stages[" + i + "] (" + p.name() + ")";
            if (!names.add(p.name())) {
                throw new RecipeException(at + ": stage names must be unique");
            }
            if (p.isCam()) {
                plans.add(validateCam(p, at, trainedBefore));
                camStages.add(p.name());
                continue;
            }
            if (p.generated() != null && !camStages.contains(p.generated())) {
                throw new RecipeException(at + ".generated: '" + p.generated() + "' is not an earlier cam stage"
                        + (camStages.isEmpty() ? " (the recipe has none before this stage)" : "; earlier cam stages: " + camStages));
            }
            if ("previous".equals(p.init()) && !trainedBefore) {
                throw new RecipeException(at + ".init: no training stage comes before this one;"
                        + " use scratch or a checkpoint path");
            }
            plans.add(validate(p, at, probe));
            trainedBefore = true;
        }
        Recipe filled = recipe.withBackbone(backbone).withProfile(profile.recipeName())
                .withSeed(recipe.seedOrDefault());
        return new Resolved(filled, profile, List.copyOf(plans));
    }

    /** An object in storage (s3://bucket/key): checked by the service that reads it, not here. */
    public static boolean isObjectReference(String location) {
        return location != null && location.startsWith("s3://");
    }

    /** A cam stage on its own (the model comes from elsewhere, e.g. the command line). */
    public static StagePlan resolveCamStage(StageRecipe stage) {
        StagePlan p = Profile.PAPER.resolve(stage.with("type", "cam").with("init", "previous"), 0);
        return validateCam(p, "cam", true);
    }

    private static StagePlan validateCam(StagePlan p, String at, boolean trainedBefore) {
        if (!p.camMethod().equals("cam") && !p.camMethod().equals("image_trans")) {
            throw new RecipeException(at + ".method: use cam (CAM-based sampling) or image_trans, got " + p.camMethod());
        }
        if (!p.camCounts().equals("cifar") && !p.camCounts().equals("threshold")) {
            throw new RecipeException(at + ".counts: use cifar (n_max + n_min - n_c) or threshold, got " + p.camCounts());
        }
        if (!p.camPaste().equals("over") && !p.camPaste().equals("move")) {
            throw new RecipeException(at + ".paste: use over (the paper) or move (the official code), got " + p.camPaste());
        }
        if (!(p.camThresholdFactor() > 0)) {
            throw new RecipeException(at + ".threshold_factor: must be > 0, got " + p.camThresholdFactor());
        }
        if (p.camThreshold() < 1) {
            throw new RecipeException(at + ".threshold: must be >= 1, got " + p.camThreshold());
        }
        if (p.camMethod().equals("cam")) {
            if ("previous".equals(p.init()) && !trainedBefore) {
                throw new RecipeException(at + ": CAM-based sampling needs a trained model: put a training stage"
                        + " before it, or give init: <checkpoint>");
            }
            if (!"previous".equals(p.init()) && !isObjectReference(p.init()) && !Files.isRegularFile(Path.of(p.init()))) {
                throw new RecipeException(at + ".init: checkpoint not found: " + p.init());
            }
        }
        if (p.batchSize() < 1) {
            throw new RecipeException(at + ".batch_size: must be >= 1");
        }
        return p;
    }

    private static StagePlan validate(StagePlan p, String at, Backbone probe) {
        if (!Profile.ROLES.contains(p.role())) {
            throw new RecipeException(at + ".role: use one of " + Profile.ROLES + ", got " + p.role());
        }
        if (p.epochs() < 1) {
            throw new RecipeException(at + ".epochs: must be >= 1, got " + p.epochs());
        }
        if (p.batchSize() < 2) {
            throw new RecipeException(at + ".batch_size: must be >= 2 (batch norm needs two images), got " + p.batchSize());
        }
        if (!(p.lr() > 0)) {
            throw new RecipeException(at + ".lr: must be > 0, got " + p.lr());
        }
        if (p.momentum() < 0 || p.momentum() >= 1) {
            throw new RecipeException(at + ".momentum: must lie in [0, 1), got " + p.momentum());
        }
        if (p.weightDecay() < 0) {
            throw new RecipeException(at + ".weight_decay: must be >= 0, got " + p.weightDecay());
        }
        if (p.warmupEpochs() < 0 || p.warmupEpochs() > p.epochs()) {
            throw new RecipeException(at + ".warmup_epochs: must lie in [0, epochs], got " + p.warmupEpochs());
        }
        if (!(p.lrDecay() > 0)) {
            throw new RecipeException(at + ".lr_decay: must be > 0, got " + p.lrDecay());
        }
        int last = 0;
        for (int m : p.milestones()) {
            if (m <= last || m > p.epochs()) {
                throw new RecipeException(at + ".milestones: must increase and lie in [1, epochs], got " + p.milestones());
            }
            last = m;
        }
        if (!p.fromScratch() && !"previous".equals(p.init()) && !isObjectReference(p.init())
                && !Files.isRegularFile(Path.of(p.init()))) {
            throw new RecipeException(at + ".init: checkpoint not found: " + p.init());
        }
        String loss;
        String sampler;
        String drs;
        try {
            loss = Losses.canonical(p.loss());
            Losses.create(loss, p.lossGamma(), p.lossBeta());
        } catch (IllegalArgumentException e) {
            throw new RecipeException(at + ".loss: " + e.getMessage());
        }
        try {
            sampler = Samplers.canonical(p.sampler());
            drs = p.drsSampler() == null ? null : Samplers.canonical(p.drsSampler());
        } catch (IllegalArgumentException e) {
            throw new RecipeException(at + ".sampler/drs: " + e.getMessage());
        }
        String mixAt = null;
        if (p.mixupAt() != null) {
            MixLocation loc;
            try {
                loc = MixLocation.parse(p.mixupAt());
            } catch (IllegalArgumentException e) {
                throw new RecipeException(at + ".mixup: " + e.getMessage());
            }
            if (!probe.mixLocations().contains(loc)) {
                throw new RecipeException(at + ".mixup: " + probe.name() + " has no location " + loc.recipeName());
            }
            if (!(p.mixupAlpha() > 0)) {
                throw new RecipeException(at + ".mixup.alpha: must be > 0, got " + p.mixupAlpha());
            }
            mixAt = loc.recipeName();
        }
        if (p.drsSampler() != null && (p.drsStart() < 0 || p.drsStart() >= p.epochs())) {
            throw new RecipeException(at + ".drs.start_epoch: must lie in [0, epochs), got " + p.drsStart());
        }
        String drwWeights = p.drwWeights();
        if (p.drwStart() != null) {
            if (p.drwStart() < 0 || p.drwStart() >= p.epochs()) {
                throw new RecipeException(at + ".drw.start_epoch: must lie in [0, epochs), got " + p.drwStart());
            }
            if (drwWeights != null) {
                drwWeights = drwWeights.toUpperCase(Locale.ROOT).replace("_CE", "");
                if (!drwWeights.equals("CS") && !drwWeights.equals("CB")) {
                    throw new RecipeException(at + ".drw.weights: use CS (n_min/n_c) or CB (class-balanced), got "
                            + p.drwWeights());
                }
            }
        }
        if (p.checkpointEvery() < 1) {
            throw new RecipeException(at + ".checkpoint_every: must be >= 1");
        }
        if (p.evalEvery() < 0) {
            throw new RecipeException(at + ".eval_every: must be >= 0 (0: no evaluation during training), got "
                    + p.evalEvery());
        }
        if (p.evalFrom() < 0 || p.evalFrom() >= p.epochs()) {
            throw new RecipeException(at + ".eval_from: must lie in [0, epochs), got " + p.evalFrom());
        }
        return new StagePlan(p.name(), p.init(), p.epochs(), p.batchSize(), p.lr(), p.momentum(), p.nesterov(),
                p.weightDecay(), p.warmupEpochs(), p.milestones(), p.lrDecay(), loss, p.lossGamma(), p.lossBeta(),
                sampler, mixAt, p.mixupAlpha(), drs, p.drsStart(), p.drwStart(), drwWeights, p.checkpointEvery(),
                p.type(), p.role(), p.generated(), null, 0, null, 0, null, p.evalEvery(), p.evalFrom());
    }
}
