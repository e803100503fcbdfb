package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;

/**
 * An eval-mode copy of a {@link Backbone} with every batch norm folded into the convolution before
 * it: with s = gamma / sqrt(running_var + eps), conv(x, W) followed by batch norm in inference mode
 * is conv(x, W * s) + (beta - running_mean * s), one operator instead of two. The same network as
 * {@code backbone.forward(ps, x, false)} (running statistics, no mixup), with logits equal up to
 * float rounding ({@code InferenceNetworkTest}: 1e-4 relative, NCHW and channels-last, both
 * layouts), and about a third fewer operators per forward pass.
 *
 * <p>It holds its own arrays (the folded weights, copies of the classifier's), computed from the
 * backbone's current values when it is made: make it after training, use it, close it. Built by
 * {@link Backbone#inference}; inputs are NCHW float batches, copied to channels-last as the
 * backbone does ({@link Backbone#useChannelsLast}).
 */
public final class InferenceNetwork implements AutoCloseable {
    /** The backbones' batch norm epsilon: DJL's and PyTorch's default (BackboneTest checks it). */
    static final float BN_EPSILON = 1e-5f;

    private final NDManager manager;
    private final FoldedConv stem;
    private final boolean maxPool;
    private final List<Residual> blocks;
    private final NDArray fcWeight;
    private final NDArray fcBias;
    private final Precision precision;

    private InferenceNetwork(NDManager manager, FoldedConv stem, boolean maxPool, List<Residual> blocks,
                             NDArray fcWeight, NDArray fcBias, Precision precision) {
        this.manager = manager;
        this.precision = precision;
        this.stem = stem;
        this.maxPool = maxPool;
        this.blocks = List.copyOf(blocks);
        this.fcWeight = fcWeight;
        this.fcBias = fcBias;
    }

    /** Logits {@code [N, classes]} of an NCHW batch; the caller closes them. */
    public NDArray logits(NDArray input) {
        NDList out = forward(input, false);
        return out.head();
    }

    /**
     * {@code [logits]}, or {@code [logits, last feature map]} when {@code withFeatures}, as the
     * backbone's forward with {@link Backbone#WITH_FEATURES}.
     */
    public NDList forward(NDArray input, boolean withFeatures) {
        NDList out;
        try (Autocast ignored = Autocast.enter(precision, input.getDevice())) {
            NDArray inputCl = Backbone.channelsLast(input);
            NDArray x = stem.apply(inputCl, true);
            Backbone.replace(inputCl, x, input);
            if (maxPool) {
                x = Backbone.replace(x, Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false), input);
            }
            for (Residual block : blocks) {
                x = Backbone.replace(x, block.apply(x), input);
            }
            NDArray pooled = Pool.globalAvgPool2d(x);
            NDArray logits = Linear.linear(pooled, fcWeight, fcBias).singletonOrThrow();
            pooled.close();
            if (withFeatures) {
                out = new NDList(logits, x);
            } else {
                if (x != input) {
                    x.close();
                }
                out = new NDList(logits);
            }
        }
        return Backbone.float32(out);
    }

    /** The precision its forward passes run in (the backbone's when it was made). */
    public Precision precision() {
        return precision;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Collects the folded layers of a backbone; its arrays live on one sub-manager of the model's. */
    static final class Builder {
        private final NDManager manager;
        private FoldedConv stem;
        private boolean maxPool;
        private final List<Residual> blocks = new ArrayList<>();

        private final Precision precision;

        Builder(NDManager parent, Precision precision) {
            this.manager = parent.newSubManager();
            this.precision = precision;
        }

        /** conv + batch norm folded into one convolution (with bias). */
        FoldedConv fold(Conv2d conv, BatchNorm bn) {
            try (NDManager tmp = manager.newSubManager()) {
                NDArray w = array(conv, "weight", tmp);
                NDArray gamma = array(bn, "gamma", tmp);
                NDArray beta = array(bn, "beta", tmp);
                NDArray mean = array(bn, "runningMean", tmp);
                NDArray var = array(bn, "runningVar", tmp);
                NDArray scale = gamma.div(var.add(BN_EPSILON).sqrt());
                long out = w.getShape().get(0);
                NDArray weight = w.mul(scale.reshape(out, 1, 1, 1));
                NDArray bias = beta.sub(mean.mul(scale));
                weight.attach(manager);
                bias.attach(manager);
                return new FoldedConv(weight, bias, conv.getStride(), conv.getPadding(), conv.getDilation(),
                        conv.getGroups());
            }
        }

        Builder stem(FoldedConv conv, boolean thenMaxPool) {
            this.stem = conv;
            this.maxPool = thenMaxPool;
            return this;
        }

        /**
         * A residual block: the convolutions in order (ReLU after all but the last), then ReLU of
         * the sum with the shortcut: {@code projection} (conv + BN) if not null, else the option-A
         * shortcut (x[:, :, ::2, ::2] zero-padded by {@code optionAPad} channels a side) when that
         * is positive, else the identity.
         */
        Builder block(List<FoldedConv> convs, FoldedConv projection, int optionAPad) {
            blocks.add(new Residual(List.copyOf(convs), projection, optionAPad));
            return this;
        }

        InferenceNetwork head(Linear fc) {
            NDArray w;
            NDArray b;
            try (NDManager tmp = manager.newSubManager()) {
                w = array(fc, "weight", tmp).duplicate();
                b = array(fc, "bias", tmp).duplicate();
                w.attach(manager);
                b.attach(manager);
            }
            return new InferenceNetwork(manager, stem, maxPool, blocks, w, b, precision);
        }

        /** The parameter's values, detached from autograd (sharing its storage), on {@code owner}. */
        private static NDArray array(ai.djl.nn.Block block, String name, NDManager owner) {
            Parameter p = block.getParameters().get(name);
            if (p == null) {
                throw new IllegalStateException("no parameter " + name + " in " + block);
            }
            NDArray a = p.getArray().stopGradient();
            a.attach(owner);
            return a;
        }
    }

    /** A convolution whose batch norm is folded into its weight and bias. */
    record FoldedConv(NDArray weight, NDArray bias, Shape stride, Shape padding, Shape dilation, int groups) {
        NDArray apply(NDArray x, boolean relu) {
            NDArray y = Pointwise.applies(weight.getShape(), padding, groups) ? Pointwise.apply(x, weight, bias, stride)
                    : Conv2d.conv2d(x, weight, bias, stride, padding, dilation, groups).singletonOrThrow();
            if (!relu) {
                return y;
            }
            NDArray r = Activation.relu(y);
            y.close();
            return r;
        }
    }

    private record Residual(List<FoldedConv> convs, FoldedConv projection, int optionAPad) {
        NDArray apply(NDArray x) {
            NDArray out = x;
            for (int i = 0; i < convs.size(); i++) {
                out = Backbone.replace(out, convs.get(i).apply(out, i < convs.size() - 1), x);
            }
            NDArray shortcut = x;
            if (projection != null) {
                shortcut = projection.apply(x, false);
            } else if (optionAPad > 0) {
                try (NDArray strided = x.get(":, :, ::2, ::2")) {
                    shortcut = strided.pad(new Shape(0, 0, 0, 0, optionAPad, optionAPad), 0);
                }
            }
            out.addi(shortcut); // out is this block's own array: no autograd here, so in place
            if (shortcut != x) {
                shortcut.close();
            }
            NDArray r = Activation.relu(out);
            out.close();
            return r;
        }
    }
}
