package io.lttricks.core.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;

/**
 * The evaluation of one model on a test set: top-1 error, per-class accuracy, the many/medium/few
 * shot accuracies of the long-tailed literature, and the confusion matrix.
 *
 * @param modelSelection  which model this is (always stated: no model selection on test data)
 * @param scores          softmax or sigmoid (sigmoid-trained models are scored with sigmoids)
 * @param trainCounts     training images per class, which define the shot groups
 * @param testCounts      test images per class
 * @param perClassAccuracy accuracy (0..1) per class; NaN where a class has no test image
 * @param manyShot        mean per-class accuracy over classes with more than 100 training images
 * @param mediumShot      ... with 20 to 100
 * @param fewShot         ... with fewer than 20 (null when a group has no class)
 * @param confusion       confusion[true][predicted] image counts
 * @param bestTestEpoch   when the stage was evaluated during training ({@code eval_every}): the
 *                        epoch whose model had the lowest test error. Choosing it selects a model
 *                        on test data, as the official code and the paper's tables do; it is
 *                        reported beside the final model's figures for a like-for-like comparison
 *                        with the paper, never instead of them
 * @param bestTestEpochTop1Error that epoch's top-1 error
 * @param evaluatedEpochs how many epochs were evaluated to find it
 * @param precision       the arithmetic of the forward passes that made it: fp32 or bf16 ({@code Precision})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationReport(
        String modelSelection,
        String scores,
        int images,
        double top1Accuracy,
        double top1Error,
        List<String> classes,
        int[] trainCounts,
        int[] testCounts,
        double[] perClassAccuracy,
        Double manyShot,
        Double mediumShot,
        Double fewShot,
        int manyShotClasses,
        int mediumShotClasses,
        int fewShotClasses,
        int[][] confusion,
        Integer bestTestEpoch,
        Double bestTestEpochTop1Error,
        Integer evaluatedEpochs,
        String precision) {

    /** Shot-group thresholds: many > 100 >= medium >= 20 > few training images. */
    public static final int MANY_ABOVE = 100;
    public static final int FEW_BELOW = 20;

    public static EvaluationReport of(String modelSelection, boolean sigmoid, List<String> classes, int[] trainCounts,
                                      int[][] confusion) {
        int c = classes.size();
        int[] testCounts = new int[c];
        int correct = 0;
        int total = 0;
        double[] acc = new double[c];
        for (int t = 0; t < c; t++) {
            for (int p = 0; p < c; p++) {
                testCounts[t] += confusion[t][p];
            }
            correct += confusion[t][t];
            total += testCounts[t];
            acc[t] = testCounts[t] == 0 ? Double.NaN : (double) confusion[t][t] / testCounts[t];
        }
        double[] sums = new double[3];
        int[] n = new int[3];
        for (int t = 0; t < c; t++) {
            if (Double.isNaN(acc[t])) {
                continue;
            }
            int g = group(trainCounts[t]);
            sums[g] += acc[t];
            n[g]++;
        }
        double top1 = total == 0 ? Double.NaN : (double) correct / total;
        return new EvaluationReport(modelSelection, sigmoid ? "sigmoid" : "softmax", total, top1, 1 - top1,
                List.copyOf(classes), trainCounts.clone(), testCounts, acc,
                n[0] == 0 ? null : sums[0] / n[0], n[1] == 0 ? null : sums[1] / n[1], n[2] == 0 ? null : sums[2] / n[2],
                n[0], n[1], n[2], confusion, null, null, null, null);
    }

    /**
     * This report with the best test epoch of the stage's history added: the lowest of
     * {@code testErrors} (epoch -> top-1 error; the earliest epoch on a tie). Unchanged when none.
     */
    public EvaluationReport withBestTestEpoch(java.util.SortedMap<Integer, Double> testErrors) {
        if (testErrors.isEmpty()) {
            return this;
        }
        int best = testErrors.firstKey();
        for (var e : testErrors.entrySet()) {
            if (e.getValue() < testErrors.get(best)) {
                best = e.getKey();
            }
        }
        return new EvaluationReport(modelSelection, scores, images, top1Accuracy, top1Error, classes, trainCounts,
                testCounts, perClassAccuracy, manyShot, mediumShot, fewShot, manyShotClasses, mediumShotClasses,
                fewShotClasses, confusion, best, testErrors.get(best), testErrors.size(), precision);
    }

    /** This report, saying which precision its forward passes ran in. */
    public EvaluationReport withPrecision(String ran) {
        return new EvaluationReport(modelSelection, scores, images, top1Accuracy, top1Error, classes, trainCounts,
                testCounts, perClassAccuracy, manyShot, mediumShot, fewShot, manyShotClasses, mediumShotClasses,
                fewShotClasses, confusion, bestTestEpoch, bestTestEpochTop1Error, evaluatedEpochs, ran);
    }

    /** 0 many, 1 medium, 2 few. */
    static int group(int trainCount) {
        if (trainCount > MANY_ABOVE) {
            return 0;
        }
        return trainCount >= FEW_BELOW ? 1 : 2;
    }

    /** A readable summary: headline numbers, shot groups, per-class table, confusion matrix (up to 20 classes). */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Top-1 error %.2f%%  (accuracy %.2f%%, %d test images, %s scores)%n",
                100 * top1Error, 100 * top1Accuracy, images, scores));
        sb.append("Model: ").append(modelSelection).append('\n');
        if (precision != null) {
            sb.append("Precision: ").append(precision).append('\n');
        }
        if (bestTestEpoch != null) {
            sb.append(String.format(Locale.ROOT, "Best test epoch: %d, top-1 error %.2f%% (lowest of %d evaluated epochs;"
                    + " selected on test data, as the official code)%n", bestTestEpoch, 100 * bestTestEpochTop1Error,
                    evaluatedEpochs));
        }
        sb.append(String.format(Locale.ROOT, "Many-shot (>%d train): %s   Medium (%d-%d): %s   Few (<%d): %s%n",
                MANY_ABOVE, pct(manyShot, manyShotClasses), FEW_BELOW, MANY_ABOVE, pct(mediumShot, mediumShotClasses),
                FEW_BELOW, pct(fewShot, fewShotClasses)));
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        if (classes.size() <= 200) {
            sb.append(String.format(Locale.ROOT, "%n%-" + width + "s %8s %6s %9s%n", "class", "train", "test", "accuracy"));
            for (int c = 0; c < classes.size(); c++) {
                sb.append(String.format(Locale.ROOT, "%-" + width + "s %8d %6d %8.2f%%%n", classes.get(c), trainCounts[c],
                        testCounts[c], 100 * perClassAccuracy[c]));
            }
        }
        if (classes.size() <= 20) {
            sb.append("\nConfusion matrix (rows: true class, columns: predicted)\n");
            sb.append(String.format(Locale.ROOT, "%-" + width + "s", ""));
            for (int c = 0; c < classes.size(); c++) {
                sb.append(String.format(Locale.ROOT, " %6.6s", classes.get(c)));
            }
            sb.append('\n');
            for (int t = 0; t < classes.size(); t++) {
                sb.append(String.format(Locale.ROOT, "%-" + width + "s", classes.get(t)));
                for (int p = 0; p < classes.size(); p++) {
                    sb.append(String.format(Locale.ROOT, " %6d", confusion[t][p]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String pct(Double v, int classes) {
        return v == null ? "n/a (0 classes)" : String.format(Locale.ROOT, "%.2f%% (%d classes)", 100 * v, classes);
    }
}
