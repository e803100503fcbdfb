package io.lttricks.core.recipe;

import io.lttricks.core.model.Precision;
import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPaste;
import io.lttricks.core.cam.CamPreset;
import io.lttricks.core.cam.CamWeights;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.loss.LossPlan;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.sampling.Drs;
import io.lttricks.core.sampling.SamplerKind;
import io.lttricks.core.plan.LrSchedule;
import io.lttricks.core.plan.Sgd;
import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.plan.StageRole;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.Init;
import io.lttricks.core.plan.EvalPlan;
import io.lttricks.core.plan.CamPlan;

/**
 * One stage of a recipe, as written, to its plan: the profile fills what the stage leaves out,
 * names become the vocabulary's terms, and every value is checked. Errors name the field
 * ({@code stages[1] (ft).loss.beta}) and what is allowed.
 */
final class StageResolver {
    /** A stage's epochs at most: far beyond any schedule (the paper's longest is 400), short of "for ever". */
    static final int MAX_EPOCHS = 10_000;
    /** Far above any useful rate (0.1 for CIFAR, 0.2 at batch 512, a few units for the largest batches). */
    static final double MAX_LR = 10;
    /** Far above any useful weight decay (2e-4 and 1e-4 in the paper). */
    static final double MAX_WEIGHT_DECAY = 1;
    /** A batch at most: what one node can hold of 224x224 images and then some. */
    static final int MAX_BATCH = 65_536;

    private final Profile profile;
    private final ScheduleFamily family;
    private final io.lttricks.core.loss.LossParam.Data data;
    private final Set<MixLocation> mixable;
    private final CheckpointCheck checkpoints;

    /** @param data the data set and its imbalance factor, for dataset-dependent defaults (CB beta) */
    StageResolver(Profile profile, ScheduleFamily family, io.lttricks.core.loss.LossParam.Data data,
                  Set<MixLocation> mixable, CheckpointCheck checkpoints) {
        this.profile = profile;
        this.family = family;
        this.data = data;
        this.mixable = mixable;
        this.checkpoints = checkpoints;
    }

    /**
     * @param trainedBefore whether a training stage comes before this one
     * @param camStages     the names of the cam stages before this one
     */
    StagePlan resolve(StageRecipe s, int index, boolean trainedBefore, Set<String> camStages) {
        String name = s.name() != null ? s.name() : "stage" + (index + 1);
        String at = "stages[" + index + "] (" + name + ")";
        if (name.isBlank() || !name.matches(Recipes.NAME_PATTERN)) {
            throw new RecipeException(at + ".name: " + Recipes.NAME_RULE + "; got " + Recipes.shown(name));
        }
        String type = s.type() == null ? "train" : s.type().trim().toLowerCase(java.util.Locale.ROOT);
        return switch (type) {
            case "train" -> train(s, name, at, index, trainedBefore, camStages);
            case "cam" -> cam(s, name, at, trainedBefore);
            default -> throw new RecipeException(at + ".type: use train (the default) or cam, got '" + s.type() + "'");
        };
    }

    private CamPlan cam(StageRecipe s, String name, String at, boolean trainedBefore) {
        CamMethod method = term(CamMethod.VOCABULARY, s.method(), CamMethod.CAM, at + ".method");
        // The official script: n_max + n_min - n_c on CIFAR, a threshold on every other data set.
        CamCounts counts = term(CamCounts.VOCABULARY, s.counts(),
                family == ScheduleFamily.CIFAR ? CamCounts.CIFAR : CamCounts.THRESHOLD, at + ".counts");
        CamPreset preset = term(CamPreset.VOCABULARY, s.preset(), CamPreset.PAPER, at + ".preset");
        CamPaste paste = term(CamPaste.VOCABULARY, s.paste(), preset.defaultPaste(), at + ".paste");
        double factor = s.thresholdFactor() != null ? s.thresholdFactor() : preset.defaultThresholdFactor();
        if (!(factor > 0)) {
            throw new RecipeException(at + ".threshold_factor: must be > 0, got " + factor);
        }
        // 100 as ImageNet-LT's config; iNaturalist has no official CAM config: 50 is this project's choice.
        int threshold = s.threshold() != null ? s.threshold() : family == ScheduleFamily.INATURALIST ? 50 : 100;
        if (threshold < 1) {
            throw new RecipeException(at + ".threshold: must be >= 1, got " + threshold);
        }
        int batch = s.batchSize() != null ? s.batchSize() : 256;
        if (batch < 1) {
            throw new RecipeException(at + ".batch_size: must be >= 1");
        }
        Init init = s.init() != null ? Init.parse(s.init()) : Init.PREVIOUS;
        if (init.isScratch()) {
            throw new RecipeException(at + ".init: a cam stage takes a trained model: previous or a checkpoint");
        }
        if (method == CamMethod.CAM) {
            if (init.isPrevious() && !trainedBefore) {
                throw new RecipeException(at + ": CAM-based sampling needs a trained model: put a training stage"
                        + " before it, or give init: <checkpoint>");
            }
            checkpoint(init, at);
        }
        CamWeights mapsFrom = term(CamWeights.VOCABULARY, s.mapsFrom(), CamWeights.FINAL, at + ".maps_from");
        if (mapsFrom == CamWeights.BEST_TEST_EPOCH && (method != CamMethod.CAM || !init.isPrevious())) {
            throw new RecipeException(at + ".maps_from: best_test_epoch picks among the previous training stage's"
                    + " epochs; " + (method != CamMethod.CAM ? "image_trans draws no maps" : "with init: "
                    + init + " the maps come from that checkpoint") + ": leave maps_from out");
        }
        // The script's view is the data set's training augmentation: ImageNet-LT's has colour jitter.
        boolean jitter = s.colourJitter() != null ? s.colourJitter() : family.colourJitter();
        return new CamPlan(name, init, batch, method, factor, counts, threshold, paste, preset, mapsFrom, jitter,
                term(Precision.VOCABULARY, s.precision(), Precision.FP32, at + ".precision"));
    }

    private TrainPlan train(StageRecipe s, String name, String at, int index, boolean trainedBefore,
                            Set<String> camStages) {
        Init init = s.init() != null ? Init.parse(s.init()) : index == 0 ? Init.SCRATCH : Init.PREVIOUS;
        if (init.isPrevious() && !trainedBefore) {
            throw new RecipeException(at + ".init: no training stage comes before this one;"
                    + " use scratch or a checkpoint path");
        }
        checkpoint(init, at);
        StageRole role = s.role() != null ? term(StageRole.VOCABULARY, s.role(), null, at + ".role")
                : init.isScratch() ? StageRole.MAIN : StageRole.FINETUNE;
        if (s.generated() != null && !camStages.contains(s.generated())) {
            throw new RecipeException(at + ".generated: '" + s.generated() + "' is not an earlier cam stage"
                    + (camStages.isEmpty() ? " (the recipe has none before this stage)" : "; earlier cam stages: " + camStages));
        }
        Mixup mixup = mixup(s.mixup(), at);
        Profile.Shape shape = profile.shape(family.role(role, mixup.enabled(), s.generated() != null, data), s.epochs());
        int epochs = shape.epochs();
        if (epochs < 1 || epochs > MAX_EPOCHS) {
            throw new RecipeException(at + ".epochs: must lie in [1, " + MAX_EPOCHS + "], got " + epochs
                    + (epochs > MAX_EPOCHS ? " (the paper's longest schedule is 400 epochs)" : ""));
        }
        int batch = s.batchSize() != null ? s.batchSize() : family.batchSize();
        if (batch < 2 || batch > MAX_BATCH) {
            throw new RecipeException(at + ".batch_size: must lie in [2, " + MAX_BATCH + "] (batch norm needs two images), got "
                    + batch);
        }
        LrSchedule lr = schedule(s, shape, epochs, at);
        Sgd sgd = new Sgd(s.momentum() != null ? s.momentum() : Sgd.PAPER.momentum(),
                s.nesterov() != null ? s.nesterov() : Sgd.PAPER.nesterov(),
                s.weightDecay() != null ? s.weightDecay() : family.weightDecay());
        if (!(sgd.momentum() >= 0 && sgd.momentum() < 1)) {
            throw new RecipeException(at + ".momentum: must lie in [0, 1), got " + sgd.momentum());
        }
        if (!(sgd.weightDecay() >= 0 && sgd.weightDecay() <= MAX_WEIGHT_DECAY)) {
            throw new RecipeException(at + ".weight_decay: must lie in [0, " + (int) MAX_WEIGHT_DECAY + "], got "
                    + sgd.weightDecay());
        }
        LossPlan loss = loss(s.loss(), at);
        SamplerKind sampler = term(SamplerKind.VOCABULARY, s.sampler(), SamplerKind.INSTANCE, at + ".sampler");
        int deferredStart = role == StageRole.MAIN ? shape.deferredStart() : 0;
        Drs drs = null;
        if (s.drs() != null) {
            SamplerKind after = term(SamplerKind.VOCABULARY, s.drs().sampler(), SamplerKind.CLASS_BALANCED,
                    at + ".drs.sampler");
            int start = s.drs().startEpoch() != null ? s.drs().startEpoch() : deferredStart;
            if (start < 0 || start >= epochs) {
                throw new RecipeException(at + ".drs.start_epoch: must lie in [0, epochs), got " + start);
            }
            drs = new Drs(after, start);
        }
        Drw drw = null;
        if (s.drw() != null) {
            int start = s.drw().startEpoch() != null ? s.drw().startEpoch() : deferredStart;
            if (start < 0 || start >= epochs) {
                throw new RecipeException(at + ".drw.start_epoch: must lie in [0, epochs), got " + start);
            }
            Drw.Weights weights = term(Drw.Weights.VOCABULARY, s.drw().weights(), Drw.Weights.LOSS, at + ".drw.weights");
            Double beta = null;
            if (weights == Drw.Weights.CB) {
                beta = loss.params().containsKey("beta") ? loss.param("beta")
                        : io.lttricks.core.loss.LossParam.defaultBeta(data);
            }
            drw = new Drw(start, weights, beta);
        }
        int checkpointEvery = s.checkpointEvery() != null ? s.checkpointEvery() : (epochs >= 50 ? 5 : 1);
        if (checkpointEvery < 1) {
            throw new RecipeException(at + ".checkpoint_every: must be >= 1");
        }
        EvalPlan eval = eval(s, role, lr, epochs, at);
        boolean jitter = s.colourJitter() != null ? s.colourJitter() : family.colourJitter();
        return new TrainPlan(name, init, role, batch, epochs, lr, sgd, loss, sampler, drs, drw, mixup, s.generated(),
                checkpointEvery, eval, jitter, term(Precision.VOCABULARY, s.precision(), Precision.FP32, at + ".precision"));
    }

    private static LrSchedule schedule(StageRecipe s, Profile.Shape shape, int epochs, String at) {
        io.lttricks.core.plan.LrShape kind = term(io.lttricks.core.plan.LrShape.VOCABULARY, s.lrSchedule(),
                io.lttricks.core.plan.LrShape.STEP, at + ".lr_schedule");
        if (kind == io.lttricks.core.plan.LrShape.COSINE && s.milestones() != null && !s.milestones().isEmpty()) {
            throw new RecipeException(at + ".milestones: a cosine schedule has none (lr_schedule: cosine falls towards 0"
                    + " by itself); remove milestones, or use lr_schedule: step");
        }
        List<Integer> milestones = kind == io.lttricks.core.plan.LrShape.COSINE ? List.of()
                : s.milestones() != null ? s.milestones() : shape.milestones();
        int warmup = s.warmupEpochs() != null ? s.warmupEpochs() : shape.warmupEpochs();
        double lr = s.lr() != null ? s.lr() : shape.lr();
        double decay = s.lrDecay() != null ? s.lrDecay() : shape.lrDecay();
        if (!(lr > 0 && lr <= MAX_LR)) {
            throw new RecipeException(at + ".lr: must lie in (0, " + (int) MAX_LR + "], got " + lr);
        }
        if (warmup < 0 || warmup > epochs) {
            throw new RecipeException(at + ".warmup_epochs: must lie in [0, epochs], got " + warmup);
        }
        if (!(decay > 0 && decay <= 1)) {
            throw new RecipeException(at + ".lr_decay: the factor at each milestone must lie in (0, 1], got " + decay);
        }
        int last = 0;
        for (Integer m : milestones) {
            if (m == null || m <= last || m > epochs) {
                throw new RecipeException(at + ".milestones: must increase and lie in [1, epochs], got " + milestones);
            }
            last = m;
        }
        return new LrSchedule(lr, warmup, milestones, decay, kind, kind == io.lttricks.core.plan.LrShape.COSINE ? epochs : 0);
    }

    private LossPlan loss(LossSpec spec, String at) {
        LossSpec given = spec != null ? spec : LossSpec.of("CE");
        LossKind kind = term(LossKind.VOCABULARY, given.name(), LossKind.CE, at + ".loss");
        Map<String, Double> values = new HashMap<>();
        if (given.params() != null) {
            values.putAll(given.params());
        }
        values.put("gamma", given.gamma() != null ? given.gamma() : values.get("gamma"));
        values.put("beta", given.beta() != null ? given.beta() : values.get("beta"));
        try {
            return LossPlan.resolve(kind, values, data);
        } catch (IllegalArgumentException e) {
            throw new RecipeException(at + ".loss: " + e.getMessage());
        }
    }

    private Mixup mixup(MixupSpec spec, String at) {
        if (spec == null || spec.at() == null || spec.at().equalsIgnoreCase("none") || spec.at().equalsIgnoreCase("off")) {
            return Mixup.OFF;
        }
        MixLocation location = term(MixLocation.VOCABULARY, spec.at(), null, at + ".mixup");
        if (!mixable.contains(location)) {
            throw new RecipeException(at + ".mixup: the backbone has no location " + location.recipeName()
                    + "; it mixes at " + mixable.stream().map(MixLocation::recipeName).toList());
        }
        double alpha = spec.alpha() != null ? spec.alpha() : 1.0;
        if (!(alpha > 0)) {
            throw new RecipeException(at + ".mixup.alpha: must be > 0, got " + alpha);
        }
        return new Mixup(location, alpha);
    }

    /**
     * When a stage evaluates: from {@code eval_from}, else its first decay; a first stage without one
     * inside (the paper's 160 epochs decay where the deferred stage begins) only at its end, since its
     * table figure comes from the stage after it and a pass over the test set each epoch would cost
     * about a sixth of its time; a deferred stage, and any other without a decay, from its start (the
     * official deferred stages test every one of their 40 epochs and report the best).
     */
    private static EvalPlan eval(StageRecipe s, StageRole role, LrSchedule lr, int epochs, String at) {
        int every = s.evalEvery() != null ? s.evalEvery() : 0;
        int from = s.evalFrom() != null ? s.evalFrom() : role == StageRole.DEFERRED ? 0
                : lr.milestones().stream().filter(m -> m < epochs).findFirst()
                        .orElse(role == StageRole.FIRST_STAGE ? epochs - 1 : 0);
        if (every < 0) {
            throw new RecipeException(at + ".eval_every: must be >= 0 (0: no evaluation during training), got " + every);
        }
        if (from < 0 || from >= epochs) {
            throw new RecipeException(at + ".eval_from: must lie in [0, epochs), got " + from);
        }
        return every == 0 ? EvalPlan.OFF : new EvalPlan(every, from);
    }

    /**
     * The training stage {@code plan} (written as {@code s}) when a cam stage after it draws its maps
     * from its best test epoch: evaluated every epoch from the start unless the recipe says when,
     * and the best epoch's weights kept.
     */
    TrainPlan keepingBest(TrainPlan plan, StageRecipe s, int index, String camStage) {
        EvalPlan given = plan.eval();
        if (s.evalEvery() != null && s.evalEvery() == 0) {
            throw new RecipeException("stages[" + index + "] (" + plan.name() + ").eval_every: 0 leaves no tested"
                    + " epoch for stage " + camStage + "'s maps_from: best_test_epoch; leave eval_every out (every epoch)");
        }
        int every = s.evalEvery() != null ? given.every() : 1;
        int from = s.evalFrom() != null ? given.from() : 0;
        return plan.withEval(new EvalPlan(every, from, true));
    }

    private void checkpoint(Init init, String at) {
        if (init.isCheckpoint()) {
            String problem = checkpoints.problem(init.checkpoint());
            if (problem != null) {
                throw new RecipeException(at + ".init: " + problem);
            }
        }
    }

    /** The term named {@code name}, or {@code absent} when the recipe leaves it out. */
    private static <T extends Enum<T> & Term> T term(Vocabulary<T> vocabulary, String name, T absent, String field) {
        if (name == null && absent != null) {
            return absent;
        }
        try {
            return vocabulary.parse(name);
        } catch (IllegalArgumentException e) {
            throw new RecipeException(field + ": " + e.getMessage());
        }
    }
}
