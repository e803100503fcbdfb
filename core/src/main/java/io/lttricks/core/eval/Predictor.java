package io.lttricks.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.lttricks.core.data.EncodedImages;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.RgbImage;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.transform.Transforms;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A trained model applied to image files: the top classes of each, with their probabilities (softmax
 * scores; sigmoid scores for models trained with a sigmoid loss, as the evaluation uses). Images go
 * through the model's test transform: CIFAR-layout models take the image resized to 32 x 32, the
 * ImageNet layouts resize the shorter side to 256 and crop the centre 224 x 224. Files and encoded
 * bytes (a request's images) go through one path, so both give the same scores for the same image.
 */
public final class Predictor implements AutoCloseable {
    /** One class and its score. */
    public record Scored(String label, double probability) {
    }

    /** An image's top classes, best first. */
    public record Prediction(String image, List<Scored> top) {
    }

    private final NDManager manager;
    private final Backbone model;
    private final Checkpoint.Meta meta;
    private final boolean sigmoid;

    public Predictor(Path checkpoint, NDManager parent) throws IOException {
        this.manager = parent.newSubManager();
        this.meta = Checkpoint.readMeta(checkpoint);
        this.model = Checkpoint.loadModel(checkpoint, manager);
        this.sigmoid = sigmoidScores(meta);
        usePrecision(meta.plan() != null ? meta.plan().precision() : null);
    }

    /**
     * The precision of the forward passes from now on (where the device runs it natively, else
     * fp32: {@link io.lttricks.core.model.Autocast#effective}); by default the one the checkpoint's
     * stage trained in. Returns the one that runs.
     */
    public io.lttricks.core.model.Precision usePrecision(io.lttricks.core.model.Precision asked) {
        return model.usePrecision(asked, manager.getDevice());
    }

    /** Whether a checkpoint's model is scored with sigmoids (trained with a sigmoid loss), not softmax. */
    public static boolean sigmoidScores(Checkpoint.Meta meta) {
        return meta.plan() != null && meta.plan().loss().create().sigmoid();
    }

    public List<String> classes() {
        return meta.classes();
    }

    /**
     * An image that cannot be decoded (not a JPEG or PNG, truncated, too large), with its position
     * in the list given, so that a caller can say which one; the message is the decoder's.
     */
    public static final class UnreadableImage extends IOException {
        private final int index;

        UnreadableImage(int index, IOException cause) {
            super(cause.getMessage(), cause);
            this.index = index;
        }

        /** The image's position in the list given to {@code predict}, from 0. */
        public int index() {
            return index;
        }
    }

    /** The {@code k} best classes of every image file, in the order given. */
    public List<Prediction> predict(List<Path> images, int k) throws IOException {
        String[] paths = images.stream().map(p -> p.toAbsolutePath().toString()).toArray(String[]::new);
        return predict(new FileImages(Path.of("/"), meta.classes(), paths, new int[paths.length]),
                images.stream().map(Path::toString).toList(), k);
    }

    /**
     * The {@code k} best classes of every encoded image (JPEG or PNG bytes, e.g. sent by a client),
     * in the order given: the same decoding, transform and scores as {@link #predict(List, int)}
     * gives the same bytes in files.
     *
     * @param names what each image is called in its prediction and in errors
     */
    public List<Prediction> predictEncoded(List<byte[]> images, List<String> names, int k) throws IOException {
        return predict(new EncodedImages(meta.classes(), images, names), names, k);
    }

    private List<Prediction> predict(LabeledImages images, List<String> names, int k) throws IOException {
        if (k < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + k);
        }
        LabeledImages input = Backbones.isCifarLayout(model) ? resized(images, meta.inputShape().get(1).intValue(),
                meta.inputShape().get(2).intValue()) : images;
        ImageTransform transform = Transforms.test(model, input);
        io.lttricks.core.train.GradMode.disableOnThisThread();
        List<Prediction> out = new ArrayList<>();
        int per = transform.floatsPerImage();
        for (int start = 0; start < images.size(); start += 64) {
            int n = Math.min(64, images.size() - start);
            float[] x = new float[n * per];
            for (int i = 0; i < n; i++) {
                try {
                    transform.apply(input, start + i, new SplittableRandom(0), x, i * per);
                } catch (IOException e) {
                    throw new UnreadableImage(start + i, e);
                }
            }
            try (NDManager step = manager.newSubManager()) {
                NDArray batch = step.create(FloatBuffer.wrap(x),
                        new Shape(n, transform.channels(), transform.height(), transform.width()));
                NDArray logits = model.forward(new ParameterStore(step, false), new NDList(batch), false).head();
                float[] scores = (sigmoid ? logits.getNDArrayInternal().sigmoid() : logits.softmax(1)).toFloatArray();
                int c = meta.classes().size();
                for (int i = 0; i < n; i++) {
                    int row = i;
                    List<Scored> top = IntStream.range(0, c).boxed()
                            .sorted(Comparator.comparingDouble((Integer j) -> -scores[row * c + j]))
                            .limit(k).map(j -> new Scored(meta.classes().get(j), scores[row * c + j])).toList();
                    out.add(new Prediction(names.get(start + i), top));
                }
            }
        }
        return out;
    }

    /** The images decoded and resized to {@code w} x {@code h} (a CIFAR-layout model's input). */
    private static InMemoryImages resized(LabeledImages files, int h, int w) throws IOException {
        byte[] pixels = new byte[files.size() * 3 * h * w];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage src;
            try {
                src = files.image(i).toBufferedImage();
            } catch (IOException e) {
                throw new UnreadableImage(i, e);
            }
            BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = dst.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
            g.dispose();
            System.arraycopy(RgbImage.from(dst).chw(), 0, pixels, i * 3 * h * w, 3 * h * w);
        }
        String[] ids = new String[files.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = files.id(i);
        }
        return new InMemoryImages(files.classNames(), h, w, pixels, files.labels(), ids, LabeledImages.IdKind.PATH);
    }

    @Override
    public void close() {
        manager.close();
    }
}
