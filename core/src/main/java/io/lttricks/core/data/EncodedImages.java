package io.lttricks.core.data;

import java.io.IOException;
import java.util.List;

/**
 * Encoded images (JPEG/PNG bytes) held in memory, decoded on demand exactly as {@link FileImages}
 * decodes the same bytes from files: images that arrive in a request rather than as files. Each
 * has a name (what a client called it) for its identity and for error messages.
 */
public final class EncodedImages implements LabeledImages {
    private final List<String> classNames;
    private final List<byte[]> encoded;
    private final List<String> names;
    private final int[] labels;

    public EncodedImages(List<String> classNames, List<byte[]> encoded, List<String> names, int[] labels) {
        if (encoded.size() != names.size() || names.size() != labels.length) {
            throw new IllegalArgumentException("images, names and labels differ in length");
        }
        this.classNames = List.copyOf(classNames);
        this.encoded = List.copyOf(encoded);
        this.names = List.copyOf(names);
        this.labels = labels.clone();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return encoded.size();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public IdKind idKind() {
        return IdKind.PATH;
    }

    @Override
    public String id(int index) {
        return names.get(index);
    }

    @Override
    public RgbImage image(int index) throws IOException {
        return ImageDecoder.decode(encoded.get(index), names.get(index));
    }

    @Override
    public EncodedImages subset(int[] indices) {
        byte[][] e = new byte[indices.length][];
        String[] n = new String[indices.length];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            e[k] = encoded.get(indices[k]);
            n[k] = names.get(indices[k]);
            l[k] = labels[indices[k]];
        }
        return new EncodedImages(classNames, List.of(e), List.of(n), l);
    }
}
