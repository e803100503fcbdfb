package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.util.Progress;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data files that are wrong or hostile: what the readers do with them (docs/RELIABILITY.md lists them). */
class BadDataFilesTest {
    @TempDir
    Path tmp;

    private String oldCache;

    @BeforeEach
    void isolateTheCache() {
        oldCache = System.getProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
        System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, tmp.resolve("cache").toString());
    }

    @AfterEach
    void restoreTheCache() {
        if (oldCache == null) {
            System.clearProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
        } else {
            System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, oldCache);
        }
    }

    /** A PNG whose header claims {@code width} x {@code height} (and no real pixel data). */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeBytes("IHDR");
        d.writeInt(width);
        d.writeInt(height);
        d.write(new byte[] {8, 2, 0, 0, 0});
        DataOutputStream o = new DataOutputStream(out);
        o.writeInt(13);
        o.write(ihdr.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(ihdr.toByteArray());
        o.writeInt((int) crc.getValue());
        return out.toByteArray();
    }

    /** A header may claim any size: decoding 100,000 x 100,000 pixels would need 40 GB at once. */
    @Test
    void aHugeImageIsRefusedFromItsHeader() throws IOException {
        Path png = Files.write(tmp.resolve("huge.png"), pngHeader(100_000, 100_000));
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(png));
        assertTrue(e.getMessage().contains("100000 x 100000 pixels") && e.getMessage().contains("huge.png"), e.getMessage());
    }

    /** Archive entries that climb out, and links: the first refuses the archive, links are not extracted. */
    @Test
    void archivesNeitherEscapeNorFollowLinks() throws IOException {
        Path climbing = tmp.resolve("climbing.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(climbing)))) {
            file(tar, "set/train/a/0.jpg", "x");
            file(tar, "set/../../../escaped.txt", "pwned");
        }
        IOException e = assertThrows(IOException.class, () -> Archives.extractOnce(climbing, Progress.SILENT));
        assertTrue(e.getMessage().contains("escapes the target directory"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escaped.txt")));
        try (var walk = Files.walk(tmp)) {
            assertTrue(walk.noneMatch(p -> p.getFileName().toString().equals("escaped.txt")));
        }

        Path links = tmp.resolve("links.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(links)))) {
            file(tar, "set/train/a/0.jpg", "x");
            TarArchiveEntry sym = new TarArchiveEntry("set/train/a/passwd.jpg", TarArchiveEntry.LF_SYMLINK);
            sym.setLinkName("/etc/passwd");
            tar.putArchiveEntry(sym);
            tar.closeArchiveEntry();
            TarArchiveEntry hard = new TarArchiveEntry("set/train/a/hard.jpg", TarArchiveEntry.LF_LINK);
            hard.setLinkName("/etc/passwd");
            tar.putArchiveEntry(hard);
            tar.closeArchiveEntry();
        }
        Path dir = Archives.extractOnce(links, Progress.SILENT);
        try (var list = Files.list(dir.resolve("set/train/a"))) {
            assertEquals(List.of("0.jpg"), list.map(p -> p.getFileName().toString()).toList(), "links are skipped");
        }
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    /** A file named .tar.gz that is not gzip, and one cut short: named, and said what is wrong. */
    @Test
    void archivesThatAreNotWhatTheirNameSaysAreNamed() throws IOException {
        Path notGzip = Files.writeString(tmp.resolve("a.tar.gz"), "plain text");
        IOException e = assertThrows(IOException.class, () -> Archives.extractOnce(notGzip, Progress.SILENT));
        assertTrue(e.getMessage().contains(notGzip.toString()) && e.getMessage().contains("gzip"), e.getMessage());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            byte[] big = new byte[200_000];
            new java.util.Random(1).nextBytes(big);
            TarArchiveEntry en = new TarArchiveEntry("cifar-10-batches-bin/data_batch_1.bin");
            en.setSize(big.length);
            tar.putArchiveEntry(en);
            tar.write(big);
            tar.closeArchiveEntry();
        }
        byte[] whole = bytes.toByteArray();
        Path cut = Files.write(tmp.resolve("cifar-10-binary.tar.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        IOException t = assertThrows(IOException.class,
                () -> CifarBinary.read(cut, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(t.getMessage().contains(cut.toString()) && t.getMessage().contains("truncated"), t.getMessage());
    }

    /** CIFAR records whose label is out of range are refused, not folded into a class. */
    @Test
    void cifarLabelsOutOfRangeAreRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar"));
        byte[] records = new byte[3073 * 10];
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records);
        }
        records[3073 * 4] = 10;
        Files.write(dir.resolve("data_batch_2.bin"), records);
        IOException e = assertThrows(IOException.class, () -> CifarBinary.read(dir, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(e.getMessage().contains("label 10") && e.getMessage().contains("0..9"), e.getMessage());
    }

    /** List files: paths stay under the root; errors say the line number and what is wrong, never the line. */
    @Test
    void listFilesStayUnderTheirRootAndAreNeverQuoted() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        for (String line : List.of("../../../etc/passwd 0", "/etc/passwd 0", "a/../../b.jpg 0",
                "root:x:0:0:root:/root:/bin/bash", "secret-token-abc 1x")) {
            Path list = Files.writeString(tmp.resolve("list.txt"), "ok.jpg 0\n" + line + "\n");
            IOException e = assertThrows(IOException.class, () -> ListFile.open(list, root, null), line);
            assertTrue(e.getMessage().contains("list.txt:2: "), e.getMessage());
            assertFalse(e.getMessage().contains("etc/passwd") || e.getMessage().contains("root:x")
                    || e.getMessage().contains("secret-token"), e.getMessage());
        }
    }

    /** Issue 13 item 11: a long tail that would leave a class with no image is refused, naming it. */
    @Test
    void aLongTailThatEmptiesAClassIsRefused() {
        int[] labels = new int[30];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LongTailSubset.select(labels, 3,
                new LongTailProfile.Exponential(100), 0, List.of("cat", "dog", "emu")));
        assertTrue(e.getMessage().contains("1 of 3 classes would keep no training image at imbalance 100")
                && e.getMessage().contains("'emu' (label 2, 10 in the source)") && e.getMessage().contains("at most 10"),
                e.getMessage());
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class, () -> LongTailSubset.select(
                new int[] {0, 0, 1, 1}, 3, new LongTailProfile.Exponential(1), 0, List.of("cat", "dog", "emu")));
        assertTrue(absent.getMessage().contains("class 'emu' (label 2) of the source has no training images"),
                absent.getMessage());
        assertArrayEquals(new int[] {10, 3, 1}, LongTailSubset.select(labels, 3, new LongTailProfile.Exponential(10), 0)
                .counts(), "IF = n_max still keeps one image");
    }

    /**
     * RELIABILITY row 29: a class with no training image and no long tail (a label no line of the
     * training list uses) is refused when the training set is built, naming it; it was a local
     * warning only, which the services never showed.
     */
    @Test
    void aClassWithNoTrainingImageIsRefusedWithoutALongTailToo() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("gap"));
        Path names = Files.writeString(root.resolve("names.txt"), "cat\ndog\nemu\n");
        Path train = Files.writeString(root.resolve("train.txt"), "a.png 0\nb.png 2\nc.png 0\n");
        Path test = Files.writeString(root.resolve("test.txt"), "d.png 0\ne.png 1\n");
        DatasetSpec spec = new DatasetSpec("list", root.toString(), null, null, null, null, null, train.toString(),
                test.toString(), names.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Datasets(tmp, false, Progress.SILENT).load(spec));
        assertTrue(e.getMessage().startsWith("class 'dog' (label 1) has no training images")
                && e.getMessage().contains("add images, or remove the class"), e.getMessage());
    }

    /**
     * RELIABILITY row 48: a label far beyond any data set's classes is refused by its line before
     * anything is sized by it (a label of two billion asked for arrays of two billion classes, more
     * than the heap); the test list may not use a label the training list does not reach.
     */
    @Test
    void labelsBeyondTheClassesAreRefusedByTheirLine() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("labels"));
        for (String label : new String[] {"2000000000", "2147483647", "100000"}) {
            Path list = Files.writeString(root.resolve("train.txt"), "a.png 0\nb.png " + label + "\n");
            IOException e = assertThrows(IOException.class, () -> ListFile.open(list, root, null), label);
            assertEquals(list + ":2: label " + label + " is beyond the 100000 classes a data set may have (iNaturalist"
                    + " 2018 has 8,142); labels number the classes 0, 1, 2, ...", e.getMessage());
        }
        Path names = Files.writeString(root.resolve("names.txt"), "x\n".repeat(100_001));
        Path one = Files.writeString(root.resolve("train.txt"), "a.png 0\n");
        IOException many = assertThrows(IOException.class, () -> ListFile.open(one, root, names));
        assertEquals("class names file " + names + " has 100001 names, more than the 100000 classes a data set may"
                + " have (one name a line)", many.getMessage());
        Path two = Files.writeString(root.resolve("two.txt"), "cat\ndog\n");
        Path three = Files.writeString(root.resolve("train.txt"), "a.png 0\nb.png 2\n");
        IOException beyond = assertThrows(IOException.class, () -> ListFile.open(three, root, two));
        assertEquals("class names file " + two + " has 2 names but the list uses labels up to 2", beyond.getMessage());
        assertEquals(99_999, ListFile.open(Files.writeString(root.resolve("train.txt"), "a.png 99999\n"), root, null)
                .labels()[0], "the largest label allowed");

        Path train = Files.writeString(root.resolve("train.txt"), "a.png 0\nb.png 1\n");
        Path test = Files.writeString(root.resolve("test.txt"), "c.png 0\nd.png 2\n");
        DatasetSpec spec = new DatasetSpec("list", root.toString(), null, null, null, null, null, train.toString(),
                test.toString(), null);
        IOException e = assertThrows(IOException.class, () -> new Datasets(tmp, false, Progress.SILENT).load(spec));
        assertEquals("the test list uses labels up to 2 but the training list only up to 1", e.getMessage());
    }

    /**
     * A decompression bomb (64 MiB of zeros in a 64 KiB archive) stops at the ratio limit, leaving no
     * partial tree; the same archive stops at the free-space limit when the disk is "full".
     */
    @Test
    void aDecompressionBombStopsAtItsLimitsAndLeavesNothingBehind() throws IOException {
        Path bomb = tmp.resolve("bomb.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(bomb)))) {
            TarArchiveEntry e = new TarArchiveEntry("train/cat/0.png");
            e.setSize(64L << 20);
            tar.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                tar.write(zeros);
            }
            tar.closeArchiveEntry();
        }
        assertTrue(Files.size(bomb) < 1 << 20, "small: " + Files.size(bomb));
        IOException ratio = assertThrows(Archives.LimitException.class, () -> Archives.extractOnce(bomb, Progress.SILENT,
                new Archives.Limits(100, 8L << 20, 0, 1000)));
        assertTrue(ratio.getMessage().contains("expands more than 100 times its size")
                && ratio.getMessage().contains("decompression bomb"), ratio.getMessage());
        Path extracted = tmp.resolve("cache").resolve("extracted");
        try (var left = Files.list(extracted)) {
            assertEquals(List.of(), left.toList(), "no partial tree");
        }

        IOException full = assertThrows(Archives.LimitException.class, () -> Archives.extractOnce(bomb, Progress.SILENT,
                new Archives.Limits(1e9, 1L << 40, Long.MAX_VALUE, 1000)));
        assertTrue(full.getMessage().contains("would fill the disk") && full.getMessage().contains("LT_CACHE_DIR"),
                full.getMessage());

        Archives.Limits defaults = Archives.Limits.DEFAULT;
        assertTrue(defaults.maxRatio() >= 50 && defaults.maxEntries() >= 2_000_000,
                "the defaults let real data sets through (ImageNet: 1.3 million JPEGs, ratio about 1)");
    }

    /** A CIFAR batch larger than any CIFAR file is refused by its size, before it is read into memory. */
    @Test
    void aHugeCifarBatchIsRefusedBeforeItIsRead() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar-10-batches-bin"));
        for (String f : new String[] {"data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}) {
            Files.write(dir.resolve(f), new byte[3073]);
        }
        try (java.io.RandomAccessFile huge = new java.io.RandomAccessFile(dir.resolve("data_batch_1.bin").toFile(), "rw")) {
            huge.setLength(8L << 30);   // sparse: 8 GiB on paper, nothing on disk
        }
        IOException e = assertThrows(IOException.class, () -> CifarBinary.read(dir, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_1.bin is 8589934592 bytes; a CIFAR-10 file has at most 153650000 "
                + "(50000 records)"), e.getMessage());
    }

    /** A list file larger than any list file is refused by its size before a line is read. */
    @Test
    void aHugeListFileIsRefusedBeforeItIsRead() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("images"));
        Path list = tmp.resolve("train.txt");
        try (java.io.RandomAccessFile huge = new java.io.RandomAccessFile(list.toFile(), "rw")) {
            huge.setLength(4L << 30);   // sparse: 4 GiB on paper
        }
        IOException e = assertThrows(IOException.class, () -> ListFile.open(list, root, null));
        assertTrue(e.getMessage().contains("train.txt is 4294967296 bytes; a list file holds at most 536870912"),
                e.getMessage());
    }

    /** Five CIFAR-10 training batches of {@code perBatch} records, labels 0..9 in turn, into {@code dir}. */
    static Path cifarBatches(Path dir, int perBatch) throws IOException {
        Files.createDirectories(dir);
        for (int b = 1; b <= 5; b++) {
            byte[] records = new byte[3073 * perBatch];
            for (int r = 0; r < perBatch; r++) {
                records[3073 * r] = (byte) (r % 10);
            }
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records);
        }
        return dir;
    }

    /** RELIABILITY row 42: a CIFAR copy without one of its batches is named as incomplete, with the missing file. */
    @Test
    void aCifarCopyWithoutOneOfItsBatchesIsNamedIncomplete() throws IOException {
        Path dir = cifarBatches(tmp.resolve("cifar"), 10);
        Files.delete(dir.resolve("data_batch_3.bin"));
        Path archive = tmp.resolve("cifar-10-binary.tar.gz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(archive)))) {
            for (int b : new int[] {1, 2, 4, 5}) {
                byte[] batch = Files.readAllBytes(dir.resolve("data_batch_" + b + ".bin"));
                TarArchiveEntry en = new TarArchiveEntry("cifar-10-batches-bin/data_batch_" + b + ".bin");
                en.setSize(batch.length);
                tar.putArchiveEntry(en);
                tar.write(batch);
                tar.closeArchiveEntry();
            }
        }
        IOException e = assertThrows(IOException.class,
                () -> CifarBinary.read(archive, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(e.getMessage().contains("has no data_batch_3.bin: not a complete cifar-10-binary.tar.gz"),
                e.getMessage());
        IOException extracted = assertThrows(IOException.class,
                () -> CifarBinary.read(dir, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(extracted.getMessage().startsWith("missing " + dir.resolve("data_batch_3.bin"))
                && extracted.getMessage().contains("cifar-10-batches-bin/"), extracted.getMessage());
    }

    /** RELIABILITY row 45: a file of an ImageFolder tree that is not an image is named when it is decoded. */
    @Test
    void aFileThatIsNotAnImageIsNamed() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.jpg"), "shopping list, not pixels");
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(text));
        assertTrue(e.getMessage().startsWith("not a readable image (JPEG or PNG expected): ")
                && e.getMessage().contains("notes.jpg"), e.getMessage());
        assertFalse(e.getMessage().contains("shopping"), "no content quoted: " + e.getMessage());
    }

    /**
     * RELIABILITY row 49: a manifest from another copy of the data set (an image the source lacks), or one whose
     * label disagrees with the source, is refused naming the image's place in the manifest (never its content), never silently trained on.
     */
    @Test
    void aManifestThatDoesNotMatchItsSourceIsRefused() throws IOException {
        InMemoryImages source = CifarBinary.read(cifarBatches(tmp.resolve("cifar"), 10), CifarBinary.Variant.CIFAR10,
                Split.TRAIN);
        List<String> names = source.classNames();
        int[] counts = new int[10];
        counts[3] = 1;
        LongTailManifest elsewhere = new LongTailManifest(LongTailManifest.FORMAT, "cifar10", null, "none", null, null,
                names, counts, List.of(new LongTailManifest.Entry(null, 50_000, 3)));
        IOException e = assertThrows(IOException.class, () -> elsewhere.resolve(source));
        assertTrue(e.getMessage().startsWith("the manifest's image 1 of 1 is not in the source"), e.getMessage());
        LongTailManifest relabelled = new LongTailManifest(LongTailManifest.FORMAT, "cifar10", null, "none", null, null,
                names, counts, List.of(new LongTailManifest.Entry(null, 4, 3)));
        IOException wrong = assertThrows(IOException.class, () -> relabelled.resolve(source));
        assertEquals("the manifest's image 1 of 1 has label 3 but 4 in the source", wrong.getMessage());
        assertEquals(1, new LongTailManifest(LongTailManifest.FORMAT, "cifar10", null, "none", null, null, names, counts,
                List.of(new LongTailManifest.Entry(null, 3, 3))).resolve(source).size(), "a matching one resolves");
    }

    /** RELIABILITY row 50: a JSON file that is not a manifest is named as such, with the format it lacks. */
    @Test
    void aJsonFileThatIsNotAManifestIsNamed() throws IOException {
        Path other = Files.writeString(tmp.resolve("package.json"), "{\"name\": \"left-pad\", \"version\": \"1.3.0\"}");
        IOException e = assertThrows(IOException.class, () -> LongTailManifest.read(other));
        assertTrue(e.getMessage().endsWith("package.json is not an lttricks long-tail manifest (format 'null', expected '"
                + LongTailManifest.FORMAT + "')"), e.getMessage());
        Path notJson = Files.writeString(tmp.resolve("m.json"), "images: [1, 2");
        IOException broken = assertThrows(IOException.class, () -> LongTailManifest.read(notJson));
        assertTrue(broken.getMessage().startsWith("cannot read manifest " + notJson), broken.getMessage());
    }

    /**
     * A file named as a manifest that is not JSON, or JSON of another shape, is reported by the place
     * the parser stopped, never with the parser's own message: that quoted the file ("Unrecognized
     * token 'hunter2'"), and a client of the services may name any file it can reach.
     */
    @Test
    void aManifestThatIsNotOneIsReportedWithoutItsContent() throws IOException {
        String[] contents = {"hunter2:x:0:0:root:/root:/bin/bash\n", "{\"format\": [\"hunter2\"]}",
            "{\"images\": [{\"index\": \"hunter2\"}]}", "\n\n  {\"hunter2\": "};
        for (String content : contents) {
            Path file = Files.writeString(tmp.resolve("secret.txt"), content);
            IOException e = assertThrows(IOException.class, () -> LongTailManifest.read(file), content);
            assertTrue(e.getMessage().startsWith("cannot read manifest " + file + ": it is not JSON of the form lttricks"
                    + " writes (line "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; make one with 'lt dataset lt'"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("root"), e.getMessage());
        }
        Path file = Files.writeString(tmp.resolve("secret.txt"), contents[3]);
        assertTrue(assertThrows(IOException.class, () -> LongTailManifest.read(file)).getMessage()
                .contains("(line 3, column "), "the place: the third line");
        Path huge = tmp.resolve("huge.json");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(LongTailManifest.MAX_BYTES + 1);
        }
        IOException big = assertThrows(IOException.class, () -> LongTailManifest.read(huge));
        assertTrue(big.getMessage().contains("huge.json is 536870913 bytes; a manifest holds at most 536870912"),
                big.getMessage());
    }
}
