package io.lttricks.core.data;

import java.util.Arrays;
import java.util.List;

/**
 * Fixed-size images held in one byte array (CIFAR: 32x32, 3 KiB an image), so that an epoch of
 * augmentation reads memory only.
 */
public final class InMemoryImages implements LabeledImages {
    private final List<String> classNames;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final int[] labels;
    private final String[] ids;
    private final IdKind idKind;

    public InMemoryImages(List<String> classNames, int height, int width, byte[] pixels, int[] labels,
                          String[] ids, IdKind idKind) {
        if (pixels.length != (long) labels.length * 3 * height * width || ids.length != labels.length) {
            throw new IllegalArgumentException("pixels, labels and ids disagree on the number of images");
        }
        for (int label : labels) {
            if (label < 0 || label >= classNames.size()) {
                throw new IllegalArgumentException("label " + label + " outside 0.." + (classNames.size() - 1));
            }
        }
        this.classNames = List.copyOf(classNames);
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
        this.ids = ids;
        this.idKind = idKind;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Bytes per image (3 * height * width). */
    public int imageBytes() {
        return 3 * height * width;
    }

    /** The backing array; image {@code i} starts at {@code i * imageBytes()}. Do not modify. */
    public byte[] pixels() {
        return pixels;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public IdKind idKind() {
        return idKind;
    }

    @Override
    public String id(int index) {
        return ids[index];
    }

    @Override
    public RgbImage image(int index) {
        int n = imageBytes();
        return new RgbImage(width, height, Arrays.copyOfRange(pixels, index * n, (index + 1) * n));
    }

    /** These images followed by {@code more} (same classes and size). */
    public InMemoryImages concat(InMemoryImages more) {
        if (!more.classNames.equals(classNames) || more.height != height || more.width != width) {
            throw new IllegalArgumentException("cannot join " + more.width + "x" + more.height + " images of classes "
                    + more.classNames + " to " + width + "x" + height + " images of classes " + classNames);
        }
        byte[] px = java.util.Arrays.copyOf(pixels, pixels.length + more.pixels.length);
        System.arraycopy(more.pixels, 0, px, pixels.length, more.pixels.length);
        int[] lb = java.util.Arrays.copyOf(labels, labels.length + more.labels.length);
        System.arraycopy(more.labels, 0, lb, labels.length, more.labels.length);
        String[] id = java.util.Arrays.copyOf(ids, ids.length + more.ids.length);
        System.arraycopy(more.ids, 0, id, ids.length, more.ids.length);
        return new InMemoryImages(classNames, height, width, px, lb, id,
                idKind == more.idKind ? idKind : IdKind.PATH);
    }

    @Override
    public InMemoryImages subset(int[] indices) {
        int n = imageBytes();
        byte[] px = new byte[indices.length * n];
        int[] lb = new int[indices.length];
        String[] id = new String[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * n, px, k * n, n);
            lb[k] = labels[indices[k]];
            id[k] = ids[indices[k]];
        }
        return new InMemoryImages(classNames, height, width, px, lb, id, idKind);
    }
}
