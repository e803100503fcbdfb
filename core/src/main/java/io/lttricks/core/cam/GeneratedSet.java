package io.lttricks.core.cam;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.ImageFolder;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * Generated images as a data set on disk: PNG files in an ImageFolder layout
 * ({@code <class>/<k>.png}, with {@code classes.txt}) and {@code generated.json}, which names for
 * each image its source image, class, transformation and parameters. The file of image k is a
 * function of k alone, so shards written separately form one set, and writing an image twice
 * writes the same bytes.
 */
public final class GeneratedSet {
    public static final String FORMAT = "lttricks-generated-set/1";
    public static final String MANIFEST = "generated.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private GeneratedSet() {
    }

    /** One generated image in the manifest. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(long index, String path, int label, String source, ForegroundTransform transform,
                        int foregroundPixels) {
    }

    /**
     * The manifest.
     *
     * @param method          cam or image_trans
     * @param preset          paper or official (null in sets written before presets)
     * @param thresholdFactor foreground threshold factor
     * @param paste           over (the paper) or move (the official code)
     * @param checkpoint      the model the maps came from
     * @param perClass        images generated per class
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Manifest(String format, String method, String preset, double thresholdFactor, String paste, long seed,
                           String checkpoint,
                           List<String> classes, int[] perClass, List<Entry> images) {
    }

    /** The directory name of a class: its name with unsafe characters replaced. */
    public static String classDir(List<String> classes, int label) {
        String name = classes.get(label).replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.startsWith(".") ? "class_" + label : name;
    }

    /** Where generated image k lies in a set: its class's directory, its index, the format's extension. */
    public static String relativePath(List<String> classes, CamGenerator.Generated g) {
        return classDir(classes, g.label()) + "/" + String.format(Locale.ROOT, "%08d.%s", g.index(),
                g.format().extension());
    }

    /** Writes the images in their format (PNG, or the official preset's JPEG), in parallel; returns their entries. */
    public static List<Entry> writeImages(Path dir, List<String> classes, List<CamGenerator.Generated> images,
                                          Progress progress) throws IOException {
        List<Entry> entries = new ArrayList<>(images.size());
        for (CamGenerator.Generated g : images) {
            entries.add(new Entry(g.index(), relativePath(classes, g), g.label(), g.sourceId(),
                    g.transform(), g.foregroundPixels()));
        }
        for (int c = 0; c < classes.size(); c++) {
            Files.createDirectories(dir.resolve(classDir(classes, c)));
        }
        AtomicLong done = new AtomicLong();
        try {
            java.util.stream.IntStream.range(0, images.size()).parallel().forEach(i -> {
                Path file = dir.resolve(entries.get(i).path());
                try {
                    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                    Files.write(tmp, images.get(i).encode());
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                long d = done.incrementAndGet();
                if (d % 2000 == 0 && d < images.size()) {
                    progress.update("write images", d, images.size(), "img");
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        progress.update("write images", images.size(), images.size(), "img");
        return entries;
    }

    public static void writeManifest(Path dir, Manifest manifest) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, MANIFEST, ".tmp");
        JSON.writeValue(tmp.toFile(), manifest);
        Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(dir.resolve(ImageFolder.CLASSES_FILE), classDirs(manifest.classes()), StandardCharsets.UTF_8);
    }

    private static String classDirs(List<String> classes) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < classes.size(); c++) {
            sb.append(classDir(classes, c)).append('\n');
        }
        return sb.toString();
    }

    public static Manifest read(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + " holds no generated set (no " + MANIFEST + "): run 'lt cam generate' first");
        }
        Manifest m = JSON.readValue(file.toFile(), Manifest.class);
        if (!FORMAT.equals(m.format())) {
            throw new IOException(file + " has format '" + m.format() + "', expected '" + FORMAT + "'");
        }
        return m;
    }

    /** The generated images as a labelled image set (paths relative to {@code dir}). */
    public static FileImages images(Path dir) throws IOException {
        Manifest m = read(dir);
        String[] paths = new String[m.images().size()];
        int[] labels = new int[paths.length];
        for (int i = 0; i < paths.length; i++) {
            Entry e = m.images().get(i);
            paths[i] = e.path();
            labels[i] = e.label();
            if (!Files.isRegularFile(dir.resolve(e.path()))) {
                throw new IOException("generated image " + e.path() + " listed in " + MANIFEST + " is missing from " + dir);
            }
        }
        return new FileImages(dir, m.classes(), paths, labels);
    }
}
