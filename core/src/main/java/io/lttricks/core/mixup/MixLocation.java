package io.lttricks.core.mixup;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * Where a mixup mixes: the input images (input mixup, Zhang et al.) or one hidden representation
 * (manifold mixup, Verma et al.): after a residual stage, after global pooling, or the logits.
 */
public enum MixLocation implements Term {
    INPUT(Info.of("input", "input mixup: the images", "image")),
    LAYER1(Info.of("layer1", "manifold mixup after the first residual stage")),
    LAYER2(Info.of("layer2", "manifold mixup after the second residual stage")),
    LAYER3(Info.of("layer3", "manifold mixup after the third residual stage")),
    LAYER4(Info.of("layer4", "manifold mixup after the fourth residual stage (ImageNet layouts)")),
    POOL(Info.of("pool", "manifold mixup after global average pooling", "pooling")),
    FC(Info.of("fc", "manifold mixup of the logits", "logits"));

    public static final Vocabulary<MixLocation> VOCABULARY = Vocabulary.of("mixup location", MixLocation.class);

    private final Info info;

    MixLocation(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }

    public static MixLocation parse(String s) {
        return VOCABULARY.parse(s);
    }
}
