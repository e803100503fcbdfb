package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Images stored as files (JPEG/PNG) under a root directory, decoded on demand. */
public final class FileImages implements CroppableImages {
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

    @Override
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
        return InMemoryImages.decode(this, height, width, threads, progress);
    }

    static boolean isImageFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return Files.isRegularFile(p)
                && (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png"));
    }
}
