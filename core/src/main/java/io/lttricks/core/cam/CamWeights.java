package io.lttricks.core.cam;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * Which weights of the training stage before a cam stage draw the class activation maps: its
 * final model, or the epoch with the lowest test error (the official code's {@code best_model.pth},
 * a selection on test data, as the paper's tables make theirs).
 */
public enum CamWeights implements Term {
    FINAL(Info.of("final", "the previous stage's final model", "last")),
    BEST_TEST_EPOCH(Info.of("best_test_epoch", "the previous stage's best test epoch (evaluated every epoch;"
            + " the official code's best_model.pth)", "best"));

    public static final Vocabulary<CamWeights> VOCABULARY = Vocabulary.of("CAM weights", CamWeights.class);

    private final Info info;

    CamWeights(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
