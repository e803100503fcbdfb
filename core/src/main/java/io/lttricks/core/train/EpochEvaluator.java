package io.lttricks.core.train;

import io.lttricks.core.model.Backbone;
import java.io.IOException;

/**
 * Evaluates the model being trained on the test set between epochs, for the best-test-epoch
 * figure ({@code eval_every}). Inference mode: it changes neither weights nor batch-norm
 * statistics, so a stage trains the same with or without it.
 */
@FunctionalInterface
public interface EpochEvaluator {
    /** Top-1 error of {@code model} on the test set. */
    double top1Error(Backbone model) throws IOException;
}
