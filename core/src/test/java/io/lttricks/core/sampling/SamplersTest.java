package io.lttricks.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    static int[] perClass(int[] order, int[] labels, int classes) {
        int[] per = new int[classes];
        for (int i : order) {
            per[labels[i]]++;
        }
        return per;
    }

    /** Every class filled to n_max, every original image kept, replicas drawn afresh each epoch. */
    @Test
    void randomOverSamplingFillsEveryClassToNmaxAfreshEachEpoch() {
        Sampler s = new RandomOverSampler(LABELS, C);
        int[] order = s.epoch(1, new SplittableRandom(1));
        assertEquals(C * COUNTS[0], order.length);
        int[] per = perClass(order, LABELS, C);
        boolean[] seen = new boolean[N];
        for (int i : order) {
            seen[i] = true;
        }
        for (int c = 0; c < C; c++) {
            assertEquals(COUNTS[0], per[c]);
        }
        for (boolean b : seen) {
            assertTrue(b, "every original image is kept");
        }
        int[] a = order.clone();
        int[] b = s.epoch(2, new SplittableRandom(2));
        Arrays.sort(a);
        Arrays.sort(b);
        assertFalse(Arrays.equals(a, b), "another epoch replicates other images");
        assertArrayEquals(order, s.epoch(1, new SplittableRandom(1)), "deterministic for a generator state");
    }

    /**
     * Rounds of n_min images per class, drawn afresh, until the epoch is as long as the training set:
     * the schedule keeps its steps, every minority image is in every round.
     */
    @Test
    void randomUnderSamplingDrawsBalancedRoundsForAFullEpoch() {
        RandomUnderSampler s = new RandomUnderSampler(LABELS, C);
        int nMin = COUNTS[C - 1];
        assertEquals(nMin, s.perClassPerRound());
        int[] order = s.epoch(1, new SplittableRandom(1));
        assertEquals(N, order.length, "an epoch as long as the training set");
        int round = C * nMin;
        int[] first = Arrays.copyOf(order, round);
        int[] per = perClass(first, LABELS, C);
        for (int c = 0; c < C; c++) {
            assertEquals(nMin, per[c], "a round holds n_min of every class");
        }
        assertEquals(round, Arrays.stream(first).distinct().count(), "no image twice within a round");
        int[] second = Arrays.copyOfRange(order, round, 2 * round);
        int[] a = first.clone();
        int[] b = second.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        assertFalse(Arrays.equals(a, b), "each round removes other majority images");
        java.util.Set<Integer> minority = new java.util.HashSet<>();
        for (int i : second) {
            if (LABELS[i] == C - 1) {
                minority.add(i);
            }
        }
        assertEquals(nMin, minority.size(), "every minority image in every round");
    }

    /**
     * With a cam stage's images (every class's pool at n_max + n_min, reference counts the
     * original ones), over-sampling trains on every pool image each epoch, under-sampling on
     * rounds of the original n_min per class: CAM-based over- and under-sampling differ.
     */
    @Test
    void camBasedOverAndUnderSamplingDiffer() {
        int[] pool = new int[C];
        int total = 0;
        for (int c = 0; c < C; c++) {
            pool[c] = COUNTS[0] + COUNTS[C - 1];
            total += pool[c];
        }
        int[] labels = new int[total];
        int k = 0;
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < pool[c]; i++) {
                labels[k++] = c;
            }
        }
        int[] over = new RandomOverSampler(labels, C, COUNTS).epoch(1, new SplittableRandom(3));
        int[] under = new RandomUnderSampler(labels, C, COUNTS).epoch(1, new SplittableRandom(3));
        assertEquals(total, over.length, "over-sampling: every pool image once, nothing to replicate");
        assertEquals(total, Arrays.stream(over).distinct().count());
        assertEquals(N, under.length, "under-sampling: the original epoch length");
        int[] firstRound = Arrays.copyOf(under, C * COUNTS[C - 1]);
        int[] per = perClass(firstRound, labels, C);
        for (int c = 0; c < C; c++) {
            assertEquals(COUNTS[C - 1], per[c]);
        }
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
            Sampler s = kind.create(new SamplerKind.Context(LABELS, C, 10, null));
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
