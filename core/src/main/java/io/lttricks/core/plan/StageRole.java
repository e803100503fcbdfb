package io.lttricks.core.plan;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/** How a profile sizes a training stage (epochs, learning rate, decays). */
public enum StageRole implements Term {
    MAIN(Info.of("main", "a whole training from scratch (paper: 200 epochs); the default for the first stage")),
    FIRST_STAGE(Info.of("first_stage", "the part of a whole training before deferred re-balancing (160 of 200 epochs)")),
    DEFERRED(Info.of("deferred", "the re-balanced rest, continuing a first stage (40 epochs at lr 0.001, x0.01 after 20)")),
    FINETUNE(Info.of("finetune", "continuing a model (20 epochs at lr 0.001); the default for later stages"));

    public static final Vocabulary<StageRole> VOCABULARY = Vocabulary.of("role", StageRole.class);

    private final Info info;

    StageRole(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
