package io.lttricks.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Class frequencies each sampler produces, against Eq. (7)-(8) and the definitions. */
class SamplersTest {
    static final int[] COUNTS = {1000, 400, 160, 64, 25, 10};
    static final int C = COUNTS.length;
    static final int N = Arrays.stream(COUNTS).sum();
    static final int[] LABELS = labels();

    static int[] labels() {
        int[] l = new int[Arrays.stream(COUNTS).sum()];
        int k = 0;
        // Interleaved, as a shuffled data set would be.
        int[] left = COUNTS.clone();
        while (k < l.length) {
            for (int c = 0; c < COUNTS.length; c++) {
                if (left[c]-- > 0) {
                    l[k++] = c;
                }
            }
        }
        return l;
    }

    static double[] frequencies(Sampler s, int epoch, int epochs) {
        double[] f = new double[C];
        long total = 0;
        for (int e = 0; e < epochs; e++) {
            for (int i : s.epoch(epoch, new SplittableRandom(1000L * epoch + e))) {
                f[LABELS[i]]++;
                total++;
            }
        }
        for (int c = 0; c < C; c++) {
            f[c] /= total;
        }
        return f;
    }

    /** Each observed share within 4 binomial standard deviations of the expected one. */
    static void assertShares(double[] expected, double[] observed, long draws) {
        for (int c = 0; c < C; c++) {
            double sd = Math.sqrt(expected[c] * (1 - expected[c]) / draws);
            assertEquals(expected[c], observed[c], 4 * sd + 1e-12, "class " + c);
        }
    }

    @Test
    void instanceSamplingVisitsEveryImageOnce() {
        int[] order = new InstanceSampler(LABELS, C).epoch(1, new SplittableRandom(3));
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < N; i++) {
            assertEquals(i, sorted[i]);
        }
        assertNotEquals(0, order[0] + order[1] - 1, "should be shuffled");
    }

    @Test
    void classBalancedIsUniformOverClasses() {
        Sampler s = new ClassBalancedSampler(LABELS, C);
        assertEquals(N, s.epoch(1, new SplittableRandom(1)).length);
        double[] uniform = new double[C];
        Arrays.fill(uniform, 1.0 / C);
        assertArrayEquals(uniform, s.classProbabilities(1), 1e-12);
        assertShares(uniform, frequencies(s, 1, 20), 20L * N);
    }

    @Test
    void squareRootFollowsEquationSevenWithHalf() {
        Sampler s = new SquareRootSampler(LABELS, C);
        double[] p = new double[C];
        double sum = 0;
        for (int c = 0; c < C; c++) {
            sum += Math.sqrt(COUNTS[c]);
        }
        for (int c = 0; c < C; c++) {
            p[c] = Math.sqrt(COUNTS[c]) / sum;
        }
        assertArrayEquals(p, s.classProbabilities(1), 1e-12);
        assertShares(p, frequencies(s, 1, 20), 20L * N);
    }

    @Test
    void progressiveFollowsEquationEight() {
        int epochs = 10;
        Sampler s = new ProgressiveSampler(LABELS, C, epochs);
        for (int t : new int[] {1, 5, 10}) {
            double[] p = new double[C];
            for (int c = 0; c < C; c++) {
                p[c] = (1 - (double) t / epochs) * COUNTS[c] / N + ((double) t / epochs) / C;
            }
            assertArrayEquals(p, s.classProbabilities(t), 1e-12);
            assertShares(p, frequencies(s, t, 20), 20L * N);
        }
    }

    @Test
    void randomOverSamplingFillsEveryClassToNmax() {
        Sampler s = new RandomOverSampler(LABELS, C, 5);
        int[] order = s.epoch(1, new SplittableRandom(1));
        assertEquals(C * COUNTS[0], order.length);
        int[] per = new int[C];
        boolean[] seen = new boolean[N];
        for (int i : order) {
            per[LABELS[i]]++;
            seen[i] = true;
        }
        for (int c = 0; c < C; c++) {
            assertEquals(COUNTS[0], per[c]);
        }
        for (boolean b : seen) {
            assertTrue(b, "every original image is kept");
        }
        int[] again = s.epoch(2, new SplittableRandom(2));
        int[] a = order.clone();
        int[] b = again.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        assertArrayEquals(a, b, "the replicas are drawn once; epochs only reorder them");
    }

    @Test
    void randomUnderSamplingCutsEveryClassToNmin() {
        Sampler s = new RandomUnderSampler(LABELS, C, 5);
        int[] order = s.epoch(1, new SplittableRandom(1));
        assertEquals(C * COUNTS[C - 1], order.length);
        int[] per = new int[C];
        for (int i : order) {
            per[LABELS[i]]++;
        }
        for (int c = 0; c < C; c++) {
            assertEquals(COUNTS[C - 1], per[c]);
        }
        assertEquals(order.length, Arrays.stream(order).distinct().count(), "no image twice");
    }

    @Test
    void deferredSamplerSwitchesAfterTheStartEpoch() {
        Sampler before = new InstanceSampler(LABELS, C);
        Sampler after = new ClassBalancedSampler(LABELS, C);
        DeferredSampler drs = new DeferredSampler(before, after, 160);
        assertEquals(before, drs.active(1));
        assertEquals(before, drs.active(160));
        assertEquals(after, drs.active(161));
        assertEquals(after, drs.active(200));
    }

    @Test
    void samplersAreDeterministicForAGeneratorState() {
        for (SamplerKind kind : SamplerKind.values()) {
            Sampler s = kind.create(new SamplerKind.Context(LABELS, C, 10, 9, null));
            assertEquals(kind.recipeName(), s.name(), "the registry builds the sampler it names");
            assertArrayEquals(s.epoch(3, new SplittableRandom(11)), s.epoch(3, new SplittableRandom(11)), kind.recipeName());
        }
    }

    @Test
    void registryTakesThePapersNamesAndAliases() {
        assertEquals(SamplerKind.CLASS_BALANCED, SamplerKind.parse("Class-Balanced"));
        assertEquals(SamplerKind.SQUARE_ROOT, SamplerKind.parse("square"));
        assertEquals(SamplerKind.PROGRESSIVE, SamplerKind.parse("progressively_balanced"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("smote"));
        assertTrue(e.getMessage().contains("class_balanced"));
    }
}
