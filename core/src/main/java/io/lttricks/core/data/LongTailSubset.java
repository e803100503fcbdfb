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
        return select(labels, numClasses, profile, seed, null);
    }

    /**
     * As {@link #select(int[], int, LongTailProfile, long)}, with the class names for messages.
     *
     * @throws IllegalArgumentException when a class would keep no image (the profile's n_c is 0, or
     *                                  the source has none of it): training on it would be silent
     *                                  about a class it never sees, and its class weights undefined
     */
    public static Selection select(int[] labels, int numClasses, LongTailProfile profile, long seed,
                                   List<String> classNames) {
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
        List<String> emptied = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            if (counts[c] == 0) {
                String name = className(c, classNames);
                (byClass[c].length == 0 ? absent : emptied).add(byClass[c].length == 0 ? name
                        : name.replace(")", ", " + byClass[c].length + " in the source)"));
            }
        }
        if (!absent.isEmpty()) {
            throw new IllegalArgumentException((absent.size() == 1 ? "class " : "classes ") + shortList(absent)
                    + " of the source " + (absent.size() == 1 ? "has" : "have") + " no training images, so the"
                    + " long-tailed set would leave " + (absent.size() == 1 ? "it" : "them") + " empty: remove "
                    + (absent.size() == 1 ? "the class" : "those classes") + ", or add images");
        }
        if (!emptied.isEmpty()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%d of %d classes would keep no training"
                    + " image at imbalance %s (%s profile, n_max %d): %s; every class needs at least one: lower the"
                    + " imbalance to at most %d, or use more images per class", emptied.size(), numClasses,
                    fmt(profile.imbalance()), profile.kind(), nMax, shortList(emptied), Math.max(1, nMax)));
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

    /**
     * Refuses a training set in which a class has no image: the model would never see it, and
     * class weights that divide by its count (CS_CE, CB, DRW) are undefined.
     *
     * @throws IllegalArgumentException naming the empty classes and what to do
     */
    public static void requireEveryClass(int[] counts, List<String> classNames) {
        List<String> empty = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] == 0) {
                empty.add(className(c, classNames));
            }
        }
        if (!empty.isEmpty()) {
            boolean one = empty.size() == 1;
            throw new IllegalArgumentException((one ? "class " : empty.size() + " classes ") + shortList(empty)
                    + (one ? " has" : " have") + " no training images: the model would never see "
                    + (one ? "it" : "them") + ", and class weights that divide by the count are undefined; add images,"
                    + " or remove " + (one ? "the class" : "those classes") + " (an empty ImageFolder directory, a label"
                    + " that no line of the training list uses)");
        }
    }

    /** "'name' (label c)" for messages, or "(label c)" without names. */
    private static String className(int c, List<String> classNames) {
        return (classNames != null && c < classNames.size() ? "'" + classNames.get(c) + "' " : "") + "(label " + c + ")";
    }

    private static String shortList(List<String> items) {
        return items.size() <= 4 ? String.join(", ", items)
                : String.join(", ", items.subList(0, 3)) + ", ... and " + (items.size() - 3) + " more";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
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
