package io.lttricks.core.loss;

import java.util.List;
import java.util.Locale;

/** The re-weighting vocabulary: the paper's loss names mapped to implementations. */
public final class Losses {
    /** The canonical names, in the order of the paper's Table 3. */
    public static final List<String> NAMES = List.of(CrossEntropyLoss.NAME, ClassBalancedCrossEntropyLoss.NAME,
            CostSensitiveCrossEntropyLoss.NAME, FocalLoss.NAME, ClassBalancedFocalLoss.NAME);

    /** Official defaults: focal gamma 2, CB_Focal gamma 1, beta 0.9999, CS exponent 1. */
    public static final double DEFAULT_FOCAL_GAMMA = 2.0;
    public static final double DEFAULT_CB_FOCAL_GAMMA = 1.0;
    public static final double DEFAULT_BETA = 0.9999;

    private Losses() {
    }

    public static String canonical(String name) {
        String key = name == null ? "ce" : name.toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        return switch (key) {
            case "ce", "cross_entropy", "crossentropy", "softmax" -> CrossEntropyLoss.NAME;
            case "cs_ce", "csce", "cost_sensitive" -> CostSensitiveCrossEntropyLoss.NAME;
            case "focal", "focal_loss" -> FocalLoss.NAME;
            case "cb_focal", "cbfocal" -> ClassBalancedFocalLoss.NAME;
            case "cb_ce", "cbce" -> ClassBalancedCrossEntropyLoss.NAME;
            default -> throw new IllegalArgumentException("unknown loss '" + name + "': use one of " + NAMES);
        };
    }

    /**
     * @param gamma focal exponent, or the CS_CE exponent; null for the official default
     * @param beta  class-balanced beta; null for 0.9999
     */
    public static ClassificationLoss create(String name, Double gamma, Double beta) {
        double b = beta == null ? DEFAULT_BETA : beta;
        return switch (canonical(name)) {
            case CrossEntropyLoss.NAME -> new CrossEntropyLoss();
            case CostSensitiveCrossEntropyLoss.NAME -> new CostSensitiveCrossEntropyLoss(gamma == null ? 1.0 : gamma);
            case FocalLoss.NAME -> new FocalLoss(gamma == null ? DEFAULT_FOCAL_GAMMA : gamma);
            case ClassBalancedFocalLoss.NAME -> new ClassBalancedFocalLoss(
                    gamma == null ? DEFAULT_CB_FOCAL_GAMMA : gamma, b);
            case ClassBalancedCrossEntropyLoss.NAME -> new ClassBalancedCrossEntropyLoss(b);
            default -> throw new IllegalStateException(name);
        };
    }
}
