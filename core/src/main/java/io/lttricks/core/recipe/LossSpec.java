// Generated from proto/src/main/proto/lttricks/v1/recipe.proto (message Loss) by
// RecipeRecordGenerator. Do not edit: change the proto, then run tools/gen-recipe-records.
package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A loss by the paper's name, with its hyper-parameters. In a recipe file also a bare name
 * (loss: CS_CE) for {name: CS_CE}.
 *
 * @param name CE, CS_CE, Focal, CB_Focal or CB_CE (docs/TRICKS.md, "The vocabulary", for the others).
 * @param gamma Focal exponent (Focal 2, CB_Focal 1 by default) or the CS_CE exponent (1).
 * @param beta Class-balanced beta (by data set: 0.9999 CIFAR-10, 0.9 CIFAR-100, else 0.999).
 * @param params Any other hyper-parameter the loss declares (params: {margin: 0.5}), so a new loss needs no
 *               new recipe field.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LossSpec(
        String name,
        Double gamma,
        Double beta,
        Map<String, Double> params) {
    /** The bare-string form of a recipe file: {@code name} only. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static LossSpec of(String name) {
        return new LossSpec(name, null, null, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public LossSpec {
    }

    /** A copy with one field (by its recipe name, e.g. {@code params}) replaced; null removes it. */
    public LossSpec with(String field, Object value) {
        return Recipes.withField(this, field, value, LossSpec.class);
    }
}
