package io.lttricks.core.transform;

import io.lttricks.core.data.LabeledImages;
import java.io.IOException;
import java.util.SplittableRandom;

/** Turns image {@code index} into normalised CHW floats, with random augmentation from {@code rng}. */
public interface ImageTransform {

    int channels();

    int height();

    int width();

    default int floatsPerImage() {
        return channels() * height() * width();
    }

    void apply(LabeledImages images, int index, SplittableRandom rng, float[] dst, int offset) throws IOException;
}
