package io.lttricks.core.loss;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A hyper-parameter a loss declares: its recipe name, its default (which may depend on the data
 * set, as the official configs' do), the range it must lie in, and a line of help.
 *
 * @param defaultFor the default for a data set (cifar10, cifar100, imagenet_lt, ... and its imbalance factor)
 * @param min        lowest valid value (inclusive)
 * @param max        highest valid value
 * @param maxOpen    whether {@code max} itself is excluded
 */
public record LossParam(String name, ToDoubleFunction<Data> defaultFor, double min, double max, boolean maxOpen,
                        String help) {

    /**
     * The data set a default is for.
     *
     * @param dataset   its name in recipes (cifar10, cifar100, imagenet_lt, inat2018, imagefolder, ...)
     * @param imbalance its imbalance factor; 0 when the data are used as they are
     */
    public record Data(String dataset, double imbalance) {
        public Data {
            dataset = dataset == null ? "" : dataset.toLowerCase(Locale.ROOT);
        }

        /** A data set by name alone (its imbalance makes no default differ). */
        public static Data of(String dataset) {
            return new Data(dataset, 0);
        }
    }

    /**
     * The class-balanced beta of CB_CE (and of DRW's class-balanced weights), as the official configs
     * ({@code re_weighting/cbce}, {@code two_stage/drw/cbce}): 0.9999 on CIFAR-10, 0.9 on CIFAR-100.
     */
    public static final LossParam BETA = new LossParam("beta", LossParam::defaultBeta, 0, 1, true,
            "class-balanced beta; default by data set as the official CB_CE configs: 0.9999 (CIFAR-10), 0.9"
                    + " (CIFAR-100), 0.999 elsewhere (the official framework's default; no official config exists)");

    /**
     * The class-balanced beta of CB_Focal, as the official configs ({@code re_weighting/cbfocal},
     * {@code two_stage/drw/cbfocal}): 0.9999 on CIFAR-10, 0.9 on CIFAR-100 IF 100, 0.99 on CIFAR-100 IF 50.
     */
    public static final LossParam BETA_FOCAL = new LossParam("beta", LossParam::defaultFocalBeta, 0, 1, true,
            "class-balanced beta; default by data set as the official CB_Focal configs: 0.9999 (CIFAR-10), 0.9"
                    + " (CIFAR-100 IF 100), 0.99 (CIFAR-100 IF 50), 0.999 elsewhere (the official framework's default)");

    public static double defaultBeta(Data data) {
        return switch (data.dataset()) {
            case "cifar10" -> 0.9999;
            case "cifar100" -> 0.9;
            default -> 0.999;
        };
    }

    public static double defaultFocalBeta(Data data) {
        return data.dataset().equals("cifar100") && data.imbalance() == 50 ? 0.99 : defaultBeta(data);
    }

    static LossParam gamma(double defaultValue, String help) {
        return new LossParam("gamma", d -> defaultValue, 0, Double.MAX_VALUE, false, help);
    }

    /** Null when {@code value} is valid, else what is wrong with it. */
    public String check(double value) {
        boolean ok = value >= min && (maxOpen ? value < max : value <= max);
        return ok ? null : name + " must lie in [" + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]") + ", got " + value;
    }

    private static String fmt(double v) {
        return v == Double.MAX_VALUE ? "inf" : v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
