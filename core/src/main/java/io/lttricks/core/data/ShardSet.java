package io.lttricks.core.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A data set stored as shards: uncompressed tar files of encoded images (a few hundred MB each,
 * {@value #INDEX} says which), written once by {@link ShardSetWriter} and read image by image,
 * through a bounded cache, by {@link ShardedImages}. Layout under one directory or storage prefix:
 *
 * <pre>
 *   shards.json              this record: format, class names, every shard's name, size and sha-256
 *   train.tsv.gz, test.tsv.gz one line per image: shard, offset, length, label, identity
 *   train-00000.tar, ...      the shards, images of one class next to one another (class order, then path)
 * </pre>
 *
 * Images sit in class order so that the images a class-aware sampler draws often (the tail
 * classes' few) share a few shards, which the cache then keeps whole. An image's identity is its
 * path in the source (ImageFolder or list file), so manifests of the source resolve against the
 * shard set too. A shard is a valid tar file ({@code tar tf} lists it); an image's offset is that
 * of its bytes inside the shard.
 *
 * @param format  {@value #FORMAT}
 * @param source  what the shards were written from, as given
 * @param classes class names, index = label
 * @param shards  every shard of every split
 * @param splits  per split ({@code train}, {@code test}): its images file and count
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardSet(String format, String source, List<String> classes, List<Shard> shards,
                       Map<String, SplitFile> splits) {

    public static final String FORMAT = "lttricks-shards/1";
    /** The index's name inside a shard set's directory or prefix: what a data set's source names. */
    public static final String INDEX = "shards.json";

    /** One shard: its file name next to the index, its size and sha-256 (hex), and how many images it holds. */
    public record Shard(String name, long bytes, String sha256, int images) {
    }

    /** A split's images file (next to the index) and its number of images. */
    public record SplitFile(String file, int images) {
    }

    /** Where one image lies: shard number (into {@link #shards}), offset and length of its bytes. */
    public record Location(int shard, long offset, int length) {
    }

    /** A split as columns: what {@link ShardedImages} holds in memory (438k images of iNaturalist: about 30 MB). */
    public record Entries(String[] ids, int[] labels, int[] shard, long[] offset, int[] length) {
        public int size() {
            return ids.length;
        }

        public Location location(int i) {
            return new Location(shard[i], offset[i], length[i]);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Whether {@code location} (a path or an s3:// address) names a shard set's index. */
    public static boolean isIndex(String location) {
        return location != null && (location.equals(INDEX) || location.endsWith("/" + INDEX));
    }

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    /** Reads an index, checking what a reader relies on; {@code where} names it in errors. */
    public static ShardSet parse(byte[] json, String where) throws IOException {
        ShardSet s;
        try {
            s = JSON.readValue(json, ShardSet.class);
        } catch (IOException e) {
            throw new IOException(where + " is not a shard set index (" + e.getMessage().lines().findFirst().orElse("")
                    + "); write one with lt dataset shard", e);
        }
        if (!FORMAT.equals(s.format())) {
            throw new IOException(where + " has format '" + s.format() + "', this version reads " + FORMAT);
        }
        if (s.classes() == null || s.classes().isEmpty() || s.shards() == null || s.splits() == null
                || !s.splits().containsKey(Split.TRAIN.dirName)) {
            throw new IOException(where + " lacks classes, shards or a train split");
        }
        return s;
    }

    public int shardNumber(String name) {
        for (int i = 0; i < shards.size(); i++) {
            if (shards.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** A split's images file as written: tab-separated shard, offset, length, label and identity, gzip-compressed. */
    static byte[] entriesFile(Entries e) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
            for (int i = 0; i < e.size(); i++) {
                w.write(e.shard()[i] + "\t" + e.offset()[i] + "\t" + e.length()[i] + "\t" + e.labels()[i] + "\t"
                        + e.ids()[i] + "\n");
            }
        }
        return bytes.toByteArray();
    }

    /** Parses a split's images file, checking every line against this index (shard numbers, ranges, labels). */
    public Entries entries(byte[] gz, String where) throws IOException {
        List<String> ids = new ArrayList<>();
        int cap = 1024;
        int[] labels = new int[cap];
        int[] shard = new int[cap];
        long[] offset = new long[cap];
        int[] length = new int[cap];
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", 5);
                if (f.length != 5) {
                    throw new IOException(where + " line " + (n + 1) + " has " + f.length + " fields, expected 5");
                }
                if (n == cap) {
                    cap *= 2;
                    labels = java.util.Arrays.copyOf(labels, cap);
                    shard = java.util.Arrays.copyOf(shard, cap);
                    offset = java.util.Arrays.copyOf(offset, cap);
                    length = java.util.Arrays.copyOf(length, cap);
                }
                try {
                    shard[n] = Integer.parseInt(f[0]);
                    offset[n] = Long.parseLong(f[1]);
                    length[n] = Integer.parseInt(f[2]);
                    labels[n] = Integer.parseInt(f[3]);
                } catch (NumberFormatException e) {
                    throw new IOException(where + " line " + (n + 1) + ": " + e.getMessage());
                }
                if (shard[n] < 0 || shard[n] >= shards.size() || offset[n] < 0 || length[n] <= 0
                        || offset[n] + length[n] > shards.get(shard[n]).bytes()
                        || labels[n] < 0 || labels[n] >= classes.size()) {
                    throw new IOException(where + " line " + (n + 1) + " points outside its shard or names no class");
                }
                ids.add(f[4]);
                n++;
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(where + " is not gzip-compressed: " + e.getMessage(), e);
        }
        return new Entries(ids.toArray(String[]::new), java.util.Arrays.copyOf(labels, n),
                java.util.Arrays.copyOf(shard, n), java.util.Arrays.copyOf(offset, n), java.util.Arrays.copyOf(length, n));
    }

    /** Total bytes of the shards. */
    public long bytes() {
        return shards.stream().mapToLong(Shard::bytes).sum();
    }
}
