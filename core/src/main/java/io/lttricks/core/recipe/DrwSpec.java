package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Deferred re-weighting: from epoch {@code start_epoch + 1} on, the loss applies class weights.
 *
 * @param weights which weights: {@code CS} (n_min / n_c), {@code CB} (class-balanced, with the
 *                loss's beta) or absent for the loss's own choice (CS for CE and Focal, CB for
 *                CB_CE and CB_Focal, as the official code)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrwSpec(@JsonProperty("start_epoch") Integer startEpoch, String weights) {
}
