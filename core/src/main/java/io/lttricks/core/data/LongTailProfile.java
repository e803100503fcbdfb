package io.lttricks.core.data;

/**
 * How many training images each class keeps in a long-tailed subset, class 0 being the head.
 *
 * <p>The imbalance factor is n_max / n_min, the ratio the literature reports (10 to 200 on CIFAR).
 */
public sealed interface LongTailProfile {

    /** Per-class counts for {@code numClasses} classes whose largest keeps {@code nMax} images. */
    int[] counts(int numClasses, int nMax);

    double imbalance();

    /** The profile's name in recipes and manifests. */
    String kind();

    /**
     * Cui et al.'s exponential profile, n_c = int(n_max * (1/IF)^(c/(C-1))), the long-tailed CIFAR
     * protocol. {@code int} truncates, as the reference code does.
     */
    record Exponential(double imbalance) implements LongTailProfile {
        public Exponential {
            requireImbalance(imbalance);
        }

        @Override
        public int[] counts(int numClasses, int nMax) {
            requireShape(numClasses, nMax);
            int[] n = new int[numClasses];
            for (int c = 0; c < numClasses; c++) {
                double exponent = numClasses == 1 ? 0.0 : c / (numClasses - 1.0);
                n[c] = (int) (nMax * StrictMath.pow(1.0 / imbalance, exponent));
            }
            return n;
        }

        @Override
        public String kind() {
            return "exponential";
        }
    }

    /**
     * A Pareto (Lomax) profile for ImageNet-LT-style subsets: n_c = int(n_max / (1 + s*c)^alpha),
     * with s chosen so that the last class keeps n_max / IF images. Liu et al. drew ImageNet-LT
     * from a Pareto distribution with alpha = 6; a larger alpha makes the head drop faster.
     */
    record Pareto(double imbalance, double alpha) implements LongTailProfile {
        public Pareto {
            requireImbalance(imbalance);
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("Pareto alpha must be a positive number, got " + alpha);
            }
        }

        @Override
        public int[] counts(int numClasses, int nMax) {
            requireShape(numClasses, nMax);
            int[] n = new int[numClasses];
            double s = numClasses == 1 ? 0.0
                    : (StrictMath.pow(imbalance, 1.0 / alpha) - 1.0) / (numClasses - 1.0);
            for (int c = 0; c < numClasses; c++) {
                // The tiny epsilon keeps n_max/IF from truncating to one below on the last class.
                n[c] = Math.max(1, (int) (nMax / StrictMath.pow(1.0 + s * c, alpha) + 1e-9));
            }
            return n;
        }

        @Override
        public String kind() {
            return "pareto";
        }
    }

    /** Parses a profile name as used in recipes and on the command line. */
    static LongTailProfile of(String kind, double imbalance, double paretoAlpha) {
        return switch (kind.toLowerCase(java.util.Locale.ROOT)) {
            case "exponential", "exp" -> new Exponential(imbalance);
            case "pareto" -> new Pareto(imbalance, paretoAlpha);
            default -> throw new IllegalArgumentException(
                    "unknown long-tail profile '" + kind + "': use 'exponential' (CIFAR-LT) or 'pareto' (ImageNet-LT style)");
        };
    }

    private static void requireImbalance(double imbalance) {
        if (!(imbalance >= 1.0) || Double.isInfinite(imbalance)) {
            throw new IllegalArgumentException(
                    "imbalance factor must be a number >= 1 (n_max / n_min, e.g. 100), got " + imbalance);
        }
    }

    private static void requireShape(int numClasses, int nMax) {
        if (numClasses < 1 || nMax < 1) {
            throw new IllegalArgumentException("need at least one class and one image per class");
        }
    }
}
