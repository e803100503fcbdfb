package io.lttricks.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.lttricks.core.train.GradMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The folded eval-mode copy is the same network: logits (and the last feature map) equal to the
 * unfused backbone's in inference mode to 1e-4 relative, for the CIFAR and ImageNet layouts
 * (basic and bottleneck blocks, option-A and projection shortcuts), in NCHW and channels-last.
 */
class InferenceNetworkTest {

    /**
     * Batch norm away from its initial identity (gamma 1, beta 0, mean 0, var 1), so that folding
     * has something to fold: gamma in [0.5, 1.5], beta and running mean N(0, 0.1^2) (times 3 for
     * the mean), running variance in [0.3, 2].
     */
    private static void randomiseBatchNorm(Backbone b, NDManager m) {
        for (Pair<String, Parameter> p : b.getParameters()) {
            NDArray a = p.getValue().getArray();
            String key = p.getKey();
            NDArray v;
            if (key.endsWith("gamma")) {
                v = m.randomUniform(0.5f, 1.5f, a.getShape());
            } else if (key.endsWith("beta")) {
                v = m.randomNormal(0f, 0.1f, a.getShape(), DataType.FLOAT32);
            } else if (key.endsWith("runningMean")) {
                v = m.randomNormal(0f, 0.3f, a.getShape(), DataType.FLOAT32);
            } else if (key.endsWith("runningVar")) {
                v = m.randomUniform(0.3f, 2f, a.getShape());
            } else {
                continue;
            }
            a.muli(0).addi(v);
        }
    }

    private static float relativeDifference(NDArray expected, NDArray actual) {
        float scale = Math.max(1e-6f, expected.abs().max().getFloat());
        return expected.sub(actual).abs().max().getFloat() / scale;
    }

    @ParameterizedTest
    @CsvSource({"resnet32, 32, true", "resnet32, 32, false", "resnet10, 64, true", "resnet10, 64, false",
        "resnet50, 64, true", "resnet50, 64, false", "resnet50, 224, true"})
    void foldedLogitsEqualTheUnfusedModel(String name, int side, boolean channelsLast) {
        GradMode.disableOnThisThread();
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            Backbone b = Backbones.create(name, 10);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 3, side, side));
            randomiseBatchNorm(b, m);
            NDArray x = m.randomNormal(new Shape(4, 3, side, side));
            Backbone.useChannelsLast(channelsLast);
            try (InferenceNetwork folded = b.inference(m)) {
                PairList<String, Object> params = new PairList<>();
                params.add(Backbone.WITH_FEATURES, true);
                NDList plain = b.forward(new ParameterStore(m, false), new NDList(x), false, params);
                NDList fast = folded.forward(x, true);
                float logits = relativeDifference(plain.get(0), fast.get(0));
                assertTrue(logits <= 1e-4f, name + ": logits differ by " + logits + " (relative)");
                float features = relativeDifference(plain.get(1), fast.get(1));
                assertTrue(features <= 1e-4f, name + ": feature maps differ by " + features + " (relative)");
                assertEquals(0f, relativeDifference(plain.get(0), folded.logits(x)), 1e-4f);
                assertTrue(plain.get(0).abs().max().getFloat() > 1e-3f, "non-trivial logits");
            } finally {
                Backbone.useChannelsLast(true);
            }
            // The copy is independent of the model's later values: closing it leaves the model whole.
            assertEquals(new Shape(4, 10), b.forward(new ParameterStore(m, false), new NDList(x), false).head().getShape());
        }
    }
}
