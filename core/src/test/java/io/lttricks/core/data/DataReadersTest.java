package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.util.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataReadersTest {
    @TempDir
    Path tmp;

    /** A CIFAR-10 style batch: record i has label i % 10 and every pixel byte equal to i. */
    static byte[] cifar10Batch(int first, int n) {
        byte[] out = new byte[n * 3073];
        for (int k = 0; k < n; k++) {
            int i = first + k;
            out[k * 3073] = (byte) (i % 10);
            java.util.Arrays.fill(out, k * 3073 + 1, (k + 1) * 3073, (byte) i);
        }
        return out;
    }

    Path writeCifar10Dir() throws IOException {
        Path dir = tmp.resolve("cifar-10-batches-bin");
        Files.createDirectories(dir);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), cifar10Batch((b - 1) * 20, 20));
        }
        Files.write(dir.resolve("test_batch.bin"), cifar10Batch(0, 30));
        Files.writeString(dir.resolve("batches.meta.txt"),
                "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        return dir;
    }

    static void tarGz(Path root, Path archive) throws IOException {
        try (OutputStream out = Files.newOutputStream(archive);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            try (var walk = Files.walk(root)) {
                for (Path p : walk.sorted().toList()) {
                    String name = root.getParent().relativize(p).toString().replace('\\', '/');
                    TarArchiveEntry e = new TarArchiveEntry(p.toFile(), Files.isDirectory(p) ? name + "/" : name);
                    tar.putArchiveEntry(e);
                    if (Files.isRegularFile(p)) {
                        Files.copy(p, tar);
                    }
                    tar.closeArchiveEntry();
                }
            }
        }
    }

    @Test
    void readsCifar10BinariesFromDirectoryAndArchive() throws IOException {
        Path dir = writeCifar10Dir();
        Path archive = tmp.resolve("cifar-10-binary.tar.gz");
        tarGz(dir, archive);
        for (Path source : new Path[] {dir, tmp, archive}) {
            InMemoryImages train = CifarBinary.read(source, CifarBinary.Variant.CIFAR10, Split.TRAIN);
            assertEquals(100, train.size());
            assertEquals("truck", train.classNames().get(9));
            for (int i = 0; i < 100; i++) {
                assertEquals(i % 10, train.label(i));
                assertEquals(String.valueOf(i), train.id(i));
                assertEquals(i, train.image(i).get(2, 31, 31));
            }
            assertEquals(30, CifarBinary.read(source, CifarBinary.Variant.CIFAR10, Split.TEST).size());
        }
    }

    @Test
    void readsCifar100FineLabels() throws IOException {
        Path dir = tmp.resolve("cifar-100-binary");
        Files.createDirectories(dir);
        byte[] rec = new byte[3 * 3074];
        for (int i = 0; i < 3; i++) {
            rec[i * 3074] = (byte) 7;          // coarse
            rec[i * 3074 + 1] = (byte) (90 + i); // fine
        }
        Files.write(dir.resolve("train.bin"), rec);
        Files.write(dir.resolve("test.bin"), rec);
        InMemoryImages imgs = CifarBinary.read(dir, CifarBinary.Variant.CIFAR100, Split.TRAIN);
        assertArrayEquals(new int[] {90, 91, 92}, imgs.labels());
        assertEquals(100, imgs.numClasses());
    }

    @Test
    void damagedBinaryIsReportedNotMisread() throws IOException {
        Path dir = writeCifar10Dir();
        Files.write(dir.resolve("data_batch_3.bin"), new byte[3073 * 2 + 5]);
        IOException e = assertThrows(IOException.class, () -> CifarBinary.read(dir, CifarBinary.Variant.CIFAR10, Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_3.bin"), e.getMessage());
    }

    static void png(Path file, int rgb, int size) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void imageFolderOrdersClassesAndFilesByName() throws IOException {
        Path root = tmp.resolve("set/train");
        png(root.resolve("zebra/b.png"), 0x010203, 8);
        png(root.resolve("zebra/a.png"), 0x040506, 8);
        png(root.resolve("ant/x/1.png"), 0x070809, 8);
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        FileImages imgs = ImageFolder.open(root);
        assertEquals(List.of("ant", "zebra"), imgs.classNames());
        assertEquals(List.of("ant/x/1.png", "zebra/a.png", "zebra/b.png"),
                List.of(imgs.id(0), imgs.id(1), imgs.id(2)));
        assertArrayEquals(new int[] {0, 1, 1}, imgs.labels());
        RgbImage a = imgs.image(1);
        assertEquals(4, a.get(0, 0, 0));
        assertEquals(6, a.get(2, 7, 7));
        InMemoryImages mem = imgs.toMemory(8, 8, 2, Progress.SILENT);
        assertEquals(9, mem.image(0).get(2, 3, 3));

        Files.writeString(root.resolve(ImageFolder.CLASSES_FILE), "zebra\nant\n");
        FileImages ordered = ImageFolder.open(root);
        assertEquals(List.of("zebra", "ant"), ordered.classNames());
        assertEquals(0, ordered.label(0));
    }

    @Test
    void imageFolderArchiveIsExtractedOnceIntoTheCache() throws Exception {
        Path root = tmp.resolve("mini/train");
        png(root.resolve("a/0.png"), 0x112233, 4);
        png(root.resolve("b/0.png"), 0x445566, 4);
        png(tmp.resolve("mini/test/a/0.png"), 0x112233, 4);
        png(tmp.resolve("mini/test/b/0.png"), 0x445566, 4);
        Path archive = tmp.resolve("mini.tar.gz");
        tarGz(tmp.resolve("mini"), archive);
        Path cache = tmp.resolve("cache");
        Path first = withCache(cache, () -> Archives.extractOnce(archive, Progress.SILENT));
        Path marker = first.resolve("marker");
        Files.writeString(marker, "x");
        Path second = withCache(cache, () -> Archives.extractOnce(archive, Progress.SILENT));
        assertEquals(first, second);
        assertTrue(Files.exists(marker), "second call must reuse the extracted tree");
        FileImages train = new Datasets(tmp, false, Progress.SILENT).openImageFolder(second, Split.TRAIN);
        assertEquals(List.of("a", "b"), train.classNames());
    }

    @Test
    void listFilesParseAndReportBadLinesByNumber() throws IOException {
        Path root = tmp.resolve("imgs");
        Path list = tmp.resolve("train.txt");
        Files.writeString(list, "# ImageNet-LT style\ntrain/n01/a.JPEG 0\ntrain/n02/b.JPEG 2\n\ntrain/n01/c.JPEG 0\n",
                StandardCharsets.UTF_8);
        Files.createDirectories(root);
        FileImages imgs = ListFile.open(list, root, null);
        assertEquals(3, imgs.size());
        assertEquals(List.of("n01", "1", "n02"), imgs.classNames());
        assertArrayEquals(new int[] {2, 0, 1}, imgs.classCounts());
        Files.writeString(list, "a.jpg 0\nb.jpg x\n");
        IOException e = assertThrows(IOException.class, () -> ListFile.open(list, root, null));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
    }

    @Test
    void manifestRoundTripsAndResolvesTheSameImages() throws IOException {
        Path dir = writeCifar10Dir();
        InMemoryImages train = CifarBinary.read(dir, CifarBinary.Variant.CIFAR10, Split.TRAIN);
        LongTailSubset.Selection sel = LongTailSubset.select(train.labels(), 10, new LongTailProfile.Exponential(10), 0);
        LabeledImages subset = train.subset(sel.indices());
        LongTailManifest m = LongTailManifest.of("cifar10", dir.toString(), new LongTailProfile.Exponential(10), 0L, subset);
        Path file = tmp.resolve("m.json");
        m.write(file);
        LongTailManifest back = LongTailManifest.read(file);
        assertArrayEquals(sel.counts(), back.counts());
        assertEquals(subset.size(), back.total());
        LabeledImages again = back.resolve(train);
        for (int i = 0; i < subset.size(); i++) {
            assertEquals(subset.id(i), again.id(i));
        }
        assertTrue(Files.readString(file).contains("\"index\""));
        Files.writeString(file, "{\"format\": \"something-else\"}");
        assertThrows(IOException.class, () -> LongTailManifest.read(file));
    }

    @Test
    void missingCifarOfflineSaysWhereToPutIt() {
        Datasets ds = new Datasets(tmp.resolve("empty"), false, Progress.SILENT);
        IOException e = assertThrows(IOException.class, () -> ds.load(DatasetSpec.cifar10(100)));
        assertTrue(e.getMessage().contains("cifar-10-binary.tar.gz") && e.getMessage().contains("--data-dir"),
                e.getMessage());
    }

    interface IoCall<T> {
        T call() throws Exception;
    }

    /** Runs with LT_CACHE_DIR pointing at {@code cache} (via a system property fallback). */
    static <T> T withCache(Path cache, IoCall<T> call) throws Exception {
        String old = System.getProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
        System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, cache.toString());
        try {
            return call.call();
        } finally {
            if (old == null) {
                System.clearProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, old);
            }
        }
    }
}
