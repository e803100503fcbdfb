package io.lttricks.core.loss;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A hyper-parameter a loss declares: its recipe name, its default (which may depend on the data
 * set, as the official configs' do), the range it must lie in, and a line of help.
 *
 * @param defaultFor the default for a data set name (cifar10, cifar100, imagenet_lt, ...)
 * @param min        lowest valid value (inclusive)
 * @param max        highest valid value
 * @param maxOpen    whether {@code max} itself is excluded
 */
public record LossParam(String name, ToDoubleFunction<String> defaultFor, double min, double max, boolean maxOpen,
                        String help) {

    /** The class-balanced beta: 0.9999 on CIFAR-10 and 0.9 on CIFAR-100 (the official configs). */
    public static final LossParam BETA = new LossParam("beta", LossParam::defaultBeta, 0, 1, true,
            "class-balanced beta; default by data set as the official configs: 0.9999 (CIFAR-10), 0.9 (CIFAR-100),"
                    + " 0.999 elsewhere (the official framework's default; no official config exists)");

    public static double defaultBeta(String dataset) {
        String d = dataset == null ? "" : dataset.toLowerCase(Locale.ROOT);
        if (d.equals("cifar100")) {
            return 0.9;
        }
        return d.equals("cifar10") ? 0.9999 : 0.999;
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
