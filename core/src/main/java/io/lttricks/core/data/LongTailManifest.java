package io.lttricks.core.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The long-tailed training set as a file: class names, per-class counts and every selected
 * image's identity, so that another run (or another service) trains on exactly these images.
 *
 * @param format     {@value #FORMAT}
 * @param dataset    the data set's name (cifar10, cifar100, imagefolder, ...)
 * @param source     where the images came from, as given
 * @param profile    long-tail profile kind, or "none" when the source is used as it is
 * @param imbalance  the imbalance factor n_max / n_min asked for
 * @param seed       the numpy seed of the selection
 * @param classes    class names, index = label
 * @param counts     images per class in the subset
 * @param images     the images in subset order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LongTailManifest(
        String format,
        String dataset,
        String source,
        String profile,
        Double imbalance,
        Long seed,
        List<String> classes,
        int[] counts,
        List<Entry> images) {

    public static final String FORMAT = "lttricks-lt-manifest/1";

    /**
     * One image: {@code path} relative to the source root (file-based sources) or {@code index}
     * in the official order (CIFAR binaries), and its label.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String path, Integer index, int label) {
        String id() {
            return path != null ? path : String.valueOf(index);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Describes {@code subset} (already selected) as a manifest. */
    public static LongTailManifest of(String dataset, String source, LongTailProfile profile, Long seed,
                                      LabeledImages subset) {
        List<Entry> entries = new ArrayList<>(subset.size());
        boolean byIndex = subset.idKind() == LabeledImages.IdKind.INDEX;
        for (int i = 0; i < subset.size(); i++) {
            entries.add(byIndex ? new Entry(null, Integer.parseInt(subset.id(i)), subset.label(i))
                    : new Entry(subset.id(i), null, subset.label(i)));
        }
        return new LongTailManifest(FORMAT, dataset, source,
                profile == null ? "none" : profile.kind(), profile == null ? null : profile.imbalance(), seed,
                subset.classNames(), subset.classCounts(), entries);
    }

    /** The images of {@code source} this manifest names, in manifest order. */
    public LabeledImages resolve(LabeledImages source) throws IOException {
        if (!source.classNames().equals(classes)) {
            // Counts and a position, never the names: a file's content is not quoted in messages.
            throw new IOException("the manifest's " + classes.size() + " classes do not match the source's "
                    + source.classNames().size() + (classes.size() == source.classNames().size()
                            ? " (the first difference is at class " + firstDifference(classes, source.classNames()) + ")"
                            : "") + ": the manifest was made from another data set");
        }
        Map<String, Integer> byId = new HashMap<>(source.size() * 2);
        for (int i = 0; i < source.size(); i++) {
            byId.put(source.id(i), i);
        }
        int[] indices = new int[images.size()];
        for (int k = 0; k < indices.length; k++) {
            Entry e = images.get(k);
            Integer i = byId.get(e.id());
            if (i == null) {
                throw new IOException("the manifest's image " + (k + 1) + " of " + indices.length + " is not in the"
                        + " source: the manifest was made from another copy of the data set");
            }
            if (source.label(i) != e.label()) {
                throw new IOException("the manifest's image " + (k + 1) + " of " + indices.length + " has label "
                        + e.label() + " but " + source.label(i) + " in the source");
            }
            indices[k] = i;
        }
        return source.subset(indices);
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A manifest at most (a million images take about 80 MB). */
    static final long MAX_BYTES = 512L << 20;

    /**
     * Reads a manifest. A file that is not one is named with the place the parser stopped, never with
     * the parser's message: that quotes the file (the word it stumbled on), and a manifest may be any
     * file a client of the services named.
     */
    public static LongTailManifest read(Path file) throws IOException {
        ListFile.checkSize(file, MAX_BYTES, "a manifest", "one entry an image");
        LongTailManifest m;
        try {
            m = JSON.readValue(file.toFile(), LongTailManifest.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IOException("cannot read manifest " + file + ": it is not JSON of the form lttricks writes"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                    + "; make one with 'lt dataset lt'", e);
        }
        if (!FORMAT.equals(m.format())) {
            throw new IOException(file + " is not an lttricks long-tail manifest (format '" + m.format()
                    + "', expected '" + FORMAT + "')");
        }
        return m;
    }

    @JsonProperty("total")
    public int total() {
        return images.size();
    }

    private static int firstDifference(List<String> a, List<String> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        return i;
    }
}
