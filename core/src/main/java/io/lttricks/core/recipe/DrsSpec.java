package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Deferred re-balancing by re-sampling: from epoch {@code start_epoch + 1} on, sample with
 * {@code sampler} (the paper: start epoch 160 of 200).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DrsSpec(String sampler, @JsonProperty("start_epoch") Integer startEpoch) {
}
