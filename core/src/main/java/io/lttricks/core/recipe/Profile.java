package io.lttricks.core.recipe;

import java.util.List;
import java.util.Locale;

/**
 * Schedules that fill in what a recipe leaves out.
 *
 * <ul>
 *   <li>{@code paper}: the paper's CIFAR schedule. A stage from scratch: 200 epochs, batch 128,
 *   SGD lr 0.1, momentum 0.9, Nesterov, weight decay 2e-4, 5 warm-up epochs, lr x0.01 at epochs 160
 *   and 180, DRS/DRW switching after epoch 160. A stage that continues a model (fine-tuning): 20
 *   epochs at lr 0.001, no warm-up, no decay.</li>
 *   <li>{@code quick}: the same shape shrunk to fit a CPU: 30 epochs (warm-up 1, decays at 24 and
 *   27, DRS/DRW after 24); a continuing stage: 3 epochs at lr 0.001.</li>
 *   <li>Setting {@code epochs} alone keeps the shape: decays at 80% and 90%, deferred
 *   re-balancing after 80%, warm-up epochs/40.</li>
 * </ul>
 */
public enum Profile {
    PAPER(200, 20),
    QUICK(30, 3);

    private final int epochs;
    private final int continueEpochs;

    Profile(int epochs, int continueEpochs) {
        this.epochs = epochs;
        this.continueEpochs = continueEpochs;
    }

    /**
     * The paper's schedule scaled to {@code e} epochs: decays at 80% and 90% of the stage
     * (160 and 180 of 200), warm-up of e/40 epochs (5 of 200, at least 1), deferred
     * re-balancing after 80%. A recipe that changes only the number of epochs keeps this shape.
     */
    static List<Integer> milestonesFor(int e) {
        int a = (int) Math.floor(0.8 * e);
        int b = (int) Math.floor(0.9 * e);
        List<Integer> out = new java.util.ArrayList<>();
        if (a >= 2) {
            out.add(a);
        }
        if (b > a && b >= 2) {
            out.add(b);
        }
        return List.copyOf(out);
    }

    static int warmupFor(int e) {
        return Math.max(1, (int) Math.round(e / 40.0));
    }

    static int deferredStartFor(int e) {
        return (int) Math.floor(0.8 * e);
    }

    public static Profile parse(String name) {
        if (name == null) {
            return PAPER;
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "paper" -> PAPER;
            case "quick" -> QUICK;
            default -> throw new IllegalArgumentException("unknown profile '" + name + "': use 'paper' or 'quick'");
        };
    }

    public String recipeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage roles a profile sizes; see {@link StageRecipe#role()}. */
    public static final List<String> ROLES = List.of("main", "first_stage", "deferred", "finetune");

    /** Resolves one stage; {@code index} is its position (0 = first). */
    public StagePlan resolve(StageRecipe s, int index) {
        String name = s.name() != null ? s.name() : "stage" + (index + 1);
        String type = s.type() == null ? "train" : s.type().toLowerCase(Locale.ROOT);
        if (type.equals("cam")) {
            String counts = s.counts() != null ? s.counts().toLowerCase(Locale.ROOT) : "cifar";
            return new StagePlan(name, s.init() != null ? s.init() : "previous", 0, s.batchSize() != null ? s.batchSize() : 256,
                    0, 0, false, 0, 0, List.of(), 1, "CE", null, null, "instance", null, 1.0, null, 0, null, null, 1,
                    "cam", null, null,
                    s.method() != null ? s.method().toLowerCase(Locale.ROOT) : "cam",
                    s.thresholdFactor() != null ? s.thresholdFactor() : 1.0,
                    counts,
                    s.threshold() != null ? s.threshold() : 100,
                    s.paste() != null ? s.paste().toLowerCase(Locale.ROOT) : "over", 0, 0);
        }
        String init = s.init() != null ? s.init() : (index == 0 ? "scratch" : "previous");
        boolean scratch = "scratch".equals(init);
        String role = s.role() != null ? s.role().toLowerCase(Locale.ROOT) : (scratch ? "main" : "finetune");
        int first = deferredStartFor(epochs);
        int ep;
        List<Integer> ms;
        double lr;
        int warm;
        switch (role) {
            case "first_stage" -> {
                ep = s.epochs() != null ? s.epochs() : first;
                ms = List.of(ep);
                lr = 0.1;
                warm = Math.min(warmupFor(epochs), ep);
            }
            case "deferred" -> {
                ep = s.epochs() != null ? s.epochs() : epochs - first;
                // As the official 40 epochs with x0.01 at 20: too short a stage keeps one rate.
                ms = ep / 2 >= 2 ? List.of(ep / 2) : List.of();
                lr = 0.001;
                warm = 0;
            }
            case "finetune" -> {
                ep = s.epochs() != null ? s.epochs() : continueEpochs;
                ms = List.of();
                lr = 0.001;
                warm = 0;
            }
            default -> {
                ep = s.epochs() != null ? s.epochs() : epochs;
                ms = milestonesFor(ep);
                lr = 0.1;
                warm = warmupFor(ep);
            }
        }
        if (s.milestones() != null) {
            ms = s.milestones();
        }
        if (s.warmupEpochs() != null) {
            warm = s.warmupEpochs();
        }
        if (s.lr() != null) {
            lr = s.lr();
        }
        int deferred = role.equals("main") ? deferredStartFor(ep) : 0;
        LossSpec loss = s.loss() != null ? s.loss() : LossSpec.of("CE");
        MixupSpec mix = s.mixup();
        boolean mixOn = mix != null && !mix.off();
        return new StagePlan(
                name,
                init,
                ep,
                s.batchSize() != null ? s.batchSize() : 128,
                lr,
                s.momentum() != null ? s.momentum() : 0.9,
                s.nesterov() != null ? s.nesterov() : true,
                s.weightDecay() != null ? s.weightDecay() : 2e-4,
                warm,
                ms,
                s.lrDecay() != null ? s.lrDecay() : 0.01,
                loss.name(),
                loss.gamma(),
                loss.beta(),
                s.sampler() != null ? s.sampler() : "instance",
                mixOn ? mix.at() : null,
                mixOn && mix.alpha() != null ? mix.alpha() : 1.0,
                s.drs() != null ? (s.drs().sampler() != null ? s.drs().sampler() : "class_balanced") : null,
                s.drs() != null && s.drs().startEpoch() != null ? s.drs().startEpoch() : deferred,
                s.drw() != null ? (s.drw().startEpoch() != null ? s.drw().startEpoch() : deferred) : null,
                s.drw() != null ? s.drw().weights() : null,
                s.checkpointEvery() != null ? s.checkpointEvery() : (ep >= 50 ? 5 : 1),
                "train",
                role,
                s.generated(),
                null, 0, null, 0, null,
                s.evalEvery() != null ? s.evalEvery() : 0,
                s.evalFrom() != null ? s.evalFrom() : ms.stream().filter(m -> m < ep).findFirst().orElse(0));
    }
}
