package io.lttricks.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;
import ai.djl.util.PairList;
import io.lttricks.core.mixup.MixLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackboneTest {

    private static long count(String name, int classes, int side) {
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone b = Backbones.create(name, classes);
            b.initialize(m, DataType.FLOAT32, new Shape(2, 3, side, side));
            return b.trainableParameterCount();
        }
    }

    @Test
    void resnet32HasThePublishedParameterCounts() {
        // conv 461,232 + BN 2 * 1,136 + FC 64 * C + C
        assertEquals(464_154, count("resnet32", 10, 32));
        assertEquals(470_004, count("resnet32", 100, 32));
    }

    @Test
    void imagenetResNetsMatchTorchvisionCounts() {
        assertEquals(5_418_792, count("resnet10", 1000, 64));
        assertEquals(25_557_032, count("resnet50", 1000, 64));
    }

    /** The parameter whose path ends with {@code key} (DJL numbers child blocks: 03layer3_...). */
    private static float[] values(ai.djl.nn.Block b, String key) {
        for (var p : b.getParameters()) {
            if (p.getKey().replaceAll("(^|_)\\d\\d", "$1").endsWith(key)) {
                return p.getValue().getArray().toFloatArray();
            }
        }
        throw new AssertionError("no parameter " + key + " in " + b.getParameters().keys());
    }

    private static double std(float[] v) {
        double mean = 0;
        for (float f : v) {
            mean += f / (double) v.length;
        }
        double var = 0;
        for (float f : v) {
            var += (f - mean) * (f - mean) / v.length;
        }
        return Math.sqrt(var);
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    /**
     * As the official code initialises: its CIFAR ResNet Kaiming-normal on the backbone's
     * convolutions (std sqrt(2 / fan_in)); its ImageNet ResNets nothing, so PyTorch's default
     * U(+-1/sqrt(fan_in)) (std 1/sqrt(3 fan_in)); the classifier, a separate nn.Linear, PyTorch's
     * default for weight and bias in both; batch norm weight 1, bias 0.
     */
    @Test
    void initialisedAsTheOfficialCode() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            Backbone cifar = Backbones.create("resnet32", 10);
            cifar.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            double fcBound = 1 / Math.sqrt(64);
            float[] w = values(cifar, "fc_weight");
            float[] bias = values(cifar, "fc_bias");
            assertTrue(maxAbs(w) <= fcBound && maxAbs(bias) <= fcBound, "classifier within 1/sqrt(64)");
            assertEquals(fcBound / Math.sqrt(3), std(w), 0.15 * fcBound / Math.sqrt(3), "uniform classifier weights");
            assertTrue(maxAbs(bias) > 0.2 * fcBound, "the classifier bias is drawn, not zero");
            assertEquals(Math.sqrt(2.0 / 27), std(values(cifar, "conv1_weight")), 0.2 * Math.sqrt(2.0 / 27), "stem");
            double blockStd = Math.sqrt(2.0 / (64 * 9));
            assertEquals(blockStd, std(values(cifar, "layer3_4_conv2_weight")), 0.05 * blockStd, "Kaiming-normal block");
            assertTrue(maxAbs(values(cifar, "layer3_4_conv2_weight")) > 3 * blockStd, "normal, not uniform");
            for (var p : cifar.getParameters()) {
                if (p.getKey().endsWith("gamma")) {
                    assertEquals(1f, maxAbs(p.getValue().getArray().toFloatArray()), p.getKey());
                } else if (p.getKey().endsWith("beta")) {
                    assertEquals(0f, maxAbs(p.getValue().getArray().toFloatArray()), p.getKey());
                }
            }

            Backbone imagenet = Backbones.create("resnet10", 1000);
            imagenet.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            double stemBound = 1 / Math.sqrt(3 * 49);
            float[] stem = values(imagenet, "conv1_weight");
            assertTrue(maxAbs(stem) <= stemBound && maxAbs(stem) > 0.9 * stemBound, "PyTorch's default stem");
            double inBound = 1 / Math.sqrt(512);
            assertTrue(maxAbs(values(imagenet, "fc_weight")) <= inBound, "classifier within 1/sqrt(512)");
            assertTrue(maxAbs(values(imagenet, "fc_bias")) <= inBound && maxAbs(values(imagenet, "fc_bias")) > 0.5 * inBound);
        }
    }

    /** Batch norm as PyTorch's defaults: running = 0.9 running + 0.1 batch (momentum 0.1), eps 1e-5. */
    @Test
    void batchNormUpdatesLikePyTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.nn.norm.BatchNorm bn = ai.djl.nn.norm.BatchNorm.builder().build();
            bn.initialize(m, DataType.FLOAT32, new Shape(2, 1, 1, 2));
            io.lttricks.core.train.GradMode.disableOnThisThread();
            NDArray x = m.create(new float[] {1, 3, 5, 7}, new Shape(2, 1, 1, 2));
            float[] y = bn.forward(new ParameterStore(m, false), new NDList(x), true).head().toFloatArray();
            // batch mean 4, biased variance 5: y = (x - 4) / sqrt(5 + 1e-5)
            assertEquals(-3 / Math.sqrt(5 + 1e-5), y[0], 1e-6);
            assertEquals(0.1f * 4, values(bn, "runningMean")[0], 1e-6f);
            // the running variance takes the unbiased batch variance, 20 / 3
            assertEquals(0.9f + 0.1f * 20 / 3f, values(bn, "runningVar")[0], 1e-5f);
        }
    }

    @Test
    void forwardShapesAndFeatureMap() {
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone b = Backbones.create("resnet32", 10);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 3, 32, 32));
            NDArray x = m.randomNormal(new Shape(4, 3, 32, 32));
            PairList<String, Object> params = new PairList<>();
            params.add(Backbone.WITH_FEATURES, true);
            NDList out = b.forward(new ParameterStore(m, false), new NDList(x), false, params);
            assertEquals(new Shape(4, 10), out.get(0).getShape());
            assertEquals(new Shape(4, 64, 8, 8), out.get(1).getShape());
        }
    }

    @Test
    void manifoldMixAtFcMixesLogitsExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone b = Backbones.create("resnet32", 10);
            b.initialize(m, DataType.FLOAT32, new Shape(4, 3, 32, 32));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(4, 3, 32, 32));
            NDArray plain = b.forward(ps, new NDList(x), false).head();
            NDArray perm = m.create(new long[] {2, 3, 0, 1});
            PairList<String, Object> params = new PairList<>();
            params.add(Backbone.MIX, new ManifoldMix(MixLocation.FC, 0.3f, perm));
            NDArray mixed = b.forward(ps, new NDList(x), false, params).head();
            NDArray expected = plain.mul(0.3f).add(plain.get(perm).mul(0.7f));
            assertEquals(0f, expected.sub(mixed).abs().max().getFloat(), 1e-5f);
        }
    }

    /**
     * The channels-last input copy changes speed, not results: same logits and same gradients
     * (up to float rounding) as plain NCHW, for the CIFAR and ImageNet layouts, in training mode.
     *
     * <p>Logits are compared element by element. Gradients are not: a rounding-sized change can
     * flip a ReLU whose input is within rounding of zero (or a max-pool tie), which moves a few
     * gradient entries by a visible amount. Measured over 12 initialisations, batches 4 and 8
     * (2026-11-27, Intel Xeon with AMX): the worst per-parameter relative L2 difference was 3.7e-2,
     * the same as an input perturbation of 1e-6 causes in plain NCHW; on an AMD EPYC (no AMX,
     * 2026-12-01, resnet32, batch 8, seeds 0-11) 1.7e-2 against 1.8e-2 for the 1e-6 perturbation.
     * A wrong layout gives differences of order 1.
     * Each parameter's gradient must therefore agree to 10% in relative L2 norm.
     */
    @ParameterizedTest
    @CsvSource({"resnet32, 32", "resnet10, 64"})
    void channelsLastGivesTheSameLogitsAndGradients(String name, int side) {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            Backbone b = Backbones.create(name, 10);
            b.initialize(m, DataType.FLOAT32, new Shape(8, 3, side, side));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray x = m.randomNormal(new Shape(8, 3, side, side));
            NDArray cl = Backbone.channelsLast(x);
            assertTrue(cl.contentEquals(x), "same values and shape");
            NDArray[] logits = new NDArray[2];
            Map<String, NDArray> grads = new LinkedHashMap<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Backbone.useChannelsLast(i == 0);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        logits[i] = b.forward(ps, new NDList(x), true).head();
                        gc.backward(logits[i].square().sum());
                    }
                    for (Pair<String, Parameter> p : b.getParameters()) {
                        if (!p.getValue().requiresGradient()) {
                            continue;
                        }
                        NDArray g = p.getValue().getArray().getGradient();
                        if (i == 0) {
                            grads.put(p.getKey(), g.duplicate());
                        } else {
                            NDArray ref = grads.get(p.getKey());
                            float err = ref.sub(g).norm().getFloat();
                            float scale = ref.norm().getFloat() + 1e-6f;
                            assertTrue(err <= 0.1f * scale, p.getKey() + ": gradient differs by " + err
                                    + " (L2) at norm " + scale);
                        }
                        g.subi(g);
                    }
                }
            } finally {
                Backbone.useChannelsLast(true);
            }
            float scale = logits[0].abs().max().getFloat();
            assertEquals(0f, logits[0].sub(logits[1]).abs().max().getFloat(), 1e-4f * Math.max(1f, scale));
        }
    }

    @Test
    void rejectsUnknownNames() {
        assertThrows(IllegalArgumentException.class, () -> Backbones.create("vgg16", 10));
        assertThrows(IllegalArgumentException.class, () -> new CifarResNet(33, 10));
    }
}
