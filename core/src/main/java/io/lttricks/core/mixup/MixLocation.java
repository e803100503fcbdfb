package io.lttricks.core.mixup;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where a mixup mixes: the input images (input mixup, Zhang et al.) or one hidden representation
 * (manifold mixup, Verma et al.): after a residual stage, after global pooling, or the logits.
 */
public enum MixLocation {
    INPUT, LAYER1, LAYER2, LAYER3, LAYER4, POOL, FC;

    public String recipeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MixLocation parse(String s) {
        String key = s.toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (key) {
            case "input", "image" -> INPUT;
            case "layer1" -> LAYER1;
            case "layer2" -> LAYER2;
            case "layer3" -> LAYER3;
            case "layer4" -> LAYER4;
            case "pool", "pooling" -> POOL;
            case "fc", "logits" -> FC;
            default -> throw new IllegalArgumentException("unknown mixup location '" + s + "': use one of "
                    + Arrays.stream(values()).map(MixLocation::recipeName).toList());
        };
    }
}
