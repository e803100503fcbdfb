package io.lttricks.coordinator;

import io.lttricks.core.plan.TrainPlan;
import java.io.IOException;

/**
 * The sampling a run needs, as the coordinator asks for it: before it dispatches a training stage
 * and while the stage goes on, it asks for that stage's epoch orders to be stored far enough ahead
 * of the trainer. Drawing and storing them is the sampler service's work
 * ({@code io.lttricks.sampler.StoredEpochOrders}, in the process that hosts this coordinator); the
 * trainer reads them ({@code SampledOrders.stored}).
 */
public interface EpochSampler {

    /**
     * A training stage to sample.
     *
     * @param prefix       the stage's prefix in storage; its orders go under {@code <prefix>/orders/}
     * @param plan         the stage's plan (sampler, epochs, deferred switch)
     * @param manifestKey  the run's long-tailed training set (stored manifest)
     * @param generatedKey the generated set the stage adds (stored manifest), or null
     * @param seed         the run's seed
     * @param index        the stage's index in the run (part of its random stream)
     */
    record Stage(String prefix, TrainPlan plan, String manifestKey, String generatedKey, long seed, int index) {
    }

    /**
     * Makes sure the orders of epochs 1 .. {@code through} (at most the stage's last epoch) are
     * stored; returns how many chunks it stored now (0 when they all were already).
     */
    int storeThrough(Stage stage, int through) throws IOException;

    /** Forgets whatever it keeps in memory for the stages under {@code runPrefix} (the run has ended). */
    void forget(String runPrefix);
}
