package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;

/** Images stored as files (JPEG/PNG) under a root directory, decoded on demand. */
public final class FileImages implements LabeledImages {
    private final Path root;
    private final List<String> classNames;
    private final String[] paths;
    private final int[] labels;

    /**
     * @param root       directory the paths are relative to
     * @param classNames class names, index = label
     * @param paths      paths relative to {@code root}, with '/' separators
     * @param labels     label of each image
     */
    public FileImages(Path root, List<String> classNames, String[] paths, int[] labels) {
        if (paths.length != labels.length) {
            throw new IllegalArgumentException("paths and labels differ in length");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("image " + paths[i] + " has label " + labels[i]
                        + " outside 0.." + (classNames.size() - 1));
            }
        }
        this.root = root;
        this.classNames = List.copyOf(classNames);
        this.paths = paths;
        this.labels = labels;
    }

    public Path root() {
        return root;
    }

    public Path path(int index) {
        return root.resolve(paths[index]);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return paths.length;
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
        return paths[index];
    }

    @Override
    public RgbImage image(int index) throws IOException {
        return decode(path(index));
    }

    /**
     * Decodes only the part of image {@code index} that {@code region} chooses from the image's
     * width and height ({x, y, width, height}, inside the image; null for all of it): for random
     * crops, which then cost less than decoding the whole image.
     */
    public RgbImage image(int index, java.util.function.BiFunction<Integer, Integer, int[]> region) throws IOException {
        return ImageDecoder.decode(path(index), region::apply);
    }

    @Override
    public FileImages subset(int[] indices) {
        String[] p = new String[indices.length];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            p[k] = paths[indices[k]];
            l[k] = labels[indices[k]];
        }
        return new FileImages(root, classNames, p, l);
    }

    /**
     * These images followed by {@code more}; images of {@code more} are named by absolute paths
     * (a path that is absolute resolves to itself against any root).
     */
    public FileImages concat(FileImages more) {
        if (!more.classNames.equals(classNames)) {
            throw new IllegalArgumentException("cannot join images of " + more.classNames.size() + " classes to images of "
                    + classNames.size() + " classes with other names");
        }
        String[] p = java.util.Arrays.copyOf(paths, paths.length + more.paths.length);
        int[] l = java.util.Arrays.copyOf(labels, labels.length + more.labels.length);
        for (int i = 0; i < more.paths.length; i++) {
            p[paths.length + i] = more.path(i).toAbsolutePath().toString();
            l[labels.length + i] = more.labels[i];
        }
        return new FileImages(root, classNames, p, l);
    }

    /**
     * Decodes a JPEG or PNG file to RGB, with an error that names the file when it cannot.
     * Greyscale and CMYK JPEGs come out as PIL's {@code convert("RGB")} gives them
     * ({@link ImageDecoder}).
     */
    public static RgbImage decode(Path file) throws IOException {
        return ImageDecoder.decode(file);
    }

    /**
     * Decodes every image into memory. All images must be {@code height x width}; use this for
     * small-image data sets such as CIFAR, where decoding once beats decoding every epoch.
     */
    public InMemoryImages toMemory(int height, int width, int threads, Progress progress) throws IOException {
        int n = size();
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
                            img = image(i);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        if (img.width() != width || img.height() != height) {
                            throw new UncheckedIOException(new IOException("image " + path(i) + " is "
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
        return new InMemoryImages(classNames, height, width, pixels, labels.clone(), paths.clone(), IdKind.PATH);
    }

    static boolean isImageFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return Files.isRegularFile(p)
                && (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png"));
    }
}
