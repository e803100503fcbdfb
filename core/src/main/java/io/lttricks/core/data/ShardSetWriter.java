package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Writes a data set's files as a {@link ShardSet}: each split's images in class order (then by
 * path), packed into tar shards of at most {@code shardBytes} (one image larger than that gets a
 * shard of its own), each shard handed to a {@link Sink} as soon as it is complete, so that the
 * local disk holds one shard at a time whatever the data set's size. The index goes last: a
 * reader that finds {@value ShardSet#INDEX} finds every shard it names.
 */
public final class ShardSetWriter {

    /** Where finished files go: a directory, or object storage. */
    public interface Sink {
        /** Takes {@code file} (which the writer deletes afterwards) as {@code name}. */
        void put(String name, Path file) throws IOException;

        void put(String name, byte[] bytes) throws IOException;
    }

    /** Default shard size: 256 MiB, large enough for few objects, small enough for any cache of a few GiB. */
    public static final long DEFAULT_SHARD_BYTES = 256L << 20;

    private final long shardBytes;
    private final Path scratch;
    private final Progress progress;

    /**
     * @param shardBytes largest shard (bytes)
     * @param scratch    directory for the shard being written
     */
    public ShardSetWriter(long shardBytes, Path scratch, Progress progress) {
        if (shardBytes < 4096) {
            throw new IllegalArgumentException("a shard of " + shardBytes + " bytes is too small: give at least 4 KiB");
        }
        this.shardBytes = shardBytes;
        this.scratch = scratch;
        this.progress = progress;
    }

    /** A sink that moves files into {@code dir}. */
    public static Sink directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new Sink() {
            @Override
            public void put(String name, Path file) throws IOException {
                Files.move(file, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public void put(String name, byte[] bytes) throws IOException {
                Path tmp = Files.createTempFile(dir, name + ".", ".part");
                Files.write(tmp, bytes);
                Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        };
    }

    /** Writes the splits (train first; test may be null) and returns the index written. */
    public ShardSet write(FileImages train, FileImages test, String source, Sink sink) throws IOException {
        if (test != null && !test.classNames().equals(train.classNames())) {
            throw new IOException("the test split's classes differ from the training split's");
        }
        Files.createDirectories(scratch);
        List<ShardSet.Shard> shards = new ArrayList<>();
        Map<String, ShardSet.SplitFile> splits = new LinkedHashMap<>();
        writeSplit(Split.TRAIN.dirName, train, shards, splits, sink);
        if (test != null) {
            writeSplit(Split.TEST.dirName, test, shards, splits, sink);
        }
        ShardSet index = new ShardSet(ShardSet.FORMAT, source, train.classNames(), shards, splits);
        sink.put(ShardSet.INDEX, index.toJson());
        return index;
    }

    private void writeSplit(String split, FileImages images, List<ShardSet.Shard> shards,
                            Map<String, ShardSet.SplitFile> splits, Sink sink) throws IOException {
        int n = images.size();
        int[] order = IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingInt(images::label).thenComparing(images::id))
                .mapToInt(Integer::intValue).toArray();
        String[] ids = new String[n];
        int[] labels = new int[n];
        int[] shardOf = new int[n];
        long[] offsets = new long[n];
        int[] lengths = new int[n];
        Tar tar = null;
        int inShard = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            String id = images.id(i);
            if (id.indexOf('\t') >= 0 || id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
                throw new IOException("image path " + id.replaceAll("[\t\r\n]", "?") + " holds a tab or line break;"
                        + " rename it before sharding");
            }
            byte[] bytes = Files.readAllBytes(images.path(i));
            if (tar != null && tar.size() + 512 + padded(bytes.length) + 1024 > shardBytes && inShard > 0) {
                shards.add(tar.finish(sink));
                tar = null;
            }
            if (tar == null) {
                tar = new Tar(String.format(Locale.ROOT, "%s-%05d.tar", split, shards.size()));
                inShard = 0;
            }
            String member = String.format(Locale.ROOT, "%05d/%08d%s", images.label(i), k, extension(id));
            offsets[k] = tar.add(member, bytes);
            ids[k] = id;
            labels[k] = images.label(i);
            shardOf[k] = shards.size();
            lengths[k] = bytes.length;
            inShard++;
            if ((k + 1) % 2000 == 0 || k + 1 == n) {
                progress.update("shard " + split, k + 1, n, "img");
            }
        }
        if (tar != null) {
            shards.add(tar.finish(sink));
        }
        String file = split + ".tsv.gz";
        sink.put(file, ShardSet.entriesFile(new ShardSet.Entries(ids, labels, shardOf, offsets, lengths)));
        splits.put(split, new ShardSet.SplitFile(file, n));
    }

    private static String extension(String id) {
        int dot = id.lastIndexOf('.');
        int slash = id.lastIndexOf('/');
        String ext = dot > slash ? id.substring(dot).toLowerCase(Locale.ROOT) : "";
        return ext.matches("\\.[a-z0-9]{1,5}") ? ext : ".img";
    }

    private static long padded(long size) {
        return (size + 511) / 512 * 512;
    }

    /** One shard being written: a plain ustar file, its sha-256 computed as it goes. */
    private final class Tar {
        private final String name;
        private final Path file;
        private final MessageDigest sha;
        private final OutputStream out;
        private long size;
        private int images;

        Tar(String name) throws IOException {
            this.name = name;
            this.file = Files.createTempFile(scratch, name + ".", ".part");
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            this.out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20), sha);
        }

        long size() {
            return size;
        }

        /** Appends a member; returns the offset of its bytes. */
        long add(String member, byte[] bytes) throws IOException {
            out.write(header(member, bytes.length));
            long offset = size + 512;
            out.write(bytes);
            int pad = (int) (padded(bytes.length) - bytes.length);
            out.write(new byte[pad]);
            size = offset + bytes.length + pad;
            images++;
            return offset;
        }

        ShardSet.Shard finish(Sink sink) throws IOException {
            out.write(new byte[1024]); // the end-of-archive marker: two zero blocks
            size += 1024;
            out.close();
            try {
                sink.put(name, file);
            } finally {
                Files.deleteIfExists(file);
            }
            return new ShardSet.Shard(name, size, HexFormat.of().formatHex(sha.digest()), images);
        }
    }

    /** A ustar header for a regular file of {@code size} bytes named {@code name} (ASCII, at most 100 characters). */
    static byte[] header(String name, long size) {
        byte[] h = new byte[512];
        put(h, 0, name, 100);
        put(h, 100, "0000644", 8);
        put(h, 108, "0000000", 8);
        put(h, 116, "0000000", 8);
        put(h, 124, String.format(Locale.ROOT, "%011o", size), 12);
        put(h, 136, String.format(Locale.ROOT, "%011o", 0), 12);
        h[156] = '0';
        put(h, 257, "ustar", 6);
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format(Locale.ROOT, "%06o", sum), 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int at, String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length > max) {
            throw new IllegalArgumentException("tar field '" + s + "' longer than " + max);
        }
        System.arraycopy(b, 0, h, at, b.length);
    }
}
