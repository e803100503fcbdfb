package io.lttricks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark command runs the real paths on a tiny CIFAR-10-format data set and prints its JSON line. */
class LtBenchTest {
    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Result ltBench(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = LtBench.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    /** CIFAR-10 binaries with 100 training images per class (IF 100 keeps at least one of each) and 10 test images. */
    @BeforeAll
    static void cifarBinaries() throws IOException {
        Path dir = Files.createDirectories(data.resolve("cifar-10-batches-bin"));
        Random random = new Random(7);
        for (int batch = 1; batch <= 6; batch++) {
            int images = batch <= 5 ? 200 : 100;
            byte[] bytes = new byte[images * 3073];
            random.nextBytes(bytes);
            for (int i = 0; i < images; i++) {
                bytes[i * 3073] = (byte) (i % 10);
            }
            Files.write(dir.resolve(batch <= 5 ? "data_batch_" + batch + ".bin" : "test_batch.bin"), bytes);
        }
    }

    @Test
    void helpNamesBothBenchmarks() {
        Result r = ltBench("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("train-throughput") && r.out().contains("augment-scaling")
                && r.out().contains("input-pipeline") && r.out().contains("twin-step"), r.out());
    }

    @Test
    void unknownConfigIsRefusedBeforeAnyWork() {
        Result r = ltBench("train-throughput", "--config", "fast", "--data-dir", tmp.toString(), "--offline");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--config: plain, mixup_cb, eval or phases"), r.err());
    }

    @Test
    void networkOptionsOutsidePhasesAreRefused() {
        for (String[] option : new String[][] {{"--classes", "1000"}, {"--backbone", "resnet10"}, {"--image-size", "224"}}) {
            Result r = ltBench("train-throughput", "--config", "plain", option[0], option[1], "--data-dir", tmp.toString(),
                    "--offline");
            assertEquals(1, r.code(), option[0]);
            assertTrue(r.err().contains("--backbone, --image-size and --classes apply to --config phases only"), r.err());
        }
    }

    /** Runs train-throughput on the tiny data set with few, small steps; returns its last line. */
    static String throughput(String config, String batchSize) {
        Result r = ltBench("train-throughput", "--config", config, "--steps", "2", "--warmup", "1", "--batch-size", batchSize,
                "--data-dir", data.toString(), "--offline");
        assertEquals(0, r.code(), r.err());
        return r.lastLine();
    }

    @Test
    void trainingThroughputIsOneJsonLine() {
        String line = throughput("mixup_cb", "8");
        assertTrue(line.matches("\\{\"config\": \"mixup_cb\", \"steps\": 2, \"batch\": 8, .*"
                + "\"images_per_second\": [0-9.]+, .*\"rss_per_epoch\": \\[[0-9]+\\]}"), line);
    }

    /** twin-step writes every tensor the PyTorch side reads: weights per the manifest, a gradient per trainable one. */
    @Test
    void twinStepWritesWeightsBatchAndGradients() throws java.io.IOException {
        Result r = ltBench("twin-step", "--out", tmp.resolve("twin").toString(), "--batch-size", "4", "--data-dir",
                data.toString(), "--offline");
        assertEquals(0, r.code(), r.err());
        java.util.List<String> manifest = Files.readAllLines(tmp.resolve("twin/manifest.txt"));
        assertEquals(157, manifest.size(), "ResNet-32: 31 convolutions, 31 batch norms of 4 tensors, FC weight and bias");
        for (String line : manifest) {
            String[] f = line.split(" ");
            assertTrue(Files.size(tmp.resolve("twin/w" + f[0])) > 0, line);
            assertEquals(f[2].equals("true"), Files.exists(tmp.resolve("twin/g" + f[0])), line);
        }
        assertEquals(4 * 3 * 32 * 32 * 4, Files.size(tmp.resolve("twin/input")));
        assertEquals(4 * 10 * 4, Files.size(tmp.resolve("twin/logits")));
        assertEquals(4, Files.readAllLines(tmp.resolve("twin/batch.txt")).size());
    }

    @Test
    void phasesAreTimedApart() {
        String line = throughput("phases", "4");
        assertTrue(line.matches("\\{\"config\": \"phases\", \"forward_ms\": [0-9.]+, \"backward_ms\": [0-9.]+,"
                + " \"optimizer_ms\": [0-9.]+, \"images_per_second\": [0-9.]+}"), line);
    }

    @Test
    void evaluationCoversTheTestSet() {
        String line = throughput("eval", "16");
        assertTrue(line.matches("\\{\"config\": \"eval\", \"images\": 100, .*"), line);
    }

    /** input-pipeline over a tiny ImageFolder of JPEGs of several sizes, one of them greyscale. */
    @Test
    void inputPipelineIsOneJsonLine() throws IOException {
        Random random = new Random(3);
        for (int i = 0; i < 6; i++) {
            int w = 300 + 20 * i;
            int h = 240 - 10 * i;
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h,
                    i == 0 ? java.awt.image.BufferedImage.TYPE_BYTE_GRAY : java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            Path f = Files.createDirectories(tmp.resolve(i % 2 == 0 ? "a" : "b")).resolve(i + ".jpg");
            javax.imageio.ImageIO.write(img, "jpeg", f.toFile());
        }
        Result r = ltBench("input-pipeline", tmp.toString(), "--threads", "2", "--batch-size", "2", "--warmup", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.lastLine().matches("\\{\"who\": \"lttricks\", \"threads\": 2, \"images\": 4, .*"
                + "\"images_per_second\": [0-9.]+, \"cpu_ms_per_image\": [0-9.]+}"), r.lastLine());
        Result d = ltBench("input-pipeline", tmp.toString(), "--decode-only", "--warmup", "1");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.lastLine().contains("\"decode_only\": true, \"images\": 6"), d.lastLine());
    }

    @Test
    void augmentScalingWantsARunDirectory() {
        Result r = ltBench("augment-scaling", tmp.toString(), "--data-dir", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("has no manifest.json"), r.err());
    }
}
