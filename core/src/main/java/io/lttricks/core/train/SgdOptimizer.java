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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SGD with momentum, optional Nesterov, and L2 weight decay, exactly as {@code torch.optim.SGD}:
 * g = grad + wd * w;  b = m * b + g;  w -= lr * (nesterov ? g + m * b : b).
 * The learning rate is given at every step, so any schedule drives it. DJL's own SGD has no
 * Nesterov and puts the learning rate inside the momentum buffer; the paper's schedule needs this.
 *
 * <p>One update over flat buffers rather than per parameter: the gradients are concatenated into
 * flat vectors of up to {@link #GROUP_ELEMENTS} elements (consecutive parameters), the momentum
 * buffers likewise, and the arithmetic runs once on each group,
 * so a step is a handful of large operators plus, per parameter, reading its gradient, writing
 * its update back through a flat view of its weights, and zeroing its gradient: about 6 small
 * libtorch calls per parameter instead of about 23 (each scalar operand was a tensor of its own).
 * Element by element the arithmetic is the same float operations in the same order, so results are
 * those of the per-parameter loop; checkpoints keep one momentum buffer per parameter.
 * DJL 0.36 exposes no {@code _foreach} operators and no way to make a parameter a view of a shared
 * buffer, which would save the per-parameter calls too (docs/PERFORMANCE.md).
 */
public final class SgdOptimizer implements AutoCloseable {
    /**
     * Largest flat group, in elements (4 MiB of float32): parameters are grouped in order up to this
     * size. One group holds all of a CIFAR ResNet-32 (0.46 M parameters); a ResNet-50 (25.6 M) makes
     * about 30, so that no step allocates 100 MB temporaries, which glibc maps afresh every time.
     */
    static final long GROUP_ELEMENTS = 1L << 20;

    private final List<Parameter> parameters;
    private final NDManager state;
    /** Each parameter's weights as a 1-D view (same storage, detached from autograd). */
    private final NDArray[] weightViews;
    private final Shape[] shapes;
    private final List<Group> groups = new ArrayList<>();
    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;
    private final NDArray momentumScalar;
    private final NDArray decayScalar;

    /** Parameters from..to-1, updated as one flat vector. */
    private static final class Group {
        final int from;
        final int to;
        /** Where each parameter after the group's first starts in its flat vectors. */
        final long[] splits;
        /** The group's momentum buffers, flat, in parameter order. */
        NDArray buffer;

        Group(int from, int to, long[] splits) {
            this.from = from;
            this.to = to;
            this.splits = splits;
        }
    }

    public SgdOptimizer(List<Parameter> trainable, NDManager manager, Sgd settings) {
        this(trainable, manager, settings, GROUP_ELEMENTS);
    }

    /** With flat groups of at most {@code groupElements} elements (a parameter larger than that is a group alone). */
    SgdOptimizer(List<Parameter> trainable, NDManager manager, Sgd settings, long groupElements) {
        this.parameters = List.copyOf(trainable);
        this.momentum = (float) settings.momentum();
        this.nesterov = settings.nesterov();
        this.weightDecay = (float) settings.weightDecay();
        this.state = manager.newSubManager();
        int n = parameters.size();
        this.weightViews = new NDArray[n];
        this.shapes = new Shape[n];
        for (int i = 0; i < n; i++) {
            NDArray w = parameters.get(i).getArray();
            shapes[i] = w.getShape();
            try (NDArray detached = w.stopGradient()) {
                weightViews[i] = detached.reshape(-1);
            }
            weightViews[i].attach(state);
        }
        int from = 0;
        while (from < n) {
            int to = from + 1;
            long size = shapes[from].size();
            while (to < n && size + shapes[to].size() <= groupElements) {
                size += shapes[to].size();
                to++;
            }
            long[] splits = new long[to - from - 1];
            long offset = 0;
            for (int i = from; i < to; i++) {
                if (i > from) {
                    splits[i - from - 1] = offset;
                }
                offset += shapes[i].size();
            }
            Group g = new Group(from, to, splits);
            NDArray first = parameters.get(from).getArray();
            g.buffer = state.zeros(new Shape(size), first.getDataType(), first.getDevice());
            groups.add(g);
            from = to;
        }
        this.momentumScalar = state.create(momentum);
        this.decayScalar = state.create(weightDecay);
    }

    /** One update with learning rate {@code lr}; clears the gradients. Call outside a gradient collector. */
    public void step(double lr) {
        if (parameters.isEmpty()) {
            return;
        }
        try (NDManager tmp = state.newSubManager()) {
            NDArray rate = tmp.create((float) lr);
            for (Group group : groups) {
                step(group, rate, tmp);
            }
        }
        for (Parameter p : parameters) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    private void step(Group group, NDArray rate, NDManager outer) {
        int n = group.to - group.from;
        try (NDManager tmp = outer.newSubManager()) {
            PtNDArray[] flatGrads = new PtNDArray[n];
            for (int i = 0; i < n; i++) {
                try (NDArray g = parameters.get(group.from + i).getArray().getGradient()) {
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
                    views[i] = (PtNDArray) weightViews[group.from + i];
                }
                NDArray w = JniUtils.cat(views, 0);
                w.attach(tmp);
                g.addi(w.mul(decayScalar));
            }
            NDArray direction = g;
            if (momentum != 0f) {
                group.buffer.muli(momentumScalar).addi(g);
                if (nesterov) {
                    NDArray look = group.buffer.mul(momentumScalar);
                    look.attach(tmp);
                    g.addi(look);
                } else {
                    direction = group.buffer;
                }
            }
            NDArray delta = direction.mul(rate);
            delta.attach(tmp);
            NDList pieces = n == 1 ? new NDList(delta) : delta.split(group.splits, 0);
            for (int i = 0; i < n; i++) {
                weightViews[group.from + i].subi(pieces.get(i));
            }
        }
    }

    /** The momentum buffers, one per parameter in parameter order, each in its parameter's shape. */
    public void save(DataOutputStream out) throws IOException {
        out.writeInt(parameters.size());
        for (Group group : groups) {
            int n = group.to - group.from;
            try (NDManager tmp = state.newSubManager()) {
                NDList pieces = n <= 1 ? new NDList(group.buffer) : group.buffer.split(group.splits, 0);
                if (n > 1) {
                    pieces.attach(tmp);
                }
                for (int i = 0; i < n; i++) {
                    NDArray shaped = pieces.get(i).reshape(shapes[group.from + i]);
                    shaped.attach(tmp);
                    byte[] bytes = shaped.encode();
                    out.writeInt(bytes.length);
                    out.write(bytes);
                }
            }
        }
    }

    public void load(DataInputStream in, NDManager manager) throws IOException {
        int n = in.readInt();
        if (n != parameters.size()) {
            throw new IOException("optimizer state holds " + n + " buffers, the model has " + parameters.size()
                    + " trainable parameters: the checkpoint is of another architecture");
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
                NDArray like = groups.get(0).buffer;
                flat[i] = (PtNDArray) loaded.toType(like.getDataType(), false).toDevice(like.getDevice(), false)
                        .reshape(-1);
            }
            for (Group group : groups) {
                NDArray joined = JniUtils.cat(Arrays.copyOfRange(flat, group.from, group.to), 0);
                joined.attach(state);
                group.buffer.close();
                group.buffer = joined;
            }
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
