package io.lttricks.core.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reader for the official CIFAR-10 and CIFAR-100 binary distributions, from the downloaded
 * {@code .tar.gz} or its extracted directory.
 *
 * <p>CIFAR-10 records are 1 label byte then 3,072 pixel bytes (the R, G and B planes, 32x32
 * row-major); CIFAR-100 records carry a coarse and a fine label byte first (the fine label is the
 * class). Image identities are their indices in the official order: training batches 1..5
 * concatenated, or the test batch.
 */
public final class CifarBinary {
    public static final int SIZE = 32;
    public static final int PIXELS = 3 * SIZE * SIZE;

    /** The two variants and their file layouts. */
    public enum Variant {
        CIFAR10(10, 1, List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                "data_batch_4.bin", "data_batch_5.bin"), "test_batch.bin", "batches.meta.txt",
                "cifar-10-batches-bin", "cifar-10-binary.tar.gz",
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                "c32a1d4ab5d03f1284b67883e8d87530", 170_052_171L),
        CIFAR100(100, 2, List.of("train.bin"), "test.bin", "fine_label_names.txt",
                "cifar-100-binary", "cifar-100-binary.tar.gz",
                "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                "03b5dce01913d631647c71ecec9e9cb8", 168_513_733L);

        public final int numClasses;
        final int labelBytes;
        final List<String> trainFiles;
        final String testFile;
        final String namesFile;
        public final String directoryName;
        public final String archiveName;
        public final String url;
        public final String md5;
        public final long archiveBytes;

        Variant(int numClasses, int labelBytes, List<String> trainFiles, String testFile, String namesFile,
                String directoryName, String archiveName, String url, String md5, long archiveBytes) {
            this.numClasses = numClasses;
            this.labelBytes = labelBytes;
            this.trainFiles = trainFiles;
            this.testFile = testFile;
            this.namesFile = namesFile;
            this.directoryName = directoryName;
            this.archiveName = archiveName;
            this.url = url;
            this.md5 = md5;
            this.archiveBytes = archiveBytes;
        }

        @Override
        public String toString() {
            return this == CIFAR10 ? "CIFAR-10" : "CIFAR-100";
        }

        /** The variant a recipe's data set name means ({@code cifar10}, {@code cifar100}, any case); null for another. */
        public static Variant named(String datasetName) {
            return switch (datasetName == null ? "" : datasetName.toLowerCase(java.util.Locale.ROOT)) {
                case "cifar10" -> CIFAR10;
                case "cifar100" -> CIFAR100;
                default -> null;
            };
        }

        /** The ImageFolder copy's name: a directory, or with {@code .tar.gz} an archive ({@code cifar-10-jpeg}). */
        public String jpegName() {
            return this == CIFAR10 ? "cifar-10-jpeg" : "cifar-100-jpeg";
        }

        int recordBytes() {
            return labelBytes + PIXELS;
        }

        List<String> files(Split split) {
            return split == Split.TRAIN ? trainFiles : List.of(testFile);
        }
    }

    private CifarBinary() {
    }

    /** Reads one split from an extracted directory or from the {@code .tar.gz} archive itself. */
    public static InMemoryImages read(Path source, Variant variant, Split split) throws IOException {
        Map<String, byte[]> files = Archives.isTarGz(source)
                ? fromArchive(source, variant, split)
                : fromDirectory(source, variant, split);
        List<String> names = parseNames(files.get(variant.namesFile), variant);
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (String f : variant.files(split)) {
            byte[] data = files.get(f);
            if (data == null) {
                throw new IOException(source + " has no " + f + ": not a complete " + variant.archiveName);
            }
            if (data.length % variant.recordBytes() != 0) {
                throw new IOException(f + " in " + source + " is " + data.length + " bytes, not a whole number of "
                        + variant.recordBytes() + "-byte " + variant + " records: the file is damaged");
            }
            records.writeBytes(data);
        }
        return decode(records.toByteArray(), variant, names);
    }

    static InMemoryImages decode(byte[] records, Variant variant, List<String> names) throws IOException {
        int n = records.length / variant.recordBytes();
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            int off = i * variant.recordBytes();
            int label = records[off + variant.labelBytes - 1] & 0xff;
            if (label >= variant.numClasses) {
                throw new IOException("record " + i + " has label " + label + ", but " + variant + " has only "
                        + variant.numClasses + " classes (0.." + (variant.numClasses - 1)
                        + "): the file is damaged or of another variant");
            }
            labels[i] = label;
            ids[i] = Integer.toString(i);
            System.arraycopy(records, off + variant.labelBytes, pixels, i * PIXELS, PIXELS);
        }
        return new InMemoryImages(names, SIZE, SIZE, pixels, labels, ids, LabeledImages.IdKind.INDEX);
    }

    private static Map<String, byte[]> fromDirectory(Path source, Variant variant, Split split) throws IOException {
        Path dir = source;
        if (!Files.exists(dir.resolve(variant.files(split).get(0))) && Files.isDirectory(dir.resolve(variant.directoryName))) {
            dir = dir.resolve(variant.directoryName);
        }
        Map<String, byte[]> out = new HashMap<>();
        for (String f : variant.files(split)) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) {
                throw new IOException("missing " + p + ": expected the extracted " + variant.archiveName
                        + " (" + variant.directoryName + "/)");
            }
            checkSize(f, Files.size(p), variant, p.toString());
            out.put(f, Files.readAllBytes(p));
        }
        Path names = dir.resolve(variant.namesFile);
        if (Files.isRegularFile(names)) {
            checkSize(variant.namesFile, Files.size(names), variant, names.toString());
            out.put(variant.namesFile, Files.readAllBytes(names));
        }
        return out;
    }

    private static Map<String, byte[]> fromArchive(Path archive, Variant variant, Split split) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        List<String> wanted = new java.util.ArrayList<>(variant.files(split));
        wanted.add(variant.namesFile);
        try (TarArchiveInputStream tar = Archives.openTarGz(archive)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!Archives.isRegularFile(e)) {
                    continue;
                }
                String base = Path.of(e.getName()).getFileName().toString();
                if (wanted.contains(base)) {
                    checkSize(base, e.getSize(), variant, e.getName() + " in " + archive);
                    out.put(base, readAll(tar));
                }
            }
        } catch (IOException e) {
            throw Archives.damaged(archive, e);
        }
        return out;
    }

    /** Records in one CIFAR file at most: CIFAR-100's train.bin holds 50,000, every other file 10,000. */
    static final int MAX_RECORDS_PER_FILE = 50_000;
    /** The class-names file is a few hundred bytes. */
    static final long MAX_NAMES_BYTES = 1 << 20;

    /**
     * Refuses a file larger than any CIFAR file before it is read into memory: a hostile or wrong
     * archive would otherwise exhaust the heap (and take a service down with it).
     */
    static void checkSize(String file, long bytes, Variant variant, String where) throws IOException {
        long max = file.equals(variant.namesFile) ? MAX_NAMES_BYTES : (long) MAX_RECORDS_PER_FILE * variant.recordBytes();
        if (bytes > max) {
            throw new IOException(where + " is " + bytes + " bytes; a " + variant + " file has at most " + max
                    + (file.equals(variant.namesFile) ? "" : " (" + MAX_RECORDS_PER_FILE + " records)")
                    + ": not a " + variant.archiveName + " file");
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    private static List<String> parseNames(byte[] text, Variant variant) {
        if (text == null) {
            return defaultNames(variant);
        }
        List<String> names = Arrays.stream(new String(text, StandardCharsets.UTF_8).split("\\R"))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        return names.size() == variant.numClasses ? names : defaultNames(variant);
    }

    static List<String> defaultNames(Variant variant) {
        if (variant == Variant.CIFAR10) {
            return List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
        }
        return java.util.stream.IntStream.range(0, variant.numClasses).mapToObj(i -> "class_" + i).toList();
    }
}
