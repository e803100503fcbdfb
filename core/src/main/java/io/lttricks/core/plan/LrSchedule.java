package io.lttricks.core.plan;

import java.util.List;

/**
 * Learning rate per epoch: linear warm-up from base/3, then multi-step decay. Epochs count from 1.
 *
 * <p>The official code steps its WarmupMultiStepLR at the start of every epoch, so epoch e trains
 * with the scheduler's {@code last_epoch = e}: for e < W the factor is 1/3 + (2/3) * e / W
 * (0.467, 0.600, 0.733, 0.867 for W = 5), then 1; each milestone m <= e multiplies by the decay
 * (0.01 at 160 and again at 180 in the paper). This class reproduces exactly those values.
 */
public record LrSchedule(double base, int warmupEpochs, List<Integer> milestones, double decay) {

    public LrSchedule {
        milestones = List.copyOf(milestones);
    }

    public double at(int epoch) {
        double factor = 1.0;
        if (epoch < warmupEpochs) {
            double alpha = (double) epoch / warmupEpochs;
            factor = (1.0 / 3.0) * (1 - alpha) + alpha;
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
