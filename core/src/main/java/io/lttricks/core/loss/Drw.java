package io.lttricks.core.loss;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * Deferred re-weighting (DRW, the paper's two-stage re-weighting): the loss runs unweighted (unit
 * class weights) up to and including epoch {@code startEpoch}, and weighted from {@code startEpoch
 * + 1} on, as the official code's {@code update(epoch)}.
 *
 * @param beta the class-balanced beta when {@code weights} is CB (else null)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Drw(int startEpoch, Weights weights, Double beta) {

    /** Which weights DRW switches on. */
    public enum Weights implements Term {
        LOSS(Info.of("loss", "the loss's own: class-balanced for CB_CE and CB_Focal, cost-sensitive n_min/n_c"
                + " otherwise (the official code)", "own", "default")),
        CS(Info.of("CS", "cost-sensitive n_min / n_c", "cs_ce")),
        CB(Info.of("CB", "class-balanced (1-beta)/(1-beta^n_c), normalised to sum to C", "cb_ce"));

        public static final Vocabulary<Weights> VOCABULARY = Vocabulary.of("DRW weights", Weights.class);

        private final Info info;

        Weights(Info info) {
            this.info = info;
        }

        @Override
        public Info info() {
            return info;
        }
    }

    /** The weights switched on after the start epoch, for classes of the given sizes. */
    public float[] deferredWeights(ClassificationLoss loss, int[] counts) {
        return switch (weights) {
            case LOSS -> loss.deferredClassWeights(counts);
            case CS -> ClassWeights.costSensitive(counts, 1.0);
            case CB -> ClassWeights.classBalanced(counts, beta);
        };
    }
}
