package io.lttricks.core.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Selects a long-tailed subset exactly as the published CIFAR-LT protocol does: one numpy legacy
 * generator seeded once; for class c = 0..C-1 in order, shuffle the indices of class c (in the
 * source's order) with {@code np.random.shuffle} and keep the first n_c. Every class is shuffled,
 * even one kept whole, so that the stream stays aligned with the reference.
 */
public final class LongTailSubset {
    private LongTailSubset() {
    }

    /** What was selected: source indices (class by class, shuffled order) and per-class counts. */
    public record Selection(int[] indices, int[] counts, List<String> notes) {
    }

    /**
     * @param labels     label of each source image, in the source's (official) order
     * @param numClasses number of classes
     * @param profile    how many to keep per class; n_max is the largest class in the source
     * @param seed       numpy seed (0 in every published result)
     */
    public static Selection select(int[] labels, int numClasses, LongTailProfile profile, long seed) {
        int[][] byClass = indicesByClass(labels, numClasses);
        int nMax = 0;
        for (int[] members : byClass) {
            nMax = Math.max(nMax, members.length);
        }
        int[] keep = profile.counts(numClasses, nMax);
        List<String> notes = new ArrayList<>();
        NumpyRandom rs = new NumpyRandom(seed);
        int[] counts = new int[numClasses];
        int total = 0;
        for (int c = 0; c < numClasses; c++) {
            counts[c] = Math.min(keep[c], byClass[c].length);
            if (counts[c] < keep[c]) {
                notes.add("class " + c + " has only " + byClass[c].length + " images; the profile asks for " + keep[c]);
            }
            total += counts[c];
        }
        int[] selected = new int[total];
        int k = 0;
        for (int c = 0; c < numClasses; c++) {
            int[] members = byClass[c].clone();
            rs.shuffle(members);
            System.arraycopy(members, 0, selected, k, counts[c]);
            k += counts[c];
        }
        return new Selection(selected, counts, List.copyOf(notes));
    }

    static int[][] indicesByClass(int[] labels, int numClasses) {
        int[] sizes = new int[numClasses];
        for (int l : labels) {
            sizes[l]++;
        }
        int[][] out = new int[numClasses][];
        for (int c = 0; c < numClasses; c++) {
            out[c] = new int[sizes[c]];
        }
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) {
            out[labels[i]][fill[labels[i]]++] = i;
        }
        return out;
    }
}
