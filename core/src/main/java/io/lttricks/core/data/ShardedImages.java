package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * One split of a {@link ShardSet}, read through a {@link ShardStream}: nothing is read until an
 * image is asked for, and then only its bytes. Identities are the source's paths, so manifests
 * written from the source (or from these images) resolve here.
 */
public final class ShardedImages implements StreamedImages, CroppableImages {
    private final ShardStream stream;
    private final ShardSet.Entries entries;
    /** Which entries, in order; null for all of them. */
    private final int[] base;

    private ShardedImages(ShardStream stream, ShardSet.Entries entries, int[] base) {
        this.stream = stream;
        this.entries = entries;
        this.base = base;
    }

    /** The images of {@code split}. */
    public static ShardedImages open(ShardStream stream, Split split) throws IOException {
        return new ShardedImages(stream, stream.entries(split), null);
    }

    public ShardStream stream() {
        return stream;
    }

    private int at(int index) {
        return base == null ? index : base[index];
    }

    private String name(int index) {
        return stream.describe() + ": " + id(index);
    }

    @Override
    public List<String> classNames() {
        return stream.index().classes();
    }

    @Override
    public int size() {
        return base == null ? entries.size() : base.length;
    }

    @Override
    public int label(int index) {
        return entries.labels()[at(index)];
    }

    @Override
    public IdKind idKind() {
        return IdKind.PATH;
    }

    @Override
    public String id(int index) {
        return entries.ids()[at(index)];
    }

    @Override
    public RgbImage image(int index) throws IOException {
        return ImageDecoder.decode(stream.bytes(entries, at(index)), name(index));
    }

    @Override
    public RgbImage image(int index, BiFunction<Integer, Integer, int[]> region) throws IOException {
        return ImageDecoder.decode(stream.bytes(entries, at(index)), name(index), region::apply);
    }

    @Override
    public ShardedImages subset(int[] indices) {
        int[] b = new int[indices.length];
        for (int k = 0; k < b.length; k++) {
            b[k] = at(indices[k]);
        }
        return new ShardedImages(stream, entries, b);
    }

    private int[] entriesOf(int[] indices) {
        if (base == null) {
            return indices;
        }
        int[] out = new int[indices.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = base[indices[k]];
        }
        return out;
    }

    /**
     * Every image decoded into memory (all {@code height x width}): small images, such as CIFAR's, are
     * read once, a few thousand at a time in merged range reads, and never streamed again.
     */
    public InMemoryImages toMemory(int height, int width, int threads, Progress progress) throws IOException {
        int n = size();
        int bytes = 3 * height * width;
        byte[] pixels = new byte[Math.multiplyExact(n, bytes)];
        int chunk = 4096;
        for (int start = 0; start < n; start += chunk) {
            int[] idx = java.util.stream.IntStream.range(start, Math.min(n, start + chunk)).toArray();
            Fetched part = new Fetched(stream.fetch(entries, entriesOf(idx)), idx);
            InMemoryImages decoded = InMemoryImages.decode(part, height, width, threads, Progress.SILENT);
            System.arraycopy(decoded.pixels(), 0, pixels, start * bytes, decoded.pixels().length);
            progress.update("decode images", start + idx.length, n, "img");
        }
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id(i);
        }
        return new InMemoryImages(classNames(), height, width, pixels, labels(), ids, IdKind.PATH);
    }

    @Override
    public void planEpoch(int[] order) {
        stream.plan(entries, entriesOf(order));
    }

    @Override
    public Future<LabeledImages> prefetch(int[] indices) {
        int[] at = entriesOf(indices);
        Future<byte[][]> bytes = stream.fetchAsync(entries, at);
        return StreamedImages.view(bytes, b -> new Fetched(b, indices));
    }

    /** A batch's images, read: image k is image {@code indices[k]} of the split. */
    private final class Fetched implements CroppableImages {
        private final byte[][] bytes;
        private final int[] indices;

        Fetched(byte[][] bytes, int[] indices) {
            this.bytes = bytes;
            this.indices = indices;
        }

        @Override
        public List<String> classNames() {
            return ShardedImages.this.classNames();
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public int label(int index) {
            return ShardedImages.this.label(indices[index]);
        }

        @Override
        public IdKind idKind() {
            return IdKind.PATH;
        }

        @Override
        public String id(int index) {
            return ShardedImages.this.id(indices[index]);
        }

        @Override
        public RgbImage image(int index) throws IOException {
            return ImageDecoder.decode(bytes[index], name(indices[index]));
        }

        @Override
        public RgbImage image(int index, BiFunction<Integer, Integer, int[]> region) throws IOException {
            return ImageDecoder.decode(bytes[index], name(indices[index]), region::apply);
        }

        @Override
        public LabeledImages subset(int[] sub) {
            throw new UnsupportedOperationException("a fetched batch is read as it is");
        }
    }
}
