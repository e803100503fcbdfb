package io.lttricks.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The 1x1 convolution as a matrix product equals the convolution's definition, computed here by
 * broadcasting (no convolution kernel of the library involved: on the CPU that made Pointwise
 * necessary, oneDNN's 1x1 kernel computed channels-last gradients 23% off, BackboneTest, or
 * crashed the JVM, InferenceNetworkTest with ResNet-50).
 */
class PointwiseTest {

    @ParameterizedTest
    @CsvSource({"1, false, false", "2, false, false", "1, true, true", "2, true, true"})
    void equalsTheDefinition(int stride, boolean bias, boolean channelsLast) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(2, 5, 6, 7));
            if (channelsLast) {
                x = Backbone.channelsLast(x);
            }
            NDArray w = m.randomNormal(new Shape(4, 5, 1, 1));
            NDArray b = bias ? m.randomNormal(new Shape(4)) : null;
            NDArray y = Pointwise.apply(x, w, b, new Shape(stride, stride));

            NDArray sampled = stride == 1 ? x : x.get(":, :, ::" + stride + ", ::" + stride);
            NDArray expected = sampled.expandDims(1).mul(w.reshape(1, 4, 5, 1, 1)).sum(new int[] {2});
            if (b != null) {
                expected = expected.add(b.reshape(1, 4, 1, 1));
            }
            assertEquals(expected.getShape(), y.getShape());
            assertEquals(new Shape(2, 4, (6 + stride - 1) / stride, (7 + stride - 1) / stride), y.getShape());
            float err = expected.sub(y).abs().max().getFloat();
            assertTrue(err < 1e-5f, "differs by " + err);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 0, 1, true", "3, 3, 1, 1, false", "1, 1, 1, 1, false", "1, 1, 0, 2, false"})
    void onlyPlainOneByOneConvolutions(int kh, int kw, int pad, int groups, boolean applies) {
        assertEquals(applies, Pointwise.applies(new Shape(8, 4, kh, kw), new Shape(pad, pad), groups));
        assertFalse(Pointwise.applies(new Shape(3, 3), new Shape(0, 0), 1));
    }
}
