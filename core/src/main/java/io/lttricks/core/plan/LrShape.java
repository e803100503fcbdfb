package io.lttricks.core.plan;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/** The learning rate's shape after its warm-up ({@link LrSchedule}). */
public enum LrShape implements Term {
    STEP(Info.of("step", "multiplied by lr_decay at each milestone (the paper's and the official configs')",
            "multistep", "multi_step")),
    COSINE(Info.of("cosine", "half a cosine from the base rate towards 0 over the epochs after the warm-up"
            + " (milestones and lr_decay unused)", "cos"));

    public static final Vocabulary<LrShape> VOCABULARY = Vocabulary.of("lr_schedule", LrShape.class);

    private final Info info;

    LrShape(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
