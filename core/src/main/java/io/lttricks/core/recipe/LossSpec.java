package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A loss by the paper's name, with its hyper-parameters. In a recipe either a bare name
 * ({@code loss: CS_CE}) or a map ({@code loss: {name: CB_Focal, gamma: 1.0, beta: 0.9999}}).
 *
 * @param gamma  focal exponent (Focal 2, CB_Focal 1 by default) or the CS_CE exponent (1)
 * @param beta   class-balanced beta (by data set: 0.9999 CIFAR-10, 0.9 CIFAR-100, else 0.999)
 * @param params any other hyper-parameter a loss declares ({@code params: {margin: 0.5}}), so a
 *               new loss needs no new recipe field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LossSpec(String name, Double gamma, Double beta, java.util.Map<String, Double> params) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static LossSpec of(String name) {
        return new LossSpec(name, null, null, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public LossSpec {
    }
}
