// Generated from proto/src/main/proto/lttricks/v1/recipe.proto (message Drs) by
// RecipeRecordGenerator. Do not edit: change the proto, then run tools/gen-recipe-records.
package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Deferred re-balancing by re-sampling: from epoch start_epoch + 1 on, sample with sampler (the
 * paper: start epoch 160 of 200).
 *
 * @param sampler A sampler's name, as the stage's sampler field.
 * @param startEpoch The last epoch before the sampler switches on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrsSpec(String sampler, @JsonProperty("start_epoch") Integer startEpoch) {
    /** A copy with one field (by its recipe name, e.g. {@code start_epoch}) replaced; null removes it. */
    public DrsSpec with(String field, Object value) {
        return Recipes.withField(this, field, value, DrsSpec.class);
    }
}
