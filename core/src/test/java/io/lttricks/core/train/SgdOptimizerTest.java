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

    /**
     * Several parameters of different shapes (the flat update splits them back by offset): each
     * element follows the formula with its own coefficient, and saving the momentum buffers after
     * two steps and loading them into a fresh optimizer continues exactly as without the stop.
     */
    @Test
    void manyParametersUpdateIndependentlyAndResumeExactly() throws java.io.IOException {
        float[][] init = {{0.3f, -0.7f, 1.1f, 0.2f, -0.4f, 0.9f}, {0.5f}, {-1.2f, 0.8f, 0.05f, 2.0f}};
        Shape[] shapes = {new Shape(2, 3), new Shape(1), new Shape(2, 1, 2)};
        float[] coef = {1f, -2f, 0.5f, 1.5f, 0.25f, -1f, 3f, 0.7f, -0.3f, 2f, 1f};
        double[] lrs = {0.1, 0.1, 0.05, 0.02};
        io.lttricks.core.plan.Sgd settings = io.lttricks.core.plan.Sgd.PAPER;
        // The reference: every element on its own, in doubles, as torch.optim.SGD's formula.
        double[] w = new double[coef.length];
        double[] b = new double[coef.length];
        int k = 0;
        for (float[] p : init) {
            for (float v : p) {
                w[k++] = v;
            }
        }
        for (double lr : lrs) {
            for (int i = 0; i < w.length; i++) {
                double g = coef[i] * w[i] + settings.weightDecay() * w[i];
                b[i] = settings.momentum() * b[i] + g;
                w[i] -= lr * (g + settings.momentum() * b[i]);
            }
        }
        float[] straight = train(init, shapes, coef, lrs, settings, -1, SgdOptimizer.GROUP_ELEMENTS);
        float[] resumed = train(init, shapes, coef, lrs, settings, 2, SgdOptimizer.GROUP_ELEMENTS);
        for (int i = 0; i < w.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals((float) w[i], straight[i], 1e-6f, "element " + i);
        }
        assertArrayEquals(straight, resumed, 0f, "resume after 2 steps is bit-exact");
        // Flat groups of at most 5 elements: {p0} (6 elements, alone), {p1, p2} (1 + 4). Large networks
        // are updated group by group; the arithmetic is element-wise, so the bits are the same.
        assertArrayEquals(straight, train(init, shapes, coef, lrs, settings, -1, 5), 0f, "groups of 5");
        assertArrayEquals(straight, train(init, shapes, coef, lrs, settings, 2, 5), 0f, "groups of 5, resumed");
        assertArrayEquals(straight, train(init, shapes, coef, lrs, settings, 2, 1), 0f, "one parameter a group");
    }

    /** Trains the parameters; with {@code stopAfter >= 0}, saves and reloads the optimizer after that many steps. */
    private static float[] train(float[][] init, Shape[] shapes, float[] coef, double[] lrs,
                                 io.lttricks.core.plan.Sgd settings, int stopAfter, long groupElements)
            throws java.io.IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.List<Parameter> params = new java.util.ArrayList<>();
            for (int i = 0; i < init.length; i++) {
                float[] values = init[i];
                Shape shape = shapes[i];
                Parameter p = Parameter.builder().setName("p" + i).setType(Parameter.Type.WEIGHT).optShape(shape).build();
                p.setInitializer((manager, s, type) -> manager.create(values, shape));
                p.initialize(m, DataType.FLOAT32);
                params.add(p);
            }
            NDArray c = m.create(coef);
            SgdOptimizer opt = new SgdOptimizer(params, m, settings, groupElements);
            try {
                for (int step = 0; step < lrs.length; step++) {
                    if (step == stopAfter) {
                        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                        opt.save(new java.io.DataOutputStream(bytes));
                        opt.close();
                        opt = new SgdOptimizer(params, m, settings, groupElements);
                        opt.load(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())), m);
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray flat = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(
                                params.stream().map(p -> p.getArray().reshape(-1)).toArray(NDArray[]::new)));
                        gc.backward(flat.mul(flat).mul(c).sum().div(2));
                    }
                    opt.step(lrs[step]);
                }
            } finally {
                opt.close();
            }
            float[] out = new float[coef.length];
            int k = 0;
            for (Parameter p : params) {
                for (float v : p.getArray().toFloatArray()) {
                    out[k++] = v;
                }
            }
            return out;
        }
    }
}
