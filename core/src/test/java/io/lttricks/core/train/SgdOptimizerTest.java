package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

class SgdOptimizerTest {

    /** Loss sum(a . w^2) / 2 has gradient a * w; compare three steps against the torch.optim.SGD formulas. */
    private static float[] run(boolean nesterov, double momentum, double wd, double[] lrs) {
        float[] a = {1f, -2f, 0.5f};
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).optShape(new Shape(3)).build();
            p.setInitializer((manager, shape, type) -> manager.create(new float[] {0.3f, -0.7f, 1.1f}));
            p.initialize(m, DataType.FLOAT32);
            NDArray coef = m.create(a);
            try (SgdOptimizer opt = new SgdOptimizer(List.of(p), m, new io.lttricks.core.plan.Sgd(momentum, nesterov, wd))) {
                for (double lr : lrs) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray w = p.getArray();
                        gc.backward(w.mul(w).mul(coef).sum().div(2));
                    }
                    opt.step(lr);
                }
            }
            return p.getArray().toFloatArray();
        }
    }

    private static float[] reference(boolean nesterov, double m, double wd, double[] lrs) {
        double[] a = {1, -2, 0.5};
        double[] w = {0.3, -0.7, 1.1};
        double[] b = new double[3];
        for (double lr : lrs) {
            for (int i = 0; i < 3; i++) {
                double g = a[i] * w[i] + wd * w[i];
                b[i] = m * b[i] + g;
                double d = nesterov ? g + m * b[i] : b[i];
                w[i] -= lr * d;
            }
        }
        return new float[] {(float) w[0], (float) w[1], (float) w[2]};
    }

    @Test
    void nesterovMatchesTorchFormula() {
        double[] lrs = {0.1, 0.1, 0.05, 0.01};
        assertArrayEquals(reference(true, 0.9, 2e-4, lrs), run(true, 0.9, 2e-4, lrs), 1e-6f);
    }

    @Test
    void plainMomentumMatchesTorchFormula() {
        double[] lrs = {0.1, 0.2, 0.05};
        assertArrayEquals(reference(false, 0.9, 1e-2, lrs), run(false, 0.9, 1e-2, lrs), 1e-6f);
    }

    @Test
    void noMomentumIsPlainGradientDescent() {
        double[] lrs = {0.1, 0.1};
        assertArrayEquals(reference(false, 0, 0, lrs), run(false, 0, 0, lrs), 1e-6f);
    }
}
