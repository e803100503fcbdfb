package io.lttricks.core.recipe;

import java.util.List;
import java.util.Locale;
import io.lttricks.core.plan.StageRole;

/**
 * How long the schedules of a {@link ScheduleFamily} run.
 *
 * <ul>
 *   <li>{@code paper}: the official configs as they are (CIFAR: 200 epochs, decays at 160 and 180,
 *   DRS/DRW after 160; 400 with mixup).</li>
 *   <li>{@code quick}: the same shapes in 15% of the epochs, to fit a CPU (CIFAR: 30 epochs, decays
 *   at 24 and 27, DRS/DRW after 24; a fine-tuning stage 3 epochs).</li>
 * </ul>
 * A recipe that sets only a stage's epochs keeps its role's shape: the decays and the deferred
 * switch at the same fractions of the stage, the warm-up at 1/40 of it.
 */
public enum Profile {
    PAPER(1.0),
    QUICK(0.15);

    private final double scale;

    Profile(double scale) {
        this.scale = scale;
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
     * What the profile gives a training stage when the recipe leaves it out.
     *
     * @param epochs        the stage's epochs (the recipe's when it sets them)
     * @param deferredStart the epoch after which DRS/DRW switch on by default: the first decay
     */
    public record Shape(int epochs, List<Integer> milestones, double lr, double lrDecay, int warmupEpochs,
                        int deferredStart) {
    }

    /**
     * @param mixup       whether the stage mixes (a main stage with mixup runs the mixup configs' length)
     * @param epochsGiven the recipe's epochs, or null
     */
    public Shape shape(ScheduleFamily family, StageRole role, boolean mixup, Integer epochsGiven) {
        return shape(family.role(role, mixup), epochsGiven);
    }

    /** The shape of a role's schedule at this profile's scale ({@code epochsGiven}: the recipe's, or null). */
    Shape shape(ScheduleFamily.RoleShape r, Integer epochsGiven) {
        int ep = epochsGiven != null ? epochsGiven : Math.max(1, (int) Math.round(r.epochs() * scale));
        List<Integer> ms = new java.util.ArrayList<>();
        for (double f : r.decayFractions()) {
            int m = f >= 1.0 ? ep : (int) Math.floor(f * ep);
            if ((m >= 2 || f >= 1.0) && (ms.isEmpty() || m > ms.get(ms.size() - 1)) && m <= ep) {
                ms.add(m);
            }
        }
        int warmup = r.warmupEpochs() == 0 ? 0
                : Math.min(ep, Math.max(1, (int) Math.round(r.warmupEpochs() * (double) ep / r.epochs())));
        int deferred = ms.stream().filter(m -> m < ep).findFirst().orElse((int) Math.floor(0.8 * ep));
        return new Shape(ep, List.copyOf(ms), r.lr(), r.decay(), warmup, deferred);
    }
}
