// Generated from proto/src/main/proto/lttricks/v1/recipe.proto (message Drw) by
// RecipeRecordGenerator. Do not edit: change the proto, then run tools/gen-recipe-records.
package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Deferred re-weighting: from epoch start_epoch + 1 on, the loss applies class weights.
 *
 * @param startEpoch The last epoch before the weights switch on.
 * @param weights Which weights: CS (n_min / n_c), CB (class-balanced, with the loss's beta) or absent for the
 *                loss's own choice (CS for CE and Focal, CB for CB_CE and CB_Focal, as the official code).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrwSpec(@JsonProperty("start_epoch") Integer startEpoch, String weights) {
    /** A copy with one field (by its recipe name, e.g. {@code weights}) replaced; null removes it. */
    public DrwSpec with(String field, Object value) {
        return Recipes.withField(this, field, value, DrwSpec.class);
    }
}
