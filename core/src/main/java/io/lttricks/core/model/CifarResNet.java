package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lttricks.core.mixup.MixLocation;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The CIFAR ResNets of He et al. (depth 6n+2; ResNet-32 has n = 5), as the long-tailed literature
 * uses them: conv3x3(3->16)-BN-ReLU; three stages of n basic blocks with 16, 32 and 64 channels and
 * strides 1, 2, 2; global average pooling; FC with bias. Where a block changes shape the shortcut is
 * "option A": x[:, :, ::2, ::2] zero-padded with planes/4 channels on each side, no parameters.
 * ResNet-32 has 464,154 trainable parameters for 10 classes. Initialisation as the official code:
 * Kaiming-normal convolutions, PyTorch's default classifier ({@link Backbone#useOfficialInit}).
 */
public final class CifarResNet extends Backbone {
    private final int depth;
    private final Conv2d stem;
    private final BatchNorm stemBn;
    private final List<List<BasicBlockA>> stages = new ArrayList<>();
    private final Linear fc;

    public CifarResNet(int depth, int numClasses) {
        super(numClasses);
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, 110), got " + depth);
        }
        this.depth = depth;
        int n = (depth - 2) / 6;
        stem = addChildBlock("conv1", conv3x3(16, 1));
        stemBn = addChildBlock("bn1", BatchNorm.builder().build());
        int in = 16;
        int[] planes = {16, 32, 64};
        int[] strides = {1, 2, 2};
        for (int s = 0; s < 3; s++) {
            List<BasicBlockA> stage = new ArrayList<>();
            for (int b = 0; b < n; b++) {
                int stride = b == 0 ? strides[s] : 1;
                stage.add(addChildBlock("layer" + (s + 1) + "_" + b, new BasicBlockA(in, planes[s], stride)));
                in = planes[s];
            }
            stages.add(stage);
        }
        fc = addChildBlock("fc", Linear.builder().setUnits(numClasses).optBias(true).build());
        useOfficialInit(true, fc, planes[2]);
    }

    static Conv2d conv3x3(int filters, int stride) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(filters)
                .optStride(new Shape(stride, stride)).optPadding(new Shape(1, 1)).optBias(false).build();
    }

    @Override
    public String name() {
        return "resnet" + depth;
    }

    @Override
    public Linear classifier() {
        return fc;
    }

    static final Set<MixLocation> MIX_LOCATIONS = java.util.Collections.unmodifiableSet(EnumSet.of(MixLocation.INPUT,
            MixLocation.LAYER1, MixLocation.LAYER2, MixLocation.LAYER3, MixLocation.POOL, MixLocation.FC));

    @Override
    public Set<MixLocation> mixLocations() {
        return MIX_LOCATIONS;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return forwardStages(ps, inputs, training, params, stem, stemBn, false, stages);
    }

    @Override
    protected InferenceNetwork fold(InferenceNetwork.Builder builder) {
        builder.stem(builder.fold(stem, stemBn), false);
        for (List<BasicBlockA> stage : stages) {
            for (BasicBlockA block : stage) {
                builder.block(List.of(builder.fold(block.conv1, block.bn1), builder.fold(block.conv2, block.bn2)), null,
                        block.reshape ? block.planes / 4 : 0);
            }
        }
        return builder.head(fc);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0];
        stem.initialize(manager, dataType, shape);
        shape = stem.getOutputShapes(new Shape[] {shape})[0];
        stemBn.initialize(manager, dataType, shape);
        for (List<BasicBlockA> stage : stages) {
            for (BasicBlockA block : stage) {
                block.initialize(manager, dataType, shape);
                shape = block.getOutputShapes(new Shape[] {shape})[0];
            }
        }
        fc.initialize(manager, dataType, new Shape(shape.get(0), shape.get(1)));
    }

    /** conv-BN-ReLU-conv-BN plus the option-A shortcut, then ReLU. */
    static final class BasicBlockA extends AbstractBlock {
        private final int planes;
        private final int stride;
        private final boolean reshape;
        private final Conv2d conv1;
        private final BatchNorm bn1;
        private final Conv2d conv2;
        private final BatchNorm bn2;

        BasicBlockA(int inPlanes, int planes, int stride) {
            super((byte) 1);
            this.planes = planes;
            this.stride = stride;
            this.reshape = stride != 1 || inPlanes != planes;
            if (reshape && (stride != 2 || planes != 2 * inPlanes)) {
                throw new IllegalArgumentException("option-A shortcut needs stride 2 and doubled channels");
            }
            conv1 = addChildBlock("conv1", conv3x3(planes, stride));
            bn1 = addChildBlock("bn1", BatchNorm.builder().build());
            conv2 = addChildBlock("conv2", conv3x3(planes, 1));
            bn2 = addChildBlock("bn2", BatchNorm.builder().build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.head();
            NDArray out = convBn(ps, conv1, bn1, x, training, true);
            out = replace(out, convBn(ps, conv2, bn2, out, training, false), x);
            NDArray shortcut = x;
            if (reshape) {
                int pad = planes / 4;
                // Torch pads from the last dimension backwards: (W left, W right, H top, H bottom, C front, C back).
                NDArray strided = x.get(":, :, ::2, ::2");
                shortcut = strided.pad(new Shape(0, 0, 0, 0, pad, pad), 0);
                strided.close();
            }
            return new NDList(addRelu(out, shortcut, x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            return new Shape[] {new Shape(s.get(0), planes, (s.get(2) + stride - 1) / stride,
                    (s.get(3) + stride - 1) / stride)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            conv1.initialize(manager, dataType, s);
            Shape s1 = conv1.getOutputShapes(new Shape[] {s})[0];
            bn1.initialize(manager, dataType, s1);
            conv2.initialize(manager, dataType, s1);
            bn2.initialize(manager, dataType, s1);
        }
    }
}
