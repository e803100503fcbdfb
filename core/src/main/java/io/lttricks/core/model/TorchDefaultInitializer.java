package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default initialisation of {@code nn.Linear} and {@code nn.Conv2d}, which the official
 * code keeps wherever it does not initialise explicitly: weights {@code kaiming_uniform_(a=sqrt(5))},
 * that is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases from the same range. A weight's fan-in
 * follows from its shape (inputs x kernel area); a bias has to be told its layer's fan-in.
 */
final class TorchDefaultInitializer implements Initializer {
    private final long biasFanIn;

    /** For weights (fan-in from the shape). */
    TorchDefaultInitializer() {
        this(0);
    }

    /** For the bias of a layer with {@code biasFanIn} inputs per output. */
    TorchDefaultInitializer(long biasFanIn) {
        this.biasFanIn = biasFanIn;
    }

    static double bound(long fanIn) {
        return 1 / Math.sqrt(fanIn);
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        long fanIn = shape.dimension() >= 2 ? shape.size() / shape.get(0) : biasFanIn;
        if (fanIn < 1) {
            throw new IllegalArgumentException("a bias of shape " + shape + " needs its layer's fan-in");
        }
        float b = (float) bound(fanIn);
        return manager.randomUniform(-b, b, shape, dataType);
    }
}
