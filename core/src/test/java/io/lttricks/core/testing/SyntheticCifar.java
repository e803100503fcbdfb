package io.lttricks.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a small CIFAR-10-format data set (binary batches) whose classes are easy to tell apart:
 * class c is a flat colour from a 10-colour palette with a brighter square at a class-specific
 * place, plus noise. A ResNet learns it within a few epochs, which lets tests check that training
 * really trains.
 */
public final class SyntheticCifar {
    private static final int[][] PALETTE = {
        {230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200}, {245, 130, 48},
        {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {128, 128, 0}, {0, 0, 128}};

    private SyntheticCifar() {
    }

    /** {@code perClass} training and {@code testPerClass} test images per class, in a new directory. */
    public static Path write(Path dir, int perClass, int testPerClass, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        int total = perClass * 10;
        int perBatch = (total + 4) / 5;
        int written = 0;
        for (int b = 1; b <= 5; b++) {
            int n = Math.min(perBatch, total - written);
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records(written, n, r));
            written += n;
        }
        Files.write(dir.resolve("test_batch.bin"), records(0, testPerClass * 10, r));
        Files.writeString(dir.resolve("batches.meta.txt"),
                "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
        return dir;
    }

    private static byte[] records(int first, int n, Random r) {
        byte[] out = new byte[n * 3073];
        for (int k = 0; k < n; k++) {
            int label = (first + k) % 10;
            out[k * 3073] = (byte) label;
            int sy = 4 + (label % 3) * 8;
            int sx = 4 + (label / 3 % 3) * 8;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int v = PALETTE[label][c] / 2 + (int) (r.nextGaussian() * 20);
                        if (y >= sy && y < sy + 8 && x >= sx && x < sx + 8) {
                            v += 100;
                        }
                        out[k * 3073 + 1 + (c * 32 + y) * 32 + x] = (byte) Math.max(0, Math.min(255, v));
                    }
                }
            }
        }
        return out;
    }
}
