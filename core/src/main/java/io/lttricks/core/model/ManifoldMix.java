package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import io.lttricks.core.mixup.MixLocation;

/**
 * A manifold-mixup instruction for one forward pass: at {@code location}, replace the hidden
 * representation h by lambda * h + (1 - lambda) * h[partner].
 *
 * @param partner int64 [B] index array (the batch permutation)
 */
public record ManifoldMix(MixLocation location, float lambda, NDArray partner) {

    /** h mixed if this is the place, h otherwise. */
    public NDArray apply(NDArray h, MixLocation here) {
        if (here != location) {
            return h;
        }
        return h.mul(lambda).add(h.get(partner).mul(1f - lambda));
    }
}
