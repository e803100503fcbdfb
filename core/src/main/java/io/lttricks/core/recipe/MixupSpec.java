package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Mixup in a recipe: {@code mixup: none}, {@code mixup: input}, or
 * {@code mixup: {at: pool, alpha: 1.0}} (manifold mixup at layer1, layer2, layer3, pool or fc).
 *
 * @param at    input, layer1..layer4, pool, fc or none
 * @param alpha Beta(alpha, alpha) parameter; 1.0 by default, the paper's choice
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MixupSpec(String at, Double alpha) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MixupSpec of(String at) {
        return new MixupSpec(at, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public MixupSpec {
    }

    public boolean off() {
        return at == null || at.equalsIgnoreCase("none") || at.equalsIgnoreCase("off");
    }
}
