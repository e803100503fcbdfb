package io.lttricks.core.train;

import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.StreamedImages;
import io.lttricks.core.mixup.MixPlan;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.util.Seeds;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import io.lttricks.core.transform.ImageTransform;

/**
 * Prepares batches off the training thread: decoding, augmentation, input mixup and soft targets.
 *
 * <p>Batch b of an epoch draws its randomness from {@code Seeds.stream(seed, purpose, epoch, b)},
 * so the batches are the same whatever the number of worker threads or their timing, and a resumed
 * run sees the batches an uninterrupted one would. Up to {@code prefetch} batches are prepared ahead,
 * and at least one per thread: each batch is built by one thread, so fewer would leave threads idle.
 *
 * <p>Images that stream from storage ({@link StreamedImages}) learn the epoch's order first, and each
 * batch's bytes are read when the batch is queued, so reading overlaps the decoding of the batches
 * before it; twice as many batches are then queued ahead, and at least six.
 */
public final class BatchLoader implements AutoCloseable {

    /**
     * One batch.
     *
     * @param images  size * C * H * W floats, NCHW
     * @param labels  each image's own label
     * @param targets size * numClasses soft labels (mixed when mixup is on)
     * @param mix     the mixup draw, or null; input mixup is already applied to {@code images}
     */
    public record Batch(int index, int size, float[] images, int[] labels, float[] targets, MixPlan mix) {
    }

    private final LabeledImages data;
    private final int[] order;
    private final int batchSize;
    private final int batches;
    private final ImageTransform transform;
    private final Mixup mixup;
    private final int numClasses;
    private final long seed;
    private final String purpose;
    private final int epoch;
    private final boolean augment;
    private final ExecutorService pool;
    private final Deque<Future<Batch>> pending = new ArrayDeque<>();
    private final int prefetch;
    private int submitted;
    private int taken;

    /**
     * An epoch of training batches: the last incomplete batch dropped (as the official code),
     * augmentation and mixup drawn from {@code Seeds.stream(seed, purpose, epoch, batch)}.
     *
     * @param order image indices in visiting order
     */
    public static BatchLoader training(LabeledImages data, int[] order, int batchSize, ImageTransform transform,
                                       Mixup mixup, long seed, String purpose, int epoch, int threads) {
        if (data instanceof StreamedImages streamed) {
            streamed.planEpoch(order);
        }
        return new BatchLoader(data, order, batchSize, true, transform, mixup, data.numClasses(), seed, purpose, epoch,
                true, threads, 4);
    }

    /** Every image of {@code data} once, in order, unaugmented; the last batch may be smaller. */
    public static BatchLoader evaluation(LabeledImages data, int batchSize, ImageTransform transform, int threads) {
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return new BatchLoader(data, order, batchSize, false, transform, Mixup.OFF, data.numClasses(), 0, "eval", 0,
                false, threads, 3);
    }

    private BatchLoader(LabeledImages data, int[] order, int batchSize, boolean dropLast, ImageTransform transform,
                        Mixup mixup, int numClasses, long seed, String purpose, int epoch, boolean augment,
                        int threads, int prefetch) {
        this.data = data;
        this.order = order;
        this.batchSize = batchSize;
        this.batches = dropLast ? order.length / batchSize : (order.length + batchSize - 1) / batchSize;
        this.transform = transform;
        this.mixup = mixup == null ? Mixup.OFF : mixup;
        this.numClasses = numClasses;
        this.seed = seed;
        this.purpose = purpose;
        this.epoch = epoch;
        this.augment = augment;
        int ahead = Math.max(Math.max(1, prefetch), threads);
        this.prefetch = data instanceof StreamedImages ? Math.max(6, 2 * ahead) : ahead;
        this.pool = threads < 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "lt-batches");
            t.setDaemon(true);
            return t;
        });
        fill();
    }

    public int batches() {
        return batches;
    }

    public boolean hasNext() {
        return taken < batches;
    }

    /** The next batch, in order; blocks until it is ready (built here, on the caller's thread, with 0 threads). */
    public Batch next() throws IOException {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (pool == null) {
            int b = taken++;
            return build(b, fetch(b));
        }
        Future<Batch> f = pending.removeFirst();
        taken++;
        fill();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("preparing a batch failed: " + c, c);
        }
    }

    private void fill() {
        while (pool != null && submitted < batches && pending.size() < prefetch) {
            int b = submitted++;
            Future<LabeledImages> fetched = fetch(b);
            pending.addLast(pool.submit(() -> build(b, fetched)));
        }
    }

    /** Batch b's images read ahead, when they stream; null otherwise. */
    private Future<LabeledImages> fetch(int b) {
        if (!(data instanceof StreamedImages streamed)) {
            return null;
        }
        int from = b * batchSize;
        int size = Math.min(batchSize, order.length - from);
        return streamed.prefetch(java.util.Arrays.copyOfRange(order, from, from + size));
    }

    private Batch build(int b, Future<LabeledImages> fetched) throws IOException {
        int from = b * batchSize;
        int size = Math.min(batchSize, order.length - from);
        int per = transform.floatsPerImage();
        float[] x = new float[size * per];
        int[] labels = new int[size];
        SplittableRandom rng = Seeds.stream(seed, purpose, epoch, b);
        SplittableRandom fixed = new SplittableRandom(0);
        LabeledImages images = fetched == null ? data : await(fetched);
        for (int k = 0; k < size; k++) {
            int idx = fetched == null ? order[from + k] : k;
            labels[k] = images.label(idx);
            transform.apply(images, idx, augment ? rng : fixed, x, k * per);
        }
        MixPlan plan = null;
        if (mixup.enabled()) {
            plan = mixup.draw(size, rng);
            if (!mixup.manifold()) {
                x = Mixup.mixInputs(x, per, plan);
            }
        }
        return new Batch(b, size, x, labels, Mixup.targets(labels, numClasses, plan), plan);
    }

    private static LabeledImages await(Future<LabeledImages> fetched) throws IOException {
        try {
            return fetched.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading a batch's images", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                    : new IOException("reading a batch's images failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        pending.forEach(f -> f.cancel(true));
        pending.clear();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
