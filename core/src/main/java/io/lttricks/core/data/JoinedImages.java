package io.lttricks.core.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.BiFunction;

/**
 * A streamed training set followed by image files: a CAM stage's generated images joined to a
 * shard set's originals. The originals keep streaming (their epoch plan and read-ahead); the
 * generated images are read from their files as any.
 */
public final class JoinedImages implements StreamedImages, CroppableImages {
    private final ShardedImages first;
    private final FileImages second;
    /** Which images of first-then-second, in order; null for all of them. */
    private final int[] map;

    public JoinedImages(ShardedImages first, FileImages second) {
        this(first, second, null);
        if (!first.classNames().equals(second.classNames())) {
            throw new IllegalArgumentException("cannot join images of " + second.numClasses() + " classes to images of "
                    + first.numClasses() + " classes with other names");
        }
    }

    private JoinedImages(ShardedImages first, FileImages second, int[] map) {
        this.first = first;
        this.second = second;
        this.map = map;
    }

    private int at(int index) {
        return map == null ? index : map[index];
    }

    private CroppableImages part(int global) {
        return global < first.size() ? first : second;
    }

    private int local(int global) {
        return global < first.size() ? global : global - first.size();
    }

    @Override
    public List<String> classNames() {
        return first.classNames();
    }

    @Override
    public int size() {
        return map == null ? first.size() + second.size() : map.length;
    }

    @Override
    public int label(int index) {
        int g = at(index);
        return part(g).label(local(g));
    }

    @Override
    public IdKind idKind() {
        return IdKind.PATH;
    }

    @Override
    public String id(int index) {
        int g = at(index);
        return g < first.size() ? first.id(g) : second.path(local(g)).toAbsolutePath().toString();
    }

    @Override
    public RgbImage image(int index) throws IOException {
        int g = at(index);
        return part(g).image(local(g));
    }

    @Override
    public RgbImage image(int index, BiFunction<Integer, Integer, int[]> region) throws IOException {
        int g = at(index);
        return part(g).image(local(g), region);
    }

    @Override
    public JoinedImages subset(int[] indices) {
        int[] m = new int[indices.length];
        for (int k = 0; k < m.length; k++) {
            m[k] = at(indices[k]);
        }
        return new JoinedImages(first, second, m);
    }

    @Override
    public void planEpoch(int[] order) {
        List<Integer> originals = new ArrayList<>();
        for (int i : order) {
            int g = at(i);
            if (g < first.size()) {
                originals.add(g);
            }
        }
        first.planEpoch(originals.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public Future<LabeledImages> prefetch(int[] indices) {
        int[] globals = new int[indices.length];
        List<Integer> originals = new ArrayList<>();
        for (int k = 0; k < indices.length; k++) {
            globals[k] = at(indices[k]);
            if (globals[k] < first.size()) {
                originals.add(globals[k]);
            }
        }
        Future<LabeledImages> streamed = first.prefetch(originals.stream().mapToInt(Integer::intValue).toArray());
        return StreamedImages.view(streamed, read -> new Batch(globals, (CroppableImages) read));
    }

    /** A batch: its originals already read (in batch order), its generated images read from their files. */
    private final class Batch implements CroppableImages {
        private final int[] globals;
        private final CroppableImages read;
        /** Position in {@code read} of each original of the batch; -1 for a generated image. */
        private final int[] inRead;

        Batch(int[] globals, CroppableImages read) {
            this.globals = globals;
            this.read = read;
            this.inRead = new int[globals.length];
            int j = 0;
            for (int k = 0; k < globals.length; k++) {
                inRead[k] = globals[k] < first.size() ? j++ : -1;
            }
        }

        @Override
        public List<String> classNames() {
            return first.classNames();
        }

        @Override
        public int size() {
            return globals.length;
        }

        @Override
        public int label(int index) {
            return part(globals[index]).label(local(globals[index]));
        }

        @Override
        public IdKind idKind() {
            return IdKind.PATH;
        }

        @Override
        public String id(int index) {
            return inRead[index] >= 0 ? read.id(inRead[index]) : second.id(local(globals[index]));
        }

        @Override
        public RgbImage image(int index) throws IOException {
            return inRead[index] >= 0 ? read.image(inRead[index]) : second.image(local(globals[index]));
        }

        @Override
        public RgbImage image(int index, BiFunction<Integer, Integer, int[]> region) throws IOException {
            return inRead[index] >= 0 ? read.image(inRead[index], region) : second.image(local(globals[index]), region);
        }

        @Override
        public LabeledImages subset(int[] indices) {
            throw new UnsupportedOperationException("a fetched batch is read as it is");
        }
    }
}
