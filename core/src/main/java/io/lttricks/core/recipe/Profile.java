package io.lttricks.core.recipe;

import java.util.List;
import java.util.Locale;
import io.lttricks.core.plan.StageRole;

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

    /**
     * What the profile gives a training stage of {@code role} when the recipe leaves it out.
     *
     * @param epochs        the stage's epochs (the recipe's when it sets them)
     * @param deferredStart the epoch after which DRS/DRW switch on by default (main stages only)
     */
    public record Shape(int epochs, List<Integer> milestones, double lr, int warmupEpochs, int deferredStart) {
    }

    /** @param epochsGiven the recipe's epochs, or null */
    public Shape shape(StageRole role, Integer epochsGiven) {
        int first = deferredStartFor(epochs);
        return switch (role) {
            case FIRST_STAGE -> {
                int ep = epochsGiven != null ? epochsGiven : first;
                yield new Shape(ep, List.of(ep), 0.1, Math.min(warmupFor(epochs), ep), 0);
            }
            case DEFERRED -> {
                int ep = epochsGiven != null ? epochsGiven : epochs - first;
                // As the official 40 epochs with x0.01 at 20: too short a stage keeps one rate.
                yield new Shape(ep, ep / 2 >= 2 ? List.of(ep / 2) : List.of(), 0.001, 0, 0);
            }
            case FINETUNE -> new Shape(epochsGiven != null ? epochsGiven : continueEpochs, List.of(), 0.001, 0, 0);
            case MAIN -> {
                int ep = epochsGiven != null ? epochsGiven : epochs;
                yield new Shape(ep, milestonesFor(ep), 0.1, warmupFor(ep), deferredStartFor(ep));
            }
        };
    }
}
