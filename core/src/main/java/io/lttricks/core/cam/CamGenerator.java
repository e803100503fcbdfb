package io.lttricks.core.cam;

import io.lttricks.core.model.Precision;
import ai.djl.ndarray.NDManager;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.RgbImage;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.transform.Transforms;
import io.lttricks.core.util.Progress;
import io.lttricks.core.util.Seeds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * CAM-based sampling (Zhang et al., Figure 1): for each image to generate, a random training image
 * of the class, its ground-truth class activation map, the foreground (map >= factor * mean), and
 * exactly one transformation of the foreground chosen uniformly: rotation in [-45, 45] degrees with
 * scaling in [0.8, 1.2], translation that keeps the foreground inside the image, or horizontal flip.
 * "ImageTrans" does the same transformations on the whole image, without a map.
 *
 * <p>Generated image k (k = 0, 1, ... over the classes in order) depends only on the seed, k and
 * the model: any range of k can be generated on its own (shards) and gives the same images.
 *
 * <p>Maps are kept at the feature map's resolution and put onto each source image at its own
 * size when the image is made, so images of any size (ImageNet-LT, iNaturalist) get their
 * foreground where the object is. Where the paper's text and the official script differ, the
 * {@link CamPreset} decides: the paper's method computes one map per source image, on the whole
 * image; the official preset computes a new one for every generated image, on a new random training
 * view of its source, quantised to 8 bits before it is resized, as the script.
 */
public final class CamGenerator {

    /**
     * @param thresholdFactor foreground = map >= factor * mean(map); 1.0 as the paper, 0.75 as the official code
     * @param batchSize       images per forward pass
     * @param paste           OVER the untouched original (the paper) or MOVE the object (the official code)
     * @param preset          the paper's method or the official script's (view, box, draws, file format)
     * @param viewJitter      the official preset's view of an ImageNet-layout image: with the colour
     *                        jitter of the data set's training augmentation (ImageNet-LT's config)
     */
    public record Options(CamMethod method, double thresholdFactor, long seed, int batchSize,
                          CamPaste paste, CamPreset preset, boolean viewJitter, Precision precision) {
        public Options(CamMethod method, double thresholdFactor, long seed, int batchSize, CamPaste paste,
                       CamPreset preset) {
            this(method, thresholdFactor, seed, batchSize, paste, preset, false, Precision.FP32);
        }

        public Options {
            if (precision == null) {
                precision = Precision.FP32;
            }
            if (!(thresholdFactor > 0)) {
                throw new IllegalArgumentException("threshold factor must be > 0, got " + thresholdFactor);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1");
            }
        }
    }

    /**
     * One generated image.
     *
     * @param index          k, its position in the whole generation
     * @param source         index of the source image in the training set
     * @param sourceId       the source image's identity (path or official index)
     * @param foregroundPixels size of the source's foreground
     */
    public record Generated(long index, int label, int source, String sourceId, RgbImage image,
                            ForegroundTransform transform, int foregroundPixels, ImageFormat format) {
        /** The image as its file holds it. */
        public byte[] encode() throws IOException {
            return format.encode(image);
        }
    }

    private final LabeledImages train;
    private final int[][] members;
    private final int[] perClass;
    private final long[] offsets;
    private final Options options;
    private final ClassActivationMaps cams;

    /**
     * @param model    the first-stage model (null for ImageTrans, which needs none)
     * @param perClass images to generate per class (see {@link GenerationCounts})
     */
    public CamGenerator(Backbone model, NDManager manager, LabeledImages train, int[] perClass, Options options) {
        this(model == null ? null : maps(model, manager, train, options), train, perClass, options);
        if (options.method() == CamMethod.CAM && model == null) {
            throw new IllegalArgumentException("CAM-based sampling needs the first stage's model");
        }
    }

    /** The maps the preset asks for: of the whole image (paper), or of a training-augmented copy (official). */
    private static ClassActivationMaps maps(Backbone model, NDManager manager, LabeledImages train, Options options) {
        model.usePrecision(options.precision(), manager.getDevice());
        return options.preset() == CamPreset.OFFICIAL
                ? new ClassActivationMaps(model, manager, Transforms.train(model, train, options.viewJitter()), options.seed())
                : new ClassActivationMaps(model, manager, Transforms.whole(model, train));
    }

    CamGenerator(ClassActivationMaps cams, LabeledImages train, int[] perClass, Options options) {
        if (perClass.length != train.numClasses()) {
            throw new IllegalArgumentException("counts for " + perClass.length + " classes, data has " + train.numClasses());
        }
        this.train = train;
        this.perClass = perClass.clone();
        this.options = options;
        this.cams = cams;
        int c = train.numClasses();
        int[] sizes = train.classCounts();
        members = new int[c][];
        for (int k = 0; k < c; k++) {
            members[k] = new int[sizes[k]];
            if (perClass[k] > 0 && sizes[k] == 0) {
                throw new IllegalArgumentException("class " + k + " has no training image to generate from");
            }
        }
        int[] fill = new int[c];
        for (int i = 0; i < train.size(); i++) {
            int l = train.label(i);
            members[l][fill[l]++] = i;
        }
        offsets = new long[c + 1];
        for (int k = 0; k < c; k++) {
            offsets[k + 1] = offsets[k] + perClass[k];
        }
    }

    public long total() {
        return offsets[offsets.length - 1];
    }

    public int[] perClass() {
        return perClass.clone();
    }

    /** The class of generated image k. */
    public int labelOf(long k) {
        int c = Arrays.binarySearch(offsets, k);
        c = c >= 0 ? c : -c - 2;
        while (c + 1 < offsets.length && offsets[c + 1] == k) {
            c++;
        }
        return c;
    }

    /** The training image generated image k is made from. */
    public int sourceOf(long k) {
        int c = labelOf(k);
        return members[c][memberOf(k, c)];
    }

    /** Which of its class's training images (position in the class) generated image k is made from. */
    private int memberOf(long k, int c) {
        return Seeds.stream(options.seed(), "cam-source", k).nextInt(members[c].length);
    }

    /** Generates images {@code from} (inclusive) to {@code to} (exclusive), in order. */
    public List<Generated> generate(long from, long to, Progress progress) throws IOException {
        if (from < 0 || to > total() || from > to) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside [0, " + total() + ")");
        }
        return generate(java.util.stream.LongStream.range(from, to).toArray(), progress);
    }

    /**
     * Shard {@code shard} of {@code shards}, split by source: the images made from the training
     * images at positions j of their class with j mod shards == shard, in index order. Every shard
     * gets about 1/shards of every class and of its sources, so shards cost about the same (a map
     * costs a forward pass per distinct source, and head classes have many sources per generated
     * image, tail classes few), and no source's map is computed by two shards (under the official
     * preset every image has its own map anyway). The images are those the whole-set call makes at
     * the same indices.
     */
    public List<Generated> generateShard(int shard, int shards, Progress progress) throws IOException {
        if (shards < 1 || shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard " + shard + " of " + shards);
        }
        long[] ks = java.util.stream.LongStream.range(0, total())
                .filter(k -> memberOf(k, labelOf(k)) % shards == shard).toArray();
        return generate(ks, progress);
    }

    private List<Generated> generate(long[] ks, Progress progress) throws IOException {
        int n = ks.length;
        int[] labels = new int[n];
        int[] sources = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = labelOf(ks[i]);
            sources[i] = sourceOf(ks[i]);
        }
        Maps maps = maps(ks, sources, progress);
        Generated[] out = new Generated[n];
        try {
            IntStream.range(0, n).parallel().forEach(i -> {
                try {
                    RgbImage img = train.image(sources[i]);
                    out[i] = make(ks[i], labels[i], sources[i], img, foreground(maps, ks[i], sources[i], img));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return Arrays.asList(out);
    }

    /**
     * What went into generated images: the source, its map (null for ImageTrans), its foreground and
     * the result. For previews.
     */
    public record Explained(RgbImage original, float[] cam, boolean[] foreground, Generated generated) {
    }

    /** A source's foreground at its own size, with the map it came from (null for ImageTrans). */
    private record Foreground(boolean[] mask, float[] cam, int[] map8) {
    }

    /** Generates the given images and keeps the intermediate steps. */
    public List<Explained> explain(long[] ks) throws IOException {
        int n = ks.length;
        int[] labels = new int[n];
        int[] sources = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = labelOf(ks[i]);
            sources[i] = sourceOf(ks[i]);
        }
        Maps maps = maps(ks, sources, Progress.SILENT);
        List<Explained> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RgbImage img = train.image(sources[i]);
            Foreground fg = foreground(maps, ks[i], sources[i], img);
            out.add(new Explained(img, fg.cam(), fg.mask(), make(ks[i], labels[i], sources[i], img, fg)));
        }
        return out;
    }

    /**
     * Raw maps (feature-map resolution), keyed by {@link #mapKey}; null for ImageTrans.
     */
    private record Maps(Map<Long, float[]> raw, int height, int width) {
    }

    /**
     * Which map generated image k uses: its source's (the paper's method: one map per source, on the
     * whole image), or its own (the official script: a new random view of the source for every image).
     */
    private long mapKey(long k, int source) {
        return options.preset() == CamPreset.OFFICIAL ? k : source;
    }

    /** The maps the images of a range use, from batched forward passes (each distinct map once). */
    private Maps maps(long[] ks, int[] sources, Progress progress) throws IOException {
        if (options.method() == CamMethod.IMAGE_TRANS) {
            return null;
        }
        Map<Long, Integer> distinct = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ks.length; i++) {
            distinct.putIfAbsent(mapKey(ks[i], sources[i]), sources[i]);
        }
        List<Map.Entry<Long, Integer>> todo = new ArrayList<>(distinct.entrySet());
        Map<Long, float[]> raw = new HashMap<>();
        int bs = options.batchSize();
        int fh = 0;
        int fw = 0;
        for (int start = 0; start < todo.size(); start += bs) {
            int end = Math.min(todo.size(), start + bs);
            int[] idx = new int[end - start];
            int[] cls = new int[end - start];
            long[] keys = new long[end - start];
            for (int j = start; j < end; j++) {
                keys[j - start] = todo.get(j).getKey();
                idx[j - start] = todo.get(j).getValue();
                cls[j - start] = train.label(idx[j - start]);
            }
            ClassActivationMaps.Raw r = cams.raw(train, idx, cls, keys);
            fh = r.height();
            fw = r.width();
            for (int j = 0; j < idx.length; j++) {
                raw.put(keys[j], r.maps()[j]);
            }
            progress.update("class activation maps", end, todo.size(), "img");
        }
        return new Maps(raw, fh, fw);
    }

    /**
     * The foreground of generated image k's source at its own size: its map put onto the image and
     * thresholded (official: the map quantised to 8 bits first, as the script); all of it for ImageTrans.
     */
    private Foreground foreground(Maps maps, long k, int source, RgbImage img) {
        int w = img.width();
        int h = img.height();
        if (maps == null) {
            boolean[] all = new boolean[w * h];
            Arrays.fill(all, true);
            return new Foreground(all, null, null);
        }
        float[] raw = maps.raw().get(mapKey(k, source));
        if (options.preset() == CamPreset.OFFICIAL) {
            int[] map8 = ClassActivationMaps.quantised(raw, maps.height(), maps.width(), w, h);
            float[] cam = new float[map8.length];
            for (int i = 0; i < cam.length; i++) {
                cam[i] = map8[i] / 255f;
            }
            return new Foreground(ClassActivationMaps.foreground(map8, options.thresholdFactor()), cam, map8);
        }
        float[] cam = ClassActivationMaps.onImage(raw, maps.height(), maps.width(), w, h);
        return new Foreground(ClassActivationMaps.foreground(cam, options.thresholdFactor()), cam, null);
    }

    private Generated make(long k, int label, int source, RgbImage img, Foreground foreground) {
        int w = img.width();
        int h = img.height();
        boolean[] fg = foreground.mask();
        SplittableRandom rng = Seeds.stream(options.seed(), "cam-transform", k);
        int choice = rng.nextInt(3);
        boolean official = options.preset() == CamPreset.OFFICIAL;
        boolean imageTrans = options.method() == CamMethod.IMAGE_TRANS;
        // The official script's box is of the map zeroed outside the foreground: its non-zero pixels.
        int[] box = imageTrans ? null : official ? ForegroundTransform.officialBox(nonZero(foreground), w, h)
                : ForegroundTransform.boundingBox(fg, w, h);
        if (box == null) {
            box = new int[] {0, 0, w - 1, h - 1};
        }
        // ImageTrans turns the whole image about its centre (the official code has no ImageTrans).
        double cx = imageTrans ? (w - 1) / 2.0 : (box[0] + box[2]) / 2.0;
        double cy = imageTrans ? (h - 1) / 2.0 : (box[1] + box[3]) / 2.0;
        ForegroundTransform t = switch (choice) {
            case 0 -> official
                    ? new ForegroundTransform.RotateScale(rng.nextInt(-45, 45), rng.nextInt(80, 120) / 100.0, cx, cy)
                    : new ForegroundTransform.RotateScale(-45 + 90 * rng.nextDouble(), 0.8 + 0.4 * rng.nextDouble(), cx, cy);
            case 1 -> imageTrans
                    ? new ForegroundTransform.Translate(rng.nextInt(-w / 8, w / 8 + 1), rng.nextInt(-h / 8, h / 8 + 1))
                    : new ForegroundTransform.Translate(rng.nextInt(-box[0], w - box[2]), rng.nextInt(-box[1], h - box[3]));
            default -> new ForegroundTransform.Flip();
        };
        int fgPixels = 0;
        for (boolean b : fg) {
            if (b) {
                fgPixels++;
            }
        }
        ForegroundTransform.Result r = official ? t.applyOfficial(img, fg, foreground.map8(), options.paste())
                : t.apply(img, fg, options.paste());
        return new Generated(k, label, source, train.id(source), r.image(), t, fgPixels,
                official ? ImageFormat.JPEG : ImageFormat.PNG);
    }

    /** The foreground pixels whose map value is non-zero (all of the foreground without a map). */
    private static boolean[] nonZero(Foreground f) {
        if (f.map8() == null) {
            return f.mask();
        }
        boolean[] m = new boolean[f.mask().length];
        for (int i = 0; i < m.length; i++) {
            m[i] = f.mask()[i] && f.map8()[i] > 0;
        }
        return m;
    }
}
