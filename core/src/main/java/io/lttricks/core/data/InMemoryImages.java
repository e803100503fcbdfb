package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

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

    /**
     * Decodes every image of {@code images} into memory on {@code threads} threads. All images must be
     * {@code height x width}: for small-image data sets such as CIFAR, where decoding once beats
     * decoding every epoch.
     */
    static InMemoryImages decode(LabeledImages images, int height, int width, int threads, Progress progress)
            throws IOException {
        int n = images.size();
        int bytes = 3 * height * width;
        byte[] pixels = new byte[Math.multiplyExact(n, bytes)];
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "lt-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            int chunk = Math.max(64, n / (threads * 8) + 1);
            for (int start = 0; start < n; start += chunk) {
                int from = start;
                int to = Math.min(n, start + chunk);
                futures.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        RgbImage img;
                        try {
                            img = images.image(i);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        if (img.width() != width || img.height() != height) {
                            throw new UncheckedIOException(new IOException("image " + images.id(i) + " is "
                                    + img.width() + "x" + img.height() + ", expected " + width + "x" + height));
                        }
                        System.arraycopy(img.chw(), 0, pixels, i * bytes, bytes);
                        long d = done.incrementAndGet();
                        if (d % 2000 == 0 && d < n) {
                            progress.update("decode images", d, n, "img");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("decoding failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decoding images", e);
        } finally {
            pool.shutdownNow();
        }
        progress.update("decode images", n, n, "img");
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = images.id(i);
        }
        return new InMemoryImages(images.classNames(), height, width, pixels, images.labels(), ids, images.idKind());
    }
}
