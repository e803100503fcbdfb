package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A loss by the paper's name, with its hyper-parameters. In a recipe either a bare name
 * ({@code loss: CS_CE}) or a map ({@code loss: {name: CB_Focal, gamma: 1.0, beta: 0.9999}}).
 *
 * @param gamma focal exponent (Focal 2, CB_Focal 1 by default) or the CS_CE exponent (1)
 * @param beta  class-balanced beta (0.9999 by default)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LossSpec(String name, Double gamma, Double beta) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static LossSpec of(String name) {
        return new LossSpec(name, null, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public LossSpec {
    }
}
