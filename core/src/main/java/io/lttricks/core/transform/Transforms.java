package io.lttricks.core.transform;

import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;

/** Picks the paper's augmentation for a backbone: CIFAR style for the CIFAR layout, ImageNet style otherwise. */
public final class Transforms {
    public static final int IMAGENET_SIZE = 224;
    public static final int IMAGENET_RESIZE = 256;

    private Transforms() {
    }

    public static ImageTransform train(Backbone backbone, LabeledImages images) {
        return train(backbone, images, false);
    }

    /** @param colourJitter ImageNet layouts only: ImageNet-LT's colour jitter */
    public static ImageTransform train(Backbone backbone, LabeledImages images, boolean colourJitter) {
        if (Backbones.isCifarLayout(backbone)) {
            return CifarTransforms.train(requireInMemory(images, backbone));
        }
        return ImageNetTransforms.train(IMAGENET_SIZE, colourJitter);
    }

    public static ImageTransform test(Backbone backbone, LabeledImages images) {
        if (Backbones.isCifarLayout(backbone)) {
            return CifarTransforms.test(requireInMemory(images, backbone));
        }
        return ImageNetTransforms.test(IMAGENET_SIZE, IMAGENET_RESIZE);
    }

    /**
     * The whole image as the network takes it, nothing cropped: CIFAR's test transform (the image
     * is the input), the ImageNet layouts' image resized to 224 x 224. A map computed on it maps
     * back onto the whole original image by a plain resize.
     */
    public static ImageTransform whole(Backbone backbone, LabeledImages images) {
        if (Backbones.isCifarLayout(backbone)) {
            return CifarTransforms.test(requireInMemory(images, backbone));
        }
        return ImageNetTransforms.whole(IMAGENET_SIZE);
    }

    private static InMemoryImages requireInMemory(LabeledImages images, Backbone backbone) {
        if (images instanceof InMemoryImages m) {
            return m;
        }
        throw new IllegalArgumentException(backbone.name() + " expects small images (at most 64 pixels a side,"
                + " e.g. CIFAR's 32x32); these are larger: use an ImageNet-layout backbone such as resnet10 or resnet50");
    }
}
