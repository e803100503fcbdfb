package io.lttricks.platform.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** CIFAR-10 in its binary format, of noise: for tests of what reads data sets. */
public final class TestData {
    private TestData() {
    }

    /** {@code n} records of 3073 bytes, record k labelled k % 10. */
    public static byte[] cifarRecords(int n, Random r) {
        byte[] data = new byte[n * 3073];
        r.nextBytes(data);
        for (int k = 0; k < n; k++) {
            data[k * 3073] = (byte) (k % 10);
        }
        return data;
    }

    /** The six batch files' names and contents: {@code perClass} training images a class, 2 test images a class. */
    private static byte[][] batches(int perClass, Random r) {
        byte[][] out = new byte[6][];
        for (int b = 0; b < 6; b++) {
            out[b] = cifarRecords(b < 5 ? perClass * 10 / 5 : 20, r);
        }
        return out;
    }

    private static String batchName(int b) {
        return b < 5 ? "data_batch_" + (b + 1) + ".bin" : "test_batch.bin";
    }

    /** An extracted cifar-10-batches-bin directory at {@code dir}. */
    public static Path cifarDir(Path dir, int perClass) throws IOException {
        Files.createDirectories(dir);
        byte[][] batches = batches(perClass, new Random(3));
        for (int b = 0; b < batches.length; b++) {
            Files.write(dir.resolve(batchName(b)), batches[b]);
        }
        return dir;
    }

    /** The same as cifar-10-binary.tar.gz. */
    public static byte[] cifarTarGz(int perClass) throws IOException {
        byte[][] batches = batches(perClass, new Random(5));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (int b = 0; b < batches.length; b++) {
                TarArchiveEntry e = new TarArchiveEntry("cifar-10-batches-bin/" + batchName(b));
                e.setSize(batches[b].length);
                tar.putArchiveEntry(e);
                tar.write(batches[b]);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
