package io.lttricks.core.loss;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The re-weighting vocabulary (the paper's Table 3): each loss's name, aliases, hyper-parameters
 * with their defaults and ranges, help, and how to build it. Validation, the command line's help
 * and the docs' table come from here; a new loss is its class plus one constant.
 */
public enum LossKind implements Term {
    CE(Info.of("CE", "softmax cross-entropy (Eq. 1)", "cross_entropy", "crossentropy", "softmax"), List.of(),
            p -> new CrossEntropyLoss()),
    CS_CE(Info.of("CS_CE", "cost-sensitive cross-entropy: class c weighted by (n_min / n_c)^gamma (Eq. 2)", "csce",
            "cost_sensitive"), List.of(LossParam.gamma(1.0, "exponent of n_min / n_c (1 in the paper)")),
            p -> new CostSensitiveCrossEntropyLoss(p.get("gamma"))),
    FOCAL(Info.of("Focal", "sigmoid focal loss (Eq. 3)", "focal_loss"),
            List.of(LossParam.gamma(2.0, "focusing exponent (2 in the official config)")),
            p -> new FocalLoss(p.get("gamma"))),
    CB_FOCAL(Info.of("CB_Focal", "class-balanced focal loss: focal loss weighted by (1-beta)/(1-beta^n_c) (Eq. 5)",
            "cbfocal"), List.of(LossParam.gamma(1.0, "focusing exponent (1 in the official configs)"), LossParam.BETA_FOCAL),
            p -> new ClassBalancedFocalLoss(p.get("gamma"), p.get("beta"))),
    CB_CE(Info.of("CB_CE", "class-balanced softmax cross-entropy (Eq. 6)", "cbce"), List.of(LossParam.BETA),
            p -> new ClassBalancedCrossEntropyLoss(p.get("beta"))),
    // After the paper (issue 30): losses that shift the logits by the class prior.
    LA(Info.of("LA", "logit-adjusted cross-entropy: softmax of z_c + tau log(n_c / n) (Menon et al., ICLR 2021)",
            "logit_adjusted", "logit_adjustment"),
            List.of(new LossParam("tau", d -> 1.0, 0, 10, false, "temperature of the prior's shift (1 in the paper)")),
            p -> new LogitAdjustedLoss(p.get("tau"))),
    BALANCED_SOFTMAX(Info.of("BalancedSoftmax", "Balanced Softmax: softmax of z_c + log n_c (Ren et al., NeurIPS 2020)",
            "balanced_softmax", "bsce"), List.of(), p -> LogitAdjustedLoss.balancedSoftmax());

    public static final Vocabulary<LossKind> VOCABULARY = Vocabulary.of("loss", LossKind.class);

    private final Info info;
    private final List<LossParam> params;
    private final Function<Map<String, Double>, ClassificationLoss> factory;

    LossKind(Info info, List<LossParam> params, Function<Map<String, Double>, ClassificationLoss> factory) {
        this.info = info;
        this.params = params;
        this.factory = factory;
    }

    @Override
    public Info info() {
        return info;
    }

    public static LossKind parse(String name) {
        return VOCABULARY.parse(name);
    }

    /** The hyper-parameters this loss takes. */
    public List<LossParam> params() {
        return params;
    }

    /** @param params every declared hyper-parameter, resolved */
    ClassificationLoss create(Map<String, Double> params) {
        return factory.apply(params);
    }
}
