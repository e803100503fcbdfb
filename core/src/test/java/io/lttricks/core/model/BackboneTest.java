package io.lttricks.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lttricks.core.mixup.MixLocation;
import org.junit.jupiter.api.Test;

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

    @Test
    void rejectsUnknownNames() {
        assertThrows(IllegalArgumentException.class, () -> Backbones.create("vgg16", 10));
        assertThrows(IllegalArgumentException.class, () -> new CifarResNet(33, 10));
    }
}
