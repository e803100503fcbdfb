package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.sampling.Drs;
import io.lttricks.core.sampling.SamplerKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path tmp;

    static TrainPlan plan() {
        return (TrainPlan) Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{name: train,"
                + " loss: CB_Focal, drs: {}, drw: {}, mixup: input}]")).stages().get(0);
    }

    Path write(Backbone model) throws IOException {
        Path file = tmp.resolve("a.ckpt");
        Checkpoint.write(file, new Checkpoint.Meta(Checkpoint.FORMAT, "run", "train", 0, 2, 200, "resnet32", 10,
                List.of(3L, 32L, 32L), 0, "rng", List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
                new int[] {5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}, plan(), 1.0, "now", null, null), model, null);
        return file;
    }

    /** The typed plan comes back from a checkpoint as it went in. */
    @Test
    void planRoundTrips() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone model = Backbones.create("resnet32", 10);
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertEquals(plan(), Checkpoint.readMeta(write(model)).plan());
        }
    }

    /**
     * Checkpoints written before the typed plan (format 1, a flat plan) still load: their plan is
     * read into today's, and the weights are untouched.
     */
    @Test
    void formatOneCheckpointsStillLoad() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(4);
            Backbone model = Backbones.create("resnet32", 10);
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Path current = write(model);
            Path old = tmp.resolve("old.ckpt");
            byte[] legacyMeta;
            try (InputStream in = CheckpointTest.class.getResourceAsStream("/checkpoints/format1-meta.json")) {
                legacyMeta = in.readAllBytes();
            }
            try (ZipFile src = new ZipFile(current.toFile());
                 ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(old))) {
                for (ZipEntry e : java.util.Collections.list(src.entries())) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(e.getName().equals(Checkpoint.META) ? legacyMeta : src.getInputStream(e).readAllBytes());
                    out.closeEntry();
                }
            }
            TrainPlan p = Checkpoint.readMeta(old).plan();
            assertEquals(LossKind.CB_FOCAL, p.loss().kind());
            assertEquals(1.0, p.loss().param("gamma"));
            assertEquals(0.9999, p.loss().param("beta"), "the old default");
            assertEquals(new Drs(SamplerKind.CLASS_BALANCED, 160), p.drs());
            assertEquals(new Drw(160, Drw.Weights.LOSS, null), p.drw());
            assertEquals(new Mixup(MixLocation.INPUT, 1.0), p.mixup());
            assertEquals(List.of(160, 180), p.lr().milestones());
            Backbone back = Checkpoint.loadModel(old, m);
            assertArrayEquals(model.getParameters().valueAt(0).getArray().toFloatArray(),
                    back.getParameters().valueAt(0).getArray().toFloatArray());
        }
    }

    @Test
    void anUnknownFormatIsRefusedWithTheReason() throws IOException {
        Path f = tmp.resolve("future.ckpt");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(f))) {
            out.putNextEntry(new ZipEntry(Checkpoint.META));
            out.write("{\"format\": \"lttricks-checkpoint/9\"}".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> Checkpoint.readMeta(f));
        assertTrue(e.getMessage().contains("lttricks-checkpoint/9") && e.getMessage().contains("version that wrote it"),
                e.getMessage());
    }

    /** A truncated or bit-flipped newest checkpoint is found out, and the newest sound one taken instead. */
    @Test
    void aDamagedNewestCheckpointFallsBackToTheNewestSoundOne() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Backbone model = Backbones.create("resnet32", 10);
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Path good = write(model);
            Checkpoint.Meta meta = Checkpoint.verify(good);
            assertTrue(meta.sha256().containsKey(Checkpoint.MODEL) && meta.sha256().containsKey(Checkpoint.META) == false);
            byte[] bytes = Files.readAllBytes(good);
            Path truncated = tmp.resolve("epoch-0004.ckpt");
            Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            Path flipped = tmp.resolve("epoch-0005.ckpt");
            byte[] f = bytes.clone();
            f[f.length / 2] ^= 0x10;
            Files.write(flipped, f);
            for (Path bad : new Path[] {truncated, flipped}) {
                IOException e = assertThrows(IOException.class, () -> Checkpoint.verify(bad));
                assertTrue(e.getMessage().contains(bad.getFileName().toString()), e.getMessage());
            }
            List<String> skipped = new java.util.ArrayList<>();
            assertEquals(good, Checkpoint.newestValid(List.of(good, truncated, flipped), skipped::add));
            assertEquals(2, skipped.size(), skipped.toString());
            assertTrue(skipped.get(0).contains("epoch-0005.ckpt") && skipped.get(0).contains("skipped"), skipped.toString());
            assertEquals(null, Checkpoint.newestValid(List.of(truncated), s -> { }));
        }
    }
}
