package io.lttricks.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import io.lttricks.core.plan.Sgd;

/**
 * SGD with momentum, optional Nesterov, and L2 weight decay, exactly as {@code torch.optim.SGD}:
 * g = grad + wd * w;  b = m * b + g;  w -= lr * (nesterov ? g + m * b : b).
 * The learning rate is given at every step, so any schedule drives it. DJL's own SGD has no
 * Nesterov and puts the learning rate inside the momentum buffer; the paper's schedule needs this.
 */
public final class SgdOptimizer implements AutoCloseable {
    private final List<Parameter> parameters;
    private final List<NDArray> buffers = new ArrayList<>();
    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;

    public SgdOptimizer(List<Parameter> trainable, NDManager manager, Sgd settings) {
        this.parameters = List.copyOf(trainable);
        this.momentum = (float) settings.momentum();
        this.nesterov = settings.nesterov();
        this.weightDecay = (float) settings.weightDecay();
        for (Parameter p : parameters) {
            NDArray b = manager.zeros(p.getArray().getShape(), p.getArray().getDataType(), p.getArray().getDevice());
            buffers.add(b);
        }
    }

    /** One update with learning rate {@code lr}; clears the gradients. Call outside a gradient collector. */
    public void step(double lr) {
        float rate = (float) lr;
        for (int i = 0; i < parameters.size(); i++) {
            NDArray w = parameters.get(i).getArray();
            NDArray b = buffers.get(i);
            try (NDArray g = w.getGradient()) {
                if (weightDecay != 0f) {
                    try (NDArray decay = w.mul(weightDecay)) {
                        g.addi(decay);
                    }
                }
                NDArray direction = g;
                if (momentum != 0f) {
                    b.muli(momentum).addi(g);
                    if (nesterov) {
                        try (NDArray look = b.mul(momentum)) {
                            g.addi(look);
                        }
                    } else {
                        direction = b;
                    }
                }
                try (NDArray delta = direction.mul(rate)) {
                    w.subi(delta);
                }
            }
            JniUtils.zeroGrad((PtNDArray) w);
        }
    }

    /** The momentum buffers, in parameter order. */
    public void save(DataOutputStream out) throws IOException {
        out.writeInt(buffers.size());
        for (NDArray b : buffers) {
            byte[] bytes = b.encode();
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    public void load(DataInputStream in, NDManager manager) throws IOException {
        int n = in.readInt();
        if (n != buffers.size()) {
            throw new IOException("optimizer state holds " + n + " buffers, the model has " + buffers.size()
                    + " trainable parameters: the checkpoint is of another architecture");
        }
        for (int i = 0; i < n; i++) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            try (NDArray loaded = NDArray.decode(manager, bytes)) {
                NDArray b = buffers.get(i);
                if (!loaded.getShape().equals(b.getShape())) {
                    throw new IOException("momentum buffer " + i + " has shape " + loaded.getShape()
                            + ", parameter has " + b.getShape());
                }
                b.set(loaded.toByteBuffer());
            }
        }
    }

    @Override
    public void close() {
        buffers.forEach(NDArray::close);
        buffers.clear();
    }
}
