package io.lttricks.core.eval;

import ai.djl.ndarray.NDManager;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.train.EpochEvaluator;
import io.lttricks.core.transform.Transforms;
import io.lttricks.core.util.Progress;
import java.io.IOException;

/** The evaluation of a training stage's model on the test set, the same for lt train and the services. */
public final class StageEvaluation {
    private StageEvaluation() {
    }

    /**
     * The report of a stage's final model (sigmoid scores for sigmoid-trained losses), in the
     * stage's precision (where the device runs it: {@link Backbone#usePrecision}).
     */
    public static EvaluationReport finalModel(Backbone model, NDManager manager, LabeledImages test, int[] trainCounts,
                                              TrainPlan plan, int batchSize, Progress progress) throws IOException {
        model.usePrecision(plan.precision(), manager.getDevice());
        String selection = "final model of stage " + plan.name() + " (epoch " + plan.epochs()
                + "); no model selection on test data";
        return new Evaluator(batchSize, 1).evaluate(model, manager, test, Transforms.test(model, test),
                plan.loss().create().sigmoid(), trainCounts, selection, progress);
    }

    /** Test-set evaluation between epochs of a stage ({@code eval_every}). */
    public static EpochEvaluator betweenEpochs(NDManager manager, LabeledImages test, int[] trainCounts, TrainPlan plan,
                                               int batchSize) {
        return m -> finalModel(m, manager, test, trainCounts, plan, batchSize, Progress.SILENT).top1Error();
    }
}
