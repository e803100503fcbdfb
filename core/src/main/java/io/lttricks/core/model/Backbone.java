package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import io.lttricks.core.mixup.MixLocation;

/**
 * A classification backbone: residual stages, global average pooling, a fully-connected classifier.
 *
 * <p>Forward inputs: {@code [images]}, NCHW float. Optional forward parameters:
 * {@link #MIX} (a {@link ManifoldMix}: mix a hidden representation) and {@link #WITH_FEATURES}
 * (any value: also return the last convolutional feature map, for class activation maps).
 * Output: {@code [logits]} or {@code [logits, features]}.
 */
public abstract class Backbone extends AbstractBlock {
    /** Forward-parameter key of a {@link ManifoldMix}. */
    public static final String MIX = "lttricks.mix";
    /** Forward-parameter key asking for the last feature map as a second output. */
    public static final String WITH_FEATURES = "lttricks.features";

    protected final int numClasses;

    protected Backbone(int numClasses) {
        super((byte) 1);
        if (numClasses < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
    }

    /** Kaiming-normal (fan-in) weights for every convolution and fully-connected layer; biases 0. */
    protected final void useKaimingInit() {
        setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f),
                ai.djl.nn.Parameter.Type.WEIGHT);
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
            pooled = mix.apply(pooled, MixLocation.POOL);
        }
        NDArray logits = classifier().forward(ps, new NDList(pooled), training).singletonOrThrow();
        if (mix != null) {
            logits = mix.apply(logits, MixLocation.FC);
        }
        return withFeatures ? new NDList(logits, features) : new NDList(logits);
    }
}
