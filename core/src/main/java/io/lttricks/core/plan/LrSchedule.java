package io.lttricks.core.plan;

import java.util.List;

/**
 * Learning rate per epoch: linear warm-up from base/3, then multi-step decay ({@link LrShape#STEP})
 * or half a cosine ({@link LrShape#COSINE}). Epochs count from 1.
 *
 * <p>The official code steps its WarmupMultiStepLR at the start of every epoch, so epoch e trains
 * with the scheduler's {@code last_epoch = e}: for e < W the factor is 1/3 + (2/3) * e / W
 * (0.467, 0.600, 0.733, 0.867 for W = 5), then 1; each milestone m <= e multiplies by the decay
 * (0.01 at 160 and again at 180 in the paper). This class reproduces exactly those values.
 *
 * <p>Cosine (not in the paper; the schedule of most methods published since): after the same
 * warm-up, epoch e >= W trains with {@code base * (1 + cos(pi * (e - W) / (E - W + 1))) / 2} for a
 * stage of E epochs: the base rate at W, falling towards 0, and the last epoch still above 0 (a
 * length of E - W + 1 rather than E - W, so that no epoch trains with a rate of exactly 0).
 *
 * @param epochs the stage's length, the cosine's; 0 for the step schedule, which does not use it
 */
public record LrSchedule(double base, int warmupEpochs, List<Integer> milestones, double decay, LrShape schedule,
                         int epochs) {

    public LrSchedule {
        milestones = List.copyOf(milestones);
        if (schedule == null) {
            schedule = LrShape.STEP;
        }
    }

    /** A step schedule (the paper's). */
    public LrSchedule(double base, int warmupEpochs, List<Integer> milestones, double decay) {
        this(base, warmupEpochs, milestones, decay, LrShape.STEP, 0);
    }

    public double at(int epoch) {
        double factor = 1.0;
        if (epoch < warmupEpochs) {
            double alpha = (double) epoch / warmupEpochs;
            factor = (1.0 / 3.0) * (1 - alpha) + alpha;
        } else if (schedule == LrShape.COSINE) {
            factor = 0.5 * (1 + Math.cos(Math.PI * (epoch - warmupEpochs) / (double) (epochs - warmupEpochs + 1)));
        }
        if (schedule == LrShape.COSINE) {
            return base * factor;
        }
        int passed = 0;
        for (int m : milestones) {
            if (m <= epoch) {
                passed++;
            }
        }
        return base * factor * Math.pow(decay, passed);
    }
}
