package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import io.lttricks.core.mixup.MixLocation;
import java.util.List;

/**
 * A classification backbone: residual stages, global average pooling, a fully-connected classifier.
 *
 * <p>Forward inputs: {@code [images]}, NCHW float. Optional forward parameters:
 * {@link #MIX} (a {@link ManifoldMix}: mix a hidden representation) and {@link #WITH_FEATURES}
 * (any value: also return the last convolutional feature map, for class activation maps).
 * Output: {@code [logits]} or {@code [logits, features]}.
 *
 * <p>Memory: every intermediate activation is closed as soon as the next operator has consumed
 * it (libtorch keeps whatever autograd saved for the backward pass). Left to the step's
 * NDManager, a ResNet-32 step would leave about 150 dead tensors (hundreds of MB) alive until the
 * step ends, so each operator wrote to cold memory; freed at once, the allocator hands the same,
 * cache-warm blocks back. That, with glibc kept from returning large blocks to the kernel (the
 * launcher's MALLOC_* settings), is a third of forward-pass time on CPU (docs/PERFORMANCE.md).
 *
 * <p>Memory format: the input is copied once into channels-last order (NHWC in memory, still
 * NCHW to every operator), so convolutions, batch norm and the elementwise operators all run
 * libtorch's channels-last kernels with no reorders between them: 15-20% faster training on CPU.
 * Results are the same up to float rounding; {@code -Dlttricks.channelsLast=false} turns it off.
 *
 * <p>Precision: {@link #setPrecision} bf16 runs the forward pass under libtorch's autocast
 * ({@link Autocast}); the outputs come back float32, so the loss, the backward call and every
 * reader of logits see float32 as before.
 */
public abstract class Backbone extends AbstractBlock {
    /** Forward-parameter key of a {@link ManifoldMix}. */
    public static final String MIX = "lttricks.mix";
    /** Forward-parameter key asking for the last feature map as a second output. */
    public static final String WITH_FEATURES = "lttricks.features";

    protected final int numClasses;
    private volatile Precision precision = Precision.FP32;

    protected Backbone(int numClasses) {
        super((byte) 1);
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
    }

    /**
     * The initialisation of the official code (and so of the paper's numbers). Its CIFAR ResNet
     * applies Kaiming-normal (fan-in, gain sqrt 2) to the backbone's convolutions only; its ImageNet
     * ResNets initialise nothing, so their convolutions keep PyTorch's default; in both the
     * classifier is a separate {@code nn.Linear} with PyTorch's default weights and bias
     * ({@link TorchDefaultInitializer}). Batch norm: weight 1, bias 0 (DJL's and PyTorch's default).
     *
     * @param kaimingConvolutions Kaiming-normal convolutions (CIFAR) rather than PyTorch's default
     * @param classifierInputs    the classifier's input features (its fan-in)
     */
    protected final void useOfficialInit(boolean kaimingConvolutions, Linear classifier, long classifierInputs) {
        setInitializer(kaimingConvolutions
                ? new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f)
                : new TorchDefaultInitializer(), ai.djl.nn.Parameter.Type.WEIGHT);
        classifier.setInitializer(new TorchDefaultInitializer(), ai.djl.nn.Parameter.Type.WEIGHT);
        classifier.setInitializer(new TorchDefaultInitializer(classifierInputs), ai.djl.nn.Parameter.Type.BIAS);
    }

    /**
     * The arithmetic of the forward passes from now on, this network's and its {@link #inference}
     * copies' ({@link Precision}; fp32 until set). Outputs are float32 either way.
     */
    public final void setPrecision(Precision precision) {
        this.precision = precision == null ? Precision.FP32 : precision;
    }

    /**
     * {@code asked} where {@code device} runs it natively, else fp32 ({@link Autocast#effective},
     * which says why once): the precision from now on, returned.
     */
    public final Precision usePrecision(Precision asked, ai.djl.Device device) {
        Precision ran = Autocast.effective(asked == null ? Precision.FP32 : asked, device);
        setPrecision(ran);
        return ran;
    }

    public final Precision precision() {
        return precision;
    }

    private static volatile boolean channelsLastInput =
            Boolean.parseBoolean(System.getProperty("lttricks.channelsLast", "true"));

    /** Whether inputs go channels-last in this process ({@code -Dlttricks.channelsLast}, {@link #useChannelsLast}). */
    public static boolean usesChannelsLast() {
        return channelsLastInput;
    }

    /** Switches the input memory format for the whole process; tests and diagnostics compare both. */
    public static void useChannelsLast(boolean on) {
        channelsLastInput = on;
    }

    /**
     * A 4-D NCHW batch as a channels-last tensor: the same values and shape, NHWC in memory (one
     * copy); other arrays unchanged. The caller closes the result when it is not {@code x}.
     */
    protected static NDArray channelsLast(NDArray x) {
        if (!channelsLastInput || x.getShape().dimension() != 4) {
            return x;
        }
        Shape s = x.getShape();
        long n = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        try (NDArray nhwcView = x.transpose(0, 2, 3, 1);
                NDArray flat = nhwcView.reshape(n, h * w * c); // not expressible as a view: copies in NHWC order
                NDArray nhwc = flat.reshape(n, h, w, c)) {
            NDArray out = nhwc.transpose(0, 3, 1, 2);
            out.attach(x.getManager());
            return out;
        }
    }

    private static final MixLocation[] AFTER_STAGE = {MixLocation.LAYER1, MixLocation.LAYER2, MixLocation.LAYER3,
        MixLocation.LAYER4};

    /**
     * The forward pass both ResNet layouts share: the input copied channels-last, the stem
     * (conv-BN-ReLU, then a 3x3/2 max-pool where {@code maxPool}), the stages of residual blocks with
     * manifold mixup after stage s where the forward's parameters ask for it, then {@link #head}.
     * Every intermediate is freed as soon as the next exists.
     */
    protected final NDList forwardStages(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params, Conv2d stem, BatchNorm stemBn,
                                         boolean maxPool, List<? extends List<? extends Block>> stages) {
        ManifoldMix mix = mixOf(params);
        NDArray input = inputs.head();
        NDList out;
        try (Autocast ignored = Autocast.enter(precision, input.getDevice())) {
            NDArray inputCl = channelsLast(input);
            NDArray x = convBn(ps, stem, stemBn, inputCl, training, true);
            replace(inputCl, x, input);
            if (maxPool) {
                x = replace(x, Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false), input);
            }
            for (int s = 0; s < stages.size(); s++) {
                for (Block block : stages.get(s)) {
                    x = replace(x, block.forward(ps, new NDList(x), training).head(), input);
                }
                if (mix != null) {
                    x = replace(x, mix.apply(x, AFTER_STAGE[s]), input);
                }
            }
            out = head(ps, x, training, mix, wantsFeatures(params));
            if (!wantsFeatures(params)) {
                x.close();
            }
        }
        return float32(out);
    }

    /** The outputs as float32 (a bf16 forward's logits and features), each other array closed. */
    static NDList float32(NDList out) {
        NDList result = new NDList(out.size());
        for (NDArray a : out) {
            NDArray f = Autocast.toFloat32(a);
            if (f != a) {
                a.close();
            }
            result.add(f);
        }
        return result;
    }

    /** conv, then batch norm, then ReLU if asked; the intermediates are freed at once. */
    protected static NDArray convBn(ParameterStore ps, Conv2d conv, BatchNorm bn, NDArray x, boolean training,
                                    boolean relu) {
        NDArray c = Pointwise.applies(conv) ? Pointwise.forward(ps, conv, x, training)
                : conv.forward(ps, new NDList(x), training).head();
        NDArray b = bn.forward(ps, new NDList(c), training).head();
        c.close();
        if (!relu) {
            return b;
        }
        NDArray r = Activation.relu(b);
        b.close();
        return r;
    }

    /** ReLU(residual + shortcut), freeing the residual, and the shortcut where it is not the block's input. */
    protected static NDArray addRelu(NDArray residual, NDArray shortcut, NDArray blockInput) {
        NDArray sum = residual.add(shortcut);
        residual.close();
        if (shortcut != blockInput) {
            shortcut.close();
        }
        NDArray out = Activation.relu(sum);
        sum.close();
        return out;
    }

    /** {@code next}, closing {@code previous} when it is another array and not the network's input. */
    protected static NDArray replace(NDArray previous, NDArray next, NDArray networkInput) {
        if (previous != next && previous != networkInput) {
            previous.close();
        }
        return next;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The name recipes use (resnet32, resnet10, resnet50). */
    public abstract String name();

    /** The classifier whose weight rows give class activation maps. */
    public abstract Linear classifier();

    /** The places where manifold mixup may mix in this network. */
    public abstract java.util.Set<MixLocation> mixLocations();

    /**
     * An eval-mode copy of this network with batch norm folded into the convolutions, from the
     * current weights and running statistics: what evaluation runs ({@link InferenceNetwork}).
     * Its arrays live on a sub-manager of {@code manager}; close it when done.
     */
    public final InferenceNetwork inference(NDManager manager) {
        return fold(new InferenceNetwork.Builder(manager, precision));
    }

    /** The folded layers of this network, in forward order, ending with {@code builder.head(classifier())}. */
    protected abstract InferenceNetwork fold(InferenceNetwork.Builder builder);

    /** Number of trainable parameters. */
    public long trainableParameterCount() {
        return getParameters().values().stream()
                .filter(ai.djl.nn.Parameter::requiresGradient)
                .mapToLong(p -> p.getArray().size())
                .sum();
    }

    protected static ManifoldMix mixOf(PairList<String, Object> params) {
        if (params == null) {
            return null;
        }
        Object m = params.get(MIX);
        return m instanceof ManifoldMix mm ? mm : null;
    }

    protected static boolean wantsFeatures(PairList<String, Object> params) {
        return params != null && params.contains(WITH_FEATURES);
    }

    /** Pooling, classifier and the pool/FC mixing points shared by all backbones. */
    protected final NDList head(ParameterStore ps, NDArray features, boolean training, ManifoldMix mix,
                                boolean withFeatures) {
        NDArray pooled = ai.djl.nn.pooling.Pool.globalAvgPool2d(features);
        if (mix != null) {
            pooled = replace(pooled, mix.apply(pooled, MixLocation.POOL), null);
        }
        NDArray logits = classifier().forward(ps, new NDList(pooled), training).singletonOrThrow();
        pooled.close();
        if (mix != null) {
            logits = replace(logits, mix.apply(logits, MixLocation.FC), null);
        }
        return withFeatures ? new NDList(logits, features) : new NDList(logits);
    }
}
