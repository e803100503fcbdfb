package io.lttricks.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.InferenceNetwork;
import io.lttricks.core.train.BatchLoader;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.FloatBuffer;

/**
 * Runs a model over a test set (inference mode: batch-norm running statistics, no gradients), as
 * an eval-mode copy with batch norm folded into the convolutions ({@link Backbone#inference}).
 * The predicted class is the arg-max of the logits: softmax and sigmoid are monotonic, so neither
 * is computed. {@code -Dlttricks.foldBatchNorm=false} runs the unfused backbone instead (for
 * comparisons: docs/PERFORMANCE.md).
 */
public final class Evaluator {
    private static final boolean FOLD = Boolean.parseBoolean(System.getProperty("lttricks.foldBatchNorm", "true"));

    private final int batchSize;
    private final int threads;

    public Evaluator(int batchSize, int threads) {
        this.batchSize = batchSize;
        this.threads = threads;
    }

    /**
     * Predicted class of every test image, in test-set order.
     *
     * @param sigmoid whether the model's scores are sigmoids (else softmax); the arg-max is the same
     */
    public int[] predict(Backbone model, NDManager manager, LabeledImages test, ImageTransform transform,
                         boolean sigmoid, Progress progress) throws IOException {
        io.lttricks.core.train.GradMode.disableOnThisThread();
        int n = test.size();
        int[] predictions = new int[n];
        ParameterStore ps = new ParameterStore(manager, false);
        try (InferenceNetwork net = FOLD ? model.inference(manager) : null;
             BatchLoader loader = BatchLoader.evaluation(test, batchSize, transform, threads)) {
            int done = 0;
            while (loader.hasNext()) {
                BatchLoader.Batch b = loader.next();
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.create(FloatBuffer.wrap(b.images()),
                            new Shape(b.size(), transform.channels(), transform.height(), transform.width()));
                    NDArray logits = net != null ? net.logits(x) : model.forward(ps, new NDList(x), false).head();
                    long[] best = logits.argMax(1).toLongArray();
                    for (int k = 0; k < best.length; k++) {
                        predictions[done + k] = (int) best[k];
                    }
                }
                done += b.size();
                progress.update("evaluate", done, n, "img");
            }
        }
        return predictions;
    }

    public EvaluationReport evaluate(Backbone model, NDManager manager, LabeledImages test, ImageTransform transform,
                                     boolean sigmoid, int[] trainCounts, String modelSelection, Progress progress)
            throws IOException {
        int[] predictions = predict(model, manager, test, transform, sigmoid, progress);
        int c = test.numClasses();
        int[][] confusion = new int[c][c];
        for (int i = 0; i < predictions.length; i++) {
            confusion[test.label(i)][predictions[i]]++;
        }
        return EvaluationReport.of(modelSelection, sigmoid, test.classNames(), trainCounts, confusion)
                .withPrecision(model.precision().recipeName());
    }
}
