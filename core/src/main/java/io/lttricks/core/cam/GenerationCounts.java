package io.lttricks.core.cam;

/**
 * How many images CAM-based sampling generates per class.
 *
 * <ul>
 *   <li>CIFAR: n_max + n_min - n_c, so that every class ends with n_max + n_min images
 *   (38,094 new images on CIFAR-10-LT with IF 100);</li>
 *   <li>large data sets: classes with n_c >= threshold get none, the others
 *   min(n_max + n_min - n_c, threshold) (threshold 100 on ImageNet-LT, 50 on iNaturalist 2018).</li>
 * </ul>
 */
public final class GenerationCounts {
    private GenerationCounts() {
    }

    public static int[] cifar(int[] counts) {
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int n : counts) {
            max = Math.max(max, n);
            if (n > 0) {
                min = Math.min(min, n);
            }
        }
        int[] out = new int[counts.length];
        for (int c = 0; c < counts.length; c++) {
            out[c] = counts[c] == 0 ? 0 : max + min - counts[c];
        }
        return out;
    }

    public static int[] threshold(int[] counts, int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("the generation threshold must be >= 1, got " + threshold);
        }
        int[] out = cifar(counts);
        for (int c = 0; c < counts.length; c++) {
            out[c] = counts[c] >= threshold ? 0 : Math.min(out[c], threshold);
        }
        return out;
    }

    public static long total(int[] perClass) {
        long t = 0;
        for (int n : perClass) {
            t += n;
        }
        return t;
    }
}
