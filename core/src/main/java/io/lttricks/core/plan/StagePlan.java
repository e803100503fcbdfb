package io.lttricks.core.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A stage with every value decided and checked: a {@link TrainPlan} or a {@link CamPlan}. Plans
 * are made once, when a recipe is resolved, and travel as they are (as JSON, with a {@code type}
 * of {@code train} or {@code cam}) to whatever runs them, and into checkpoints.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = TrainPlan.class, name = "train"),
        @JsonSubTypes.Type(value = CamPlan.class, name = "cam")})
public sealed interface StagePlan permits TrainPlan, CamPlan {
    /** Unique in its recipe. */
    String name();

    /** Where the stage's model comes from. */
    Init init();

    /** Images per step (training) or per forward pass (CAM generation). */
    int batchSize();

    /** One line for logs and the command line: the stage and every trick it uses. */
    String describe();

    /** A number as a person writes it: 0.1, 2e-4, 200. */
    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
