package io.lttricks.core.data;

import java.io.IOException;
import java.util.List;

/**
 * Encoded images (JPEG/PNG bytes) held in memory, decoded on demand exactly as {@link FileImages}
 * decodes the same bytes from files: images that arrive in a request rather than as files, to be
 * classified, so without labels (every label is 0). Each has a name (what a client called it) for
 * its identity and for error messages.
 */
public final class EncodedImages implements LabeledImages {
    private final List<String> classNames;
    private final List<byte[]> encoded;
    private final List<String> names;

    public EncodedImages(List<String> classNames, List<byte[]> encoded, List<String> names) {
        if (encoded.size() != names.size()) {
            throw new IllegalArgumentException(encoded.size() + " images but " + names.size() + " names");
        }
        this.classNames = List.copyOf(classNames);
        this.encoded = List.copyOf(encoded);
        this.names = List.copyOf(names);
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
        return 0;
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
        for (int k = 0; k < indices.length; k++) {
            e[k] = encoded.get(indices[k]);
            n[k] = names.get(indices[k]);
        }
        return new EncodedImages(classNames, List.of(e), List.of(n));
    }
}
