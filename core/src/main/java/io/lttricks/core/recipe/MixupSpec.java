// Generated from proto/src/main/proto/lttricks/v1/recipe.proto (message Mixup) by
// RecipeRecordGenerator. Do not edit: change the proto, then run tools/gen-recipe-records.
package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Mixup: in a recipe file also a bare place (mixup: input, mixup: none) for {at: input}.
 *
 * @param at none, input, layer1, layer2, layer3, layer4, pool or fc (manifold mixup after that layer).
 * @param alpha The parameter of Beta(alpha, alpha); 1.0 by default, the paper's choice.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MixupSpec(String at, Double alpha) {
    /** The bare-string form of a recipe file: {@code at} only. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MixupSpec of(String at) {
        return new MixupSpec(at, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public MixupSpec {
    }

    /** A copy with one field (by its recipe name, e.g. {@code alpha}) replaced; null removes it. */
    public MixupSpec with(String field, Object value) {
        return Recipes.withField(this, field, value, MixupSpec.class);
    }
}
