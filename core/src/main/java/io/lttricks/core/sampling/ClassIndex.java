package io.lttricks.core.sampling;

import java.util.SplittableRandom;

/**
 * The training images of each class, for samplers that pick a class first.
 *
 * <p>The class shares of Eq. (7)-(8) and the epoch length come from the reference counts: the
 * training set's own counts, or, when generated images join the original ones (CAM-based
 * sampling), the original long-tailed counts, as the official code does.
 */
final class ClassIndex {
    final int[][] members;
    final int total;
    final int[] reference;
    final int epochLength;

    ClassIndex(int[] labels, int numClasses) {
        this(labels, numClasses, null);
    }

    ClassIndex(int[] labels, int numClasses, int[] referenceCounts) {
        int[] sizes = new int[numClasses];
        for (int l : labels) {
            if (l < 0 || l >= numClasses) {
                throw new IllegalArgumentException("label " + l + " outside 0.." + (numClasses - 1));
            }
            sizes[l]++;
        }
        members = new int[numClasses][];
        for (int c = 0; c < numClasses; c++) {
            members[c] = new int[sizes[c]];
        }
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            members[labels[i]][fill[labels[i]]++] = i;
        }
        total = labels.length;
        if (referenceCounts != null && referenceCounts.length != numClasses) {
            throw new IllegalArgumentException("reference counts for " + referenceCounts.length + " classes, data has "
                    + numClasses);
        }
        reference = referenceCounts != null ? referenceCounts.clone() : sizes;
        int len = 0;
        for (int n : reference) {
            len += n;
        }
        epochLength = len;
    }

    int numClasses() {
        return members.length;
    }

    int count(int c) {
        return members[c].length;
    }

    /** The largest reference count. */
    int referenceMax() {
        int max = 0;
        for (int n : reference) {
            max = Math.max(max, n);
        }
        return max;
    }

    /** The smallest reference count of a class that has images. */
    int referenceMinNonEmpty() {
        int min = Integer.MAX_VALUE;
        for (int c = 0; c < reference.length; c++) {
            if (reference[c] > 0 && count(c) > 0) {
                min = Math.min(min, reference[c]);
            }
        }
        return min;
    }

    int minNonEmpty() {
        int min = Integer.MAX_VALUE;
        for (int[] m : members) {
            if (m.length > 0) {
                min = Math.min(min, m.length);
            }
        }
        return min;
    }

    int max() {
        int max = 0;
        for (int[] m : members) {
            max = Math.max(max, m.length);
        }
        return max;
    }

    double[] instanceProbabilities() {
        double[] p = new double[numClasses()];
        for (int c = 0; c < p.length; c++) {
            p[c] = (double) reference[c] / epochLength;
        }
        return p;
    }

    /** p_c proportional to n_c^q over non-empty classes: Eq. (7) of the paper. */
    double[] powerProbabilities(double q) {
        double[] p = new double[numClasses()];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = count(c) == 0 || reference[c] == 0 ? 0 : Math.pow(reference[c], q);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** {@code n} draws: a class from {@code p}, then one of its images uniformly. */
    int[] drawByClass(double[] p, int n, SplittableRandom rng) {
        double[] cumulative = new double[p.length];
        double acc = 0;
        for (int c = 0; c < p.length; c++) {
            acc += p[c];
            cumulative[c] = acc;
        }
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            double u = rng.nextDouble() * acc;
            int c = java.util.Arrays.binarySearch(cumulative, u);
            c = c >= 0 ? c + 1 : -c - 1;
            c = Math.min(c, p.length - 1);
            while (members[c].length == 0) {
                c = (c + 1) % p.length; // only reached through rounding at a zero-probability class
            }
            out[k] = members[c][rng.nextInt(members[c].length)];
        }
        return out;
    }

    static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
