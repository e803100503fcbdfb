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
 * ResNets in the ImageNet layout (He et al.; torchvision's v1.5, stride on the 3x3 convolution of a
 * bottleneck): conv7x7/2 (64) - BN - ReLU - maxpool3x3/2; four stages of 64, 128, 256, 512 planes;
 * projection shortcuts (conv1x1 + BN) where shape changes; global average pooling; FC.
 * ResNet-10 (basic blocks [1,1,1,1]) for ImageNet-LT, ResNet-50 (bottlenecks [3,4,6,3]) for
 * iNaturalist: 5,418,792 and 25,557,032 trainable parameters for 1,000 classes.
 */
public final class ImageNetResNet extends Backbone {
    private final int depth;
    private final Conv2d stem;
    private final BatchNorm stemBn;
    private final List<List<AbstractBlock>> stages = new ArrayList<>();
    private final Linear fc;

    public ImageNetResNet(int depth, int numClasses) {
        super(numClasses);
        int[] blocks;
        boolean bottleneck;
        switch (depth) {
            case 10 -> { blocks = new int[] {1, 1, 1, 1}; bottleneck = false; }
            case 18 -> { blocks = new int[] {2, 2, 2, 2}; bottleneck = false; }
            case 34 -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = false; }
            case 50 -> { blocks = new int[] {3, 4, 6, 3}; bottleneck = true; }
            case 101 -> { blocks = new int[] {3, 4, 23, 3}; bottleneck = true; }
            default -> throw new IllegalArgumentException("ImageNet ResNet depth must be 10, 18, 34, 50 or 101, got " + depth);
        }
        this.depth = depth;
        stem = addChildBlock("conv1", Conv2d.builder().setKernelShape(new Shape(7, 7)).setFilters(64)
                .optStride(new Shape(2, 2)).optPadding(new Shape(3, 3)).optBias(false).build());
        stemBn = addChildBlock("bn1", BatchNorm.builder().build());
        int in = 64;
        int expansion = bottleneck ? 4 : 1;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            List<AbstractBlock> stage = new ArrayList<>();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (b == 0 && s > 0) ? 2 : 1;
                String name = "layer" + (s + 1) + "_" + b;
                stage.add(addChildBlock(name, bottleneck ? new Bottleneck(in, planes, stride)
                        : new Basic(in, planes, stride)));
                in = planes * expansion;
            }
            stages.add(stage);
        }
        fc = addChildBlock("fc", Linear.builder().setUnits(numClasses).optBias(true).build());
        useOfficialInit(false, fc, in);
    }

    @Override
    public String name() {
        return "resnet" + depth;
    }

    @Override
    public Linear classifier() {
        return fc;
    }

    @Override
    public Set<MixLocation> mixLocations() {
        return MIX_LOCATIONS;
    }

    static final Set<MixLocation> MIX_LOCATIONS = java.util.Collections.unmodifiableSet(EnumSet.allOf(MixLocation.class));

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return forwardStages(ps, inputs, training, params, stem, stemBn, true, stages);
    }

    @Override
    protected InferenceNetwork fold(InferenceNetwork.Builder builder) {
        builder.stem(builder.fold(stem, stemBn), true);
        for (List<AbstractBlock> stage : stages) {
            for (AbstractBlock block : stage) {
                if (block instanceof Basic b) {
                    builder.block(List.of(builder.fold(b.conv1, b.bn1), builder.fold(b.conv2, b.bn2)),
                            b.downConv == null ? null : builder.fold(b.downConv, b.downBn), 0);
                } else if (block instanceof Bottleneck b) {
                    builder.block(List.of(builder.fold(b.conv1, b.bn1), builder.fold(b.conv2, b.bn2),
                                    builder.fold(b.conv3, b.bn3)),
                            b.downConv == null ? null : builder.fold(b.downConv, b.downBn), 0);
                } else {
                    throw new IllegalStateException("unknown block " + block);
                }
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
        shape = new Shape(shape.get(0), shape.get(1), (shape.get(2) - 1) / 2 + 1, (shape.get(3) - 1) / 2 + 1);
        for (List<AbstractBlock> stage : stages) {
            for (AbstractBlock block : stage) {
                block.initialize(manager, dataType, shape);
                shape = block.getOutputShapes(new Shape[] {shape})[0];
            }
        }
        fc.initialize(manager, dataType, new Shape(shape.get(0), shape.get(1)));
    }

    private static Conv2d conv(int filters, int kernel, int stride) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(filters)
                .optStride(new Shape(stride, stride)).optPadding(new Shape(kernel / 2, kernel / 2))
                .optBias(false).build();
    }

    private static Shape strided(Shape s, int channels, int stride) {
        return new Shape(s.get(0), channels, (s.get(2) - 1) / stride + 1, (s.get(3) - 1) / stride + 1);
    }

    /** Two 3x3 convolutions. */
    static final class Basic extends AbstractBlock {
        private final int planes;
        private final int stride;
        private final Conv2d conv1;
        private final BatchNorm bn1;
        private final Conv2d conv2;
        private final BatchNorm bn2;
        private final Conv2d downConv;
        private final BatchNorm downBn;

        Basic(int in, int planes, int stride) {
            super((byte) 1);
            this.planes = planes;
            this.stride = stride;
            conv1 = addChildBlock("conv1", conv(planes, 3, stride));
            bn1 = addChildBlock("bn1", BatchNorm.builder().build());
            conv2 = addChildBlock("conv2", conv(planes, 3, 1));
            bn2 = addChildBlock("bn2", BatchNorm.builder().build());
            boolean project = stride != 1 || in != planes;
            downConv = project ? addChildBlock("downsample_conv", conv(planes, 1, stride)) : null;
            downBn = project ? addChildBlock("downsample_bn", BatchNorm.builder().build()) : null;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.head();
            NDArray out = convBn(ps, conv1, bn1, x, training, true);
            out = replace(out, convBn(ps, conv2, bn2, out, training, false), x);
            NDArray sc = downConv == null ? x : convBn(ps, downConv, downBn, x, training, false);
            return new NDList(addRelu(out, sc, x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {strided(inputShapes[0], planes, stride)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            Shape o = strided(s, planes, stride);
            conv1.initialize(manager, dataType, s);
            bn1.initialize(manager, dataType, o);
            conv2.initialize(manager, dataType, o);
            bn2.initialize(manager, dataType, o);
            if (downConv != null) {
                downConv.initialize(manager, dataType, s);
                downBn.initialize(manager, dataType, o);
            }
        }
    }

    /** conv1x1 - conv3x3 (stride) - conv1x1 (4x planes). */
    static final class Bottleneck extends AbstractBlock {
        private final int planes;
        private final int stride;
        private final Conv2d conv1;
        private final BatchNorm bn1;
        private final Conv2d conv2;
        private final BatchNorm bn2;
        private final Conv2d conv3;
        private final BatchNorm bn3;
        private final Conv2d downConv;
        private final BatchNorm downBn;

        Bottleneck(int in, int planes, int stride) {
            super((byte) 1);
            this.planes = planes;
            this.stride = stride;
            conv1 = addChildBlock("conv1", conv(planes, 1, 1));
            bn1 = addChildBlock("bn1", BatchNorm.builder().build());
            conv2 = addChildBlock("conv2", conv(planes, 3, stride));
            bn2 = addChildBlock("bn2", BatchNorm.builder().build());
            conv3 = addChildBlock("conv3", conv(planes * 4, 1, 1));
            bn3 = addChildBlock("bn3", BatchNorm.builder().build());
            boolean project = stride != 1 || in != planes * 4;
            downConv = project ? addChildBlock("downsample_conv", conv(planes * 4, 1, stride)) : null;
            downBn = project ? addChildBlock("downsample_bn", BatchNorm.builder().build()) : null;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.head();
            NDArray out = convBn(ps, conv1, bn1, x, training, true);
            out = replace(out, convBn(ps, conv2, bn2, out, training, true), x);
            out = replace(out, convBn(ps, conv3, bn3, out, training, false), x);
            NDArray sc = downConv == null ? x : convBn(ps, downConv, downBn, x, training, false);
            return new NDList(addRelu(out, sc, x));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {strided(inputShapes[0], planes * 4, stride)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            Shape mid = new Shape(s.get(0), planes, s.get(2), s.get(3));
            Shape o = strided(s, planes, stride);
            conv1.initialize(manager, dataType, s);
            bn1.initialize(manager, dataType, mid);
            conv2.initialize(manager, dataType, mid);
            bn2.initialize(manager, dataType, o);
            conv3.initialize(manager, dataType, o);
            bn3.initialize(manager, dataType, strided(s, planes * 4, stride));
            if (downConv != null) {
                downConv.initialize(manager, dataType, s);
                downBn.initialize(manager, dataType, strided(s, planes * 4, stride));
            }
        }
    }
}
