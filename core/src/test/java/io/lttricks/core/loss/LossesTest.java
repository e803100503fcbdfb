package io.lttricks.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every loss against values computed here, in double precision, straight from the paper's equations. */
class LossesTest {
    static final int B = 6;
    static final int C = 5;
    static final int[] COUNTS = {500, 200, 80, 20, 5};

    NDManager m;
    double[][] z;
    int[] y;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        Random r = new Random(7);
        z = new double[B][C];
        y = new int[B];
        for (int b = 0; b < B; b++) {
            for (int c = 0; c < C; c++) {
                z[b][c] = r.nextGaussian() * 3;
            }
            y[b] = r.nextInt(C);
        }
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    NDArray logits() {
        float[] f = new float[B * C];
        for (int b = 0; b < B; b++) {
            for (int c = 0; c < C; c++) {
                f[b * C + c] = (float) z[b][c];
            }
        }
        return m.create(f, new Shape(B, C));
    }

    NDArray oneHot(int[] labels) {
        float[] f = new float[B * C];
        for (int b = 0; b < B; b++) {
            f[b * C + labels[b]] = 1;
        }
        return m.create(f, new Shape(B, C));
    }

    static double logSoftmax(double[] row, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : row) {
            s += Math.exp(v - max);
        }
        return row[c] - max - Math.log(s);
    }

    /** Eq. (4): -sum_i (1 - p_i^t)^gamma log p_i^t for target c. */
    static double focal(double[] row, int c, double gamma) {
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            double p = 1 / (1 + Math.exp(-row[i]));
            double pt = i == c ? p : 1 - p;
            sum += -Math.pow(1 - pt, gamma) * Math.log(pt);
        }
        return sum;
    }

    double eval(ClassificationLoss loss, NDArray targets, float[] weights) {
        NDArray w = weights == null ? null : m.create(weights);
        return loss.evaluate(logits(), targets, w).getFloat();
    }

    @Test
    void crossEntropyIsEquationOne() {
        double expected = 0;
        for (int b = 0; b < B; b++) {
            expected += -logSoftmax(z[b], y[b]);
        }
        expected /= B;
        assertEquals(expected, eval(new CrossEntropyLoss(), oneHot(y), null), 1e-5);
    }

    @Test
    void costSensitiveWeightsAreNminOverNc() {
        float[] w = new CostSensitiveCrossEntropyLoss(1.0).classWeights(COUNTS);
        assertArrayEquals(new float[] {0.01f, 0.025f, 0.0625f, 0.25f, 1f}, w, 1e-7f);
        assertArrayEquals(new float[] {0.1f, (float) Math.sqrt(0.025), 0.25f, 0.5f, 1f},
                ClassWeights.costSensitive(COUNTS, 0.5), 1e-6f);
    }

    /** Eq. (2), reduced as torch's weighted cross-entropy: sum w_y * CE / sum w_y. */
    @Test
    void costSensitiveCrossEntropyIsEquationTwoWithWeightedMean() {
        CostSensitiveCrossEntropyLoss loss = new CostSensitiveCrossEntropyLoss(1.0);
        float[] w = loss.classWeights(COUNTS);
        double num = 0;
        double den = 0;
        for (int b = 0; b < B; b++) {
            num += w[y[b]] * -logSoftmax(z[b], y[b]);
            den += w[y[b]];
        }
        assertEquals(num / den, eval(loss, oneHot(y), w), 1e-5);
    }

    @Test
    void classBalancedWeightsFollowTheEffectiveNumber() {
        double beta = 0.9999;
        double[] raw = new double[C];
        double sum = 0;
        for (int c = 0; c < C; c++) {
            raw[c] = (1 - beta) / (1 - Math.pow(beta, COUNTS[c]));
            sum += raw[c];
        }
        float[] w = new ClassBalancedCrossEntropyLoss(beta).classWeights(COUNTS);
        double total = 0;
        for (int c = 0; c < C; c++) {
            assertEquals(raw[c] / sum * C, w[c], 1e-6);
            total += w[c];
        }
        assertEquals(C, total, 1e-5);
        assertTrue(w[4] > w[0], "rare classes weigh more");
    }

    @Test
    void classBalancedCrossEntropyIsEquationSix() {
        ClassBalancedCrossEntropyLoss loss = new ClassBalancedCrossEntropyLoss(0.999);
        float[] w = loss.classWeights(COUNTS);
        double num = 0;
        double den = 0;
        for (int b = 0; b < B; b++) {
            num += w[y[b]] * -logSoftmax(z[b], y[b]);
            den += w[y[b]];
        }
        assertEquals(num / den, eval(loss, oneHot(y), w), 1e-5);
    }

    @Test
    void focalIsEquationFourSummedOverClassesAveragedOverImages() {
        for (double gamma : new double[] {0.0, 1.0, 2.0}) {
            double expected = 0;
            for (int b = 0; b < B; b++) {
                expected += focal(z[b], y[b], gamma);
            }
            expected /= B;
            assertEquals(expected, eval(new FocalLoss(gamma), oneHot(y), null), 1e-4, "gamma " + gamma);
        }
    }

    @Test
    void classBalancedFocalIsEquationFive() {
        ClassBalancedFocalLoss loss = new ClassBalancedFocalLoss(1.0, 0.9999);
        float[] w = loss.classWeights(COUNTS);
        double expected = 0;
        for (int b = 0; b < B; b++) {
            expected += w[y[b]] * focal(z[b], y[b], 1.0);
        }
        expected /= B;
        assertEquals(expected, eval(loss, oneHot(y), w), 1e-4);
    }

    /** Mixup targets: every loss gives lambda * L(y_a) + (1 - lambda) * L(y_b) when unweighted. */
    @Test
    void softTargetsGiveTheMixupCombination() {
        int[] partner = new int[B];
        for (int b = 0; b < B; b++) {
            partner[b] = y[(b + 1) % B];
        }
        float lambda = 0.3f;
        float[] soft = new float[B * C];
        for (int b = 0; b < B; b++) {
            soft[b * C + y[b]] += lambda;
            soft[b * C + partner[b]] += 1 - lambda;
        }
        for (ClassificationLoss loss : new ClassificationLoss[] {new CrossEntropyLoss(), new FocalLoss(2.0), new FocalLoss(1.0)}) {
            double a = eval(loss, oneHot(y), null);
            double b = eval(loss, oneHot(partner), null);
            double mixed = eval(loss, m.create(soft, new Shape(B, C)), null);
            assertEquals(lambda * a + (1 - lambda) * b, mixed, 1e-4, loss.name());
        }
        // Weighted focal is summed per image, so the mixture is exact with weights too.
        float[] w = ClassWeights.costSensitive(COUNTS, 1.0);
        FocalLoss f = new FocalLoss(2.0);
        assertEquals(lambda * eval(f, oneHot(y), w) + (1 - lambda) * eval(f, oneHot(partner), w),
                eval(f, m.create(soft, new Shape(B, C)), w), 1e-4);
    }

    @Test
    void focalStaysFiniteForLargeLogits() {
        float[] big = new float[B * C];
        for (int i = 0; i < big.length; i++) {
            big[i] = (i % 2 == 0 ? 1 : -1) * 200f;
        }
        double v = new FocalLoss(2.0).evaluate(m.create(big, new Shape(B, C)), oneHot(y), null).getFloat();
        assertFalse(Double.isNaN(v) || Double.isInfinite(v));
    }

    @Test
    void drwWeightsFollowTheOfficialChoice() {
        assertArrayEquals(ClassWeights.costSensitive(COUNTS, 1.0), new CrossEntropyLoss().deferredClassWeights(COUNTS));
        assertArrayEquals(ClassWeights.costSensitive(COUNTS, 1.0), new FocalLoss(2).deferredClassWeights(COUNTS));
        assertArrayEquals(ClassWeights.classBalanced(COUNTS, 0.9999),
                new ClassBalancedFocalLoss(1, 0.9999).deferredClassWeights(COUNTS));
        assertNull(new CrossEntropyLoss().classWeights(COUNTS));
    }

    static ClassificationLoss create(String name) {
        return LossPlan.resolve(LossKind.parse(name), java.util.Map.of(), "cifar10").create();
    }

    @Test
    void registryKnowsThePapersNamesAndRejectsOthers() {
        assertEquals("CB_Focal", create("cb-focal").name());
        assertEquals(1.0, ((FocalLoss) create("CB_Focal")).gamma());
        assertEquals(2.0, ((FocalLoss) create("focal")).gamma());
        assertTrue(create("Focal").sigmoid());
        assertFalse(create("CS_CE").sigmoid());
        for (LossKind k : LossKind.values()) {
            assertEquals(k.recipeName(), create(k.recipeName()).name(), "the registry builds the loss it names");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossKind.parse("LDAM"));
        assertTrue(e.getMessage().contains("CB_Focal"));
    }
}
