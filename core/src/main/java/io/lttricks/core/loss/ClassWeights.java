package io.lttricks.core.loss;

/** Per-class weights of the re-weighting methods. */
public final class ClassWeights {
    private ClassWeights() {
    }

    /**
     * Cost-sensitive weights (Eq. 2): (n_min / n_c)^gamma, gamma = 1 in the paper. Empty classes
     * get weight 0 (they never appear as targets).
     */
    public static float[] costSensitive(int[] counts, double gamma) {
        int nMin = Integer.MAX_VALUE;
        for (int n : counts) {
            if (n > 0) {
                nMin = Math.min(nMin, n);
            }
        }
        float[] w = new float[counts.length];
        for (int c = 0; c < counts.length; c++) {
            w[c] = counts[c] == 0 ? 0f : (float) Math.pow((double) nMin / counts[c], gamma);
        }
        return w;
    }

    /**
     * Class-balanced weights (Cui et al., Eq. 5-6): (1 - beta) / (1 - beta^n_c), normalised so that
     * the weights sum to the number of classes, as the reference implementation does.
     */
    public static float[] classBalanced(int[] counts, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("class-balanced beta must lie in [0, 1), got " + beta);
        }
        double[] raw = new double[counts.length];
        double sum = 0;
        for (int c = 0; c < counts.length; c++) {
            raw[c] = counts[c] == 0 ? 0 : (1 - beta) / (1 - Math.pow(beta, counts[c]));
            sum += raw[c];
        }
        float[] w = new float[counts.length];
        for (int c = 0; c < counts.length; c++) {
            w[c] = (float) (raw[c] / sum * counts.length);
        }
        return w;
    }
}
