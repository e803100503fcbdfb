package io.lttricks.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The logit-adjusted loss and Balanced Softmax: their equations, their registry entries, and what
 * they are for, seen over a whole training: a linear classifier trained on long-tailed data with
 * either ends with a much higher balanced accuracy than one trained with plain cross-entropy.
 */
class LogitAdjustedLossTest {
    static final int[] COUNTS = {500, 200, 80, 20, 5};

    @Test
    void isCrossEntropyOnLogitsShiftedByTauTimesTheLogPrior() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random r = new Random(3);
            int b = 4;
            int c = COUNTS.length;
            double[][] z = new double[b][c];
            float[] flat = new float[b * c];
            float[] targets = new float[b * c];
            int[] y = new int[b];
            for (int i = 0; i < b; i++) {
                y[i] = r.nextInt(c);
                targets[i * c + y[i]] = 1;
                for (int j = 0; j < c; j++) {
                    z[i][j] = r.nextGaussian() * 2;
                    flat[i * c + j] = (float) z[i][j];
                }
            }
            double total = 805;
            for (double tau : new double[] {0.5, 1.0, 2.0}) {
                double expected = 0;
                for (int i = 0; i < b; i++) {
                    double[] shifted = new double[c];
                    for (int j = 0; j < c; j++) {
                        shifted[j] = z[i][j] + tau * Math.log(COUNTS[j] / total);
                    }
                    expected += -LossesTest.logSoftmax(shifted, y[i]);
                }
                expected /= b;
                ClassificationLoss loss = new LogitAdjustedLoss(tau).forCounts(COUNTS);
                double got = loss.evaluate(m.create(flat, new Shape(b, c)), m.create(targets, new Shape(b, c)), null).getFloat();
                assertEquals(expected, got, 1e-5, "tau " + tau);
            }
            // Balanced Softmax is tau = 1: log n_c and log(n_c / n) differ by a constant the softmax ignores.
            double bs = LogitAdjustedLoss.balancedSoftmax().forCounts(COUNTS)
                    .evaluate(m.create(flat, new Shape(b, c)), m.create(targets, new Shape(b, c)), null).getFloat();
            double la = new LogitAdjustedLoss(1.0).forCounts(COUNTS)
                    .evaluate(m.create(flat, new Shape(b, c)), m.create(targets, new Shape(b, c)), null).getFloat();
            assertEquals(la, bs, 1e-6);
        }
    }

    @Test
    void isNamedInRecipesAndRefusesToRunWithoutCounts() {
        assertEquals(LossKind.LA, LossKind.parse("logit_adjusted"));
        assertEquals(LossKind.BALANCED_SOFTMAX, LossKind.parse("balanced-softmax"));
        LossPlan plan = LossPlan.resolve(LossKind.LA, Map.of(), "cifar10");
        assertEquals(1.0, plan.param("tau"));
        assertThrows(IllegalArgumentException.class, () -> LossPlan.resolve(LossKind.LA, Map.of("tau", -1.0), "cifar10"));
        ClassificationLoss bs = LossPlan.resolve(LossKind.BALANCED_SOFTMAX, Map.of(), "cifar10").create();
        assertEquals("BalancedSoftmax", bs.name());
        assertFalse(bs.sigmoid(), "scored with softmax at test time");
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> bs.evaluate(m.create(new float[5], new Shape(1, 5)), m.create(new float[5], new Shape(1, 5)), null));
            assertTrue(e.getMessage().contains("class counts"), e.getMessage());
        }
        // A class without training images gets the prior of half an image: a finite shift.
        float[] shift = LogitAdjustedLoss.shift(new int[] {10, 0}, 1.0);
        assertTrue(Float.isFinite(shift[1]) && shift[1] < shift[0]);
    }

    /**
     * Over a whole training: a linear softmax classifier on five overlapping Gaussian classes of
     * 500..5 points (centres on the unit circle, sd 0.4), 400 full-batch steps of gradient descent.
     * Cross-entropy lets the head classes take the overlap, so the rare classes are mostly missed;
     * the logit-adjusted loss and Balanced Softmax move the boundaries towards the head, and the
     * balanced accuracy (the mean of the per-class accuracies on balanced test data) rises by far:
     * about 0.68 against 0.83 in a double-precision simulation of five draws (gaps 0.14-0.16); the
     * test asks for 0.08.
     */
    @Test
    void overAWholeTrainingTheRareClassesAreFoundFarMoreOften() {
        double ce = balancedAccuracy(new CrossEntropyLoss());
        double la = balancedAccuracy(new LogitAdjustedLoss(1.0));
        double bs = balancedAccuracy(LogitAdjustedLoss.balancedSoftmax());
        assertTrue(la > ce + 0.08, "logit adjustment " + la + " against cross-entropy " + ce);
        assertTrue(bs > ce + 0.08, "Balanced Softmax " + bs + " against cross-entropy " + ce);
    }

    static double balancedAccuracy(ClassificationLoss kind) {
        int c = COUNTS.length;
        Random r = new Random(11);
        double[][] centres = new double[c][2];
        for (int k = 0; k < c; k++) {
            centres[k][0] = Math.cos(2 * Math.PI * k / c);
            centres[k][1] = Math.sin(2 * Math.PI * k / c);
        }
        int n = 0;
        for (int k : COUNTS) {
            n += k;
        }
        float[] x = new float[n * 3];
        float[] t = new float[n * c];
        int i = 0;
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < COUNTS[k]; j++, i++) {
                x[i * 3] = (float) (centres[k][0] + 0.4 * r.nextGaussian());
                x[i * 3 + 1] = (float) (centres[k][1] + 0.4 * r.nextGaussian());
                x[i * 3 + 2] = 1;   // bias
                t[i * c + k] = 1;
            }
        }
        ClassificationLoss loss = kind.forCounts(COUNTS);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray features = m.create(x, new Shape(n, 3));
            NDArray targets = m.create(t, new Shape(n, c));
            NDArray w = m.zeros(new Shape(3, c));
            w.setRequiresGradient(true);
            for (int step = 0; step < 400; step++) {
                try (GradientCollector g = Engine.getInstance().newGradientCollector()) {
                    g.backward(loss.evaluate(features.matMul(w), targets, null));
                }
                try (NDArray grad = w.getGradient()) {
                    w.set(w.sub(grad).toFloatArray());   // learning rate 1
                    grad.muli(0);   // gradients add up across backward passes until zeroed
                }
            }
            // Balanced test data: 400 points a class; the raw logits, unshifted.
            double sum = 0;
            for (int k = 0; k < c; k++) {
                float[] tx = new float[400 * 3];
                for (int j = 0; j < 400; j++) {
                    tx[j * 3] = (float) (centres[k][0] + 0.4 * r.nextGaussian());
                    tx[j * 3 + 1] = (float) (centres[k][1] + 0.4 * r.nextGaussian());
                    tx[j * 3 + 2] = 1;
                }
                long[] predicted = m.create(tx, new Shape(400, 3)).matMul(w.stopGradient()).argMax(1).toLongArray();
                int right = 0;
                for (long p : predicted) {
                    right += p == k ? 1 : 0;
                }
                sum += right / 400.0;
            }
            return sum / c;
        }
    }
}
