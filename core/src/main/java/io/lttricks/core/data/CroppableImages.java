package io.lttricks.core.data;

import java.io.IOException;
import java.util.function.BiFunction;

/** Images that can decode only part of an image, chosen from its size: random crops then cost less than the whole. */
public interface CroppableImages extends LabeledImages {
    /**
     * Decodes the part of image {@code index} that {@code region} chooses from the image's width and
     * height ({x, y, width, height}, inside the image; null for all of it).
     */
    RgbImage image(int index, BiFunction<Integer, Integer, int[]> region) throws IOException;
}
