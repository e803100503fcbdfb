package io.lttricks.core.mixup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixupTest {

    /** Mean a/(a+b) and variance ab/((a+b)^2(a+b+1)) of Beta(a, b), for the paper's alphas. */
    @Test
    void lambdaFollowsTheBetaDistribution() {
        for (double alpha : new double[] {0.2, 1.0, 2.0}) {
            SplittableRandom rng = new SplittableRandom(5);
            int n = 200_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double l = Mixup.beta(alpha, alpha, rng);
                assertTrue(l >= 0 && l <= 1);
                sum += l;
                sq += l * l;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            double expectedVar = alpha * alpha / ((2 * alpha) * (2 * alpha) * (2 * alpha + 1));
            assertEquals(0.5, mean, 0.005, "mean, alpha " + alpha);
            assertEquals(expectedVar, var, expectedVar * 0.03, "variance, alpha " + alpha);
        }
    }

    @Test
    void drawGivesAPermutation() {
        MixPlan plan = new Mixup(MixLocation.INPUT, 1.0).draw(64, new SplittableRandom(1));
        int[] p = plan.partner().clone();
        Arrays.sort(p);
        for (int i = 0; i < 64; i++) {
            assertEquals(i, p[i]);
        }
    }

    @Test
    void inputsAndTargetsAreMixedWithOneLambda() {
        float[] x = {1, 2, 10, 20, 100, 200};
        MixPlan plan = new MixPlan(0.25f, new int[] {2, 0, 1});
        assertArrayEquals(new float[] {0.25f * 1 + 0.75f * 100, 0.25f * 2 + 0.75f * 200,
                0.25f * 10 + 0.75f * 1, 0.25f * 20 + 0.75f * 2,
                0.25f * 100 + 0.75f * 10, 0.25f * 200 + 0.75f * 20}, Mixup.mixInputs(x, 2, plan), 1e-5f);
        float[] y = Mixup.targets(new int[] {0, 1, 1}, 3, plan);
        assertArrayEquals(new float[] {0.25f, 0.75f, 0, 0.75f, 0.25f, 0, 0, 1f, 0}, y, 1e-6f);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, Mixup.targets(new int[] {0, 2}, 3, null));
    }

    @Test
    void locationsParseByThePapersNames() {
        assertEquals(MixLocation.POOL, MixLocation.parse("pooling"));
        assertEquals(MixLocation.FC, MixLocation.parse("FC"));
        assertThrows(IllegalArgumentException.class, () -> MixLocation.parse("layer9"));
        assertThrows(IllegalArgumentException.class, () -> new Mixup(MixLocation.INPUT, 0));
    }
}
