package io.lttricks.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.lttricks.core.plan.Sgd;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * SGD with momentum, optional Nesterov, and L2 weight decay, exactly as {@code torch.optim.SGD}:
 * g = grad + wd * w;  b = m * b + g;  w -= lr * (nesterov ? g + m * b : b).
 * The learning rate is given at every step, so any schedule drives it. DJL's own SGD has no
 * Nesterov and puts the learning rate inside the momentum buffer; the paper's schedule needs this.
 *
 * <p>One update over flat buffers rather than per parameter: the gradients are concatenated into
 * one vector, the momentum buffers are one vector, and the arithmetic runs once on all of them,
 * so a step is a handful of large operators plus, per parameter, reading its gradient, writing
 * its update back through a flat view of its weights, and zeroing its gradient: about 6 small
 * libtorch calls per parameter instead of about 23 (each scalar operand was a tensor of its own).
 * Element by element the arithmetic is the same float operations in the same order, so results are
 * those of the per-parameter loop; checkpoints keep one momentum buffer per parameter.
 * DJL 0.36 exposes no {@code _foreach} operators and no way to make a parameter a view of a shared
 * buffer, which would save the per-parameter calls too (docs/PERFORMANCE.md).
 */
public final class SgdOptimizer implements AutoCloseable {
    private final List<Parameter> parameters;
    private final NDManager state;
    /** Each parameter's weights as a 1-D view (same storage, detached from autograd). */
    private final NDArray[] weightViews;
    /** Where each parameter after the first starts in the flat vectors. */
    private final long[] splits;
    private final Shape[] shapes;
    private final long total;
    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;
    private final NDArray momentumScalar;
    private final NDArray decayScalar;
    /** All momentum buffers, flat, in parameter order. */
    private NDArray buffer;

    public SgdOptimizer(List<Parameter> trainable, NDManager manager, Sgd settings) {
        this.parameters = List.copyOf(trainable);
        this.momentum = (float) settings.momentum();
        this.nesterov = settings.nesterov();
        this.weightDecay = (float) settings.weightDecay();
        this.state = manager.newSubManager();
        int n = parameters.size();
        this.weightViews = new NDArray[n];
        this.shapes = new Shape[n];
        this.splits = new long[Math.max(0, n - 1)];
        long offset = 0;
        for (int i = 0; i < n; i++) {
            NDArray w = parameters.get(i).getArray();
            shapes[i] = w.getShape();
            try (NDArray detached = w.stopGradient()) {
                weightViews[i] = detached.reshape(-1);
            }
            weightViews[i].attach(state);
            if (i > 0) {
                splits[i - 1] = offset;
            }
            offset += shapes[i].size();
        }
        this.total = offset;
        NDArray first = n == 0 ? null : parameters.get(0).getArray();
        this.buffer = first == null ? state.zeros(new Shape(0))
                : state.zeros(new Shape(total), first.getDataType(), first.getDevice());
        this.momentumScalar = state.create(momentum);
        this.decayScalar = state.create(weightDecay);
    }

    /** One update with learning rate {@code lr}; clears the gradients. Call outside a gradient collector. */
    public void step(double lr) {
        int n = parameters.size();
        if (n == 0) {
            return;
        }
        try (NDManager tmp = state.newSubManager()) {
            PtNDArray[] flatGrads = new PtNDArray[n];
            for (int i = 0; i < n; i++) {
                try (NDArray g = parameters.get(i).getArray().getGradient()) {
                    flatGrads[i] = (PtNDArray) g.reshape(-1);
                }
            }
            NDArray g = JniUtils.cat(flatGrads, 0);
            g.attach(tmp);
            for (PtNDArray f : flatGrads) {
                f.close();
            }
            if (weightDecay != 0f) {
                PtNDArray[] views = new PtNDArray[n];
                for (int i = 0; i < n; i++) {
                    views[i] = (PtNDArray) weightViews[i];
                }
                NDArray w = JniUtils.cat(views, 0);
                w.attach(tmp);
                g.addi(w.mul(decayScalar));
            }
            NDArray direction = g;
            if (momentum != 0f) {
                buffer.muli(momentumScalar).addi(g);
                if (nesterov) {
                    NDArray look = buffer.mul(momentumScalar);
                    look.attach(tmp);
                    g.addi(look);
                } else {
                    direction = buffer;
                }
            }
            NDArray delta = direction.mul(tmp.create((float) lr));
            delta.attach(tmp);
            NDList pieces = n == 1 ? new NDList(delta) : delta.split(splits, 0);
            for (int i = 0; i < n; i++) {
                weightViews[i].subi(pieces.get(i));
            }
        }
        for (Parameter p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    /** The momentum buffers, one per parameter in parameter order, each in its parameter's shape. */
    public void save(DataOutputStream out) throws IOException {
        int n = parameters.size();
        out.writeInt(n);
        try (NDManager tmp = state.newSubManager()) {
            NDList pieces = n <= 1 ? new NDList(buffer) : buffer.split(splits, 0);
            if (n > 1) {
                pieces.attach(tmp);
            }
            for (int i = 0; i < n; i++) {
                NDArray shaped = pieces.get(i).reshape(shapes[i]);
                shaped.attach(tmp);
                byte[] bytes = shaped.encode();
                out.writeInt(bytes.length);
                out.write(bytes);
            }
        }
    }

    public void load(DataInputStream in, NDManager manager) throws IOException {
        int n = in.readInt();
        if (n != parameters.size()) {
            throw new IOException("optimizer state holds " + n + " buffers, the model has " + parameters.size()
                    + " trainable parameters: the checkpoint is of another architecture");
        }
        if (n == 0) {
            return;
        }
        try (NDManager tmp = state.newSubManager()) {
            PtNDArray[] flat = new PtNDArray[n];
            for (int i = 0; i < n; i++) {
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                NDArray loaded = NDArray.decode(tmp, bytes);
                if (!loaded.getShape().equals(shapes[i])) {
                    throw new IOException("momentum buffer " + i + " has shape " + loaded.getShape()
                            + ", parameter has " + shapes[i]);
                }
                flat[i] = (PtNDArray) loaded.toType(buffer.getDataType(), false).toDevice(buffer.getDevice(), false)
                        .reshape(-1);
            }
            NDArray joined = JniUtils.cat(flat, 0);
            joined.attach(state);
            buffer.close();
            buffer = joined;
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
