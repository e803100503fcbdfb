package io.lttricks.core.cam;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/** How many images CAM-based sampling generates per class ({@link GenerationCounts}). */
public enum CamCounts implements Term {
    CIFAR(Info.of("cifar", "n_max + n_min - n_c per class (CIFAR)")),
    THRESHOLD(Info.of("threshold", "classes with n_c >= threshold get none, the others min(n_max + n_min - n_c, threshold)"
            + " (ImageNet-LT's config: 100)"));

    public static final Vocabulary<CamCounts> VOCABULARY = Vocabulary.of("CAM counts", CamCounts.class);

    private final Info info;

    CamCounts(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }

    public static CamCounts parse(String name) {
        return VOCABULARY.parse(name);
    }

    /** Images to generate per class for training classes of the given sizes. */
    public int[] perClass(int[] trainCounts, int threshold) {
        return this == THRESHOLD ? GenerationCounts.threshold(trainCounts, threshold) : GenerationCounts.cifar(trainCounts);
    }
}
