package io.lttricks.core.cam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LongTailProfile;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.testing.SyntheticShapes;
import io.lttricks.core.transform.Transforms;
import io.lttricks.core.util.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CamGeneratorTest {
    @TempDir
    Path tmp;

    @Test
    void countsFollowTheTwoRules() {
        int[] cifar10 = new LongTailProfile.Exponential(100).counts(10, 5000);
        int[] gen = GenerationCounts.cifar(cifar10);
        assertEquals(38_094, GenerationCounts.total(gen));
        for (int c = 0; c < 10; c++) {
            assertEquals(5050, cifar10[c] + gen[c], "every class ends with n_max + n_min");
        }
        // ImageNet-LT style: n_c >= 100 gets none, the rest n_max + n_min - n_c capped at 100.
        assertArrayEquals(new int[] {0, 0, 100, 100, 100}, GenerationCounts.threshold(new int[] {1280, 100, 99, 20, 60}, 100));
        // The cap and the rule both bite: 60 + 10 - 45 = 25 < 50, 60 + 10 - 10 = 60 > 50.
        assertArrayEquals(new int[] {0, 0, 25, 50}, GenerationCounts.threshold(new int[] {60, 50, 45, 10}, 50));
    }

    static CamGenerator generator(InMemoryImages data, NDManager m, CamMethod method, long seed) {
        Backbone model = null;
        if (method == CamMethod.CAM) {
            Engine.getInstance().setRandomSeed(1);
            model = Backbones.create("resnet20", data.numClasses());
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        }
        return new CamGenerator(model, m, data, GenerationCounts.cifar(data.classCounts()),
                new CamGenerator.Options(method, 1.0, seed, 64, CamPaste.OVER, CamPreset.PAPER));
    }

    /** Any range generates the images the whole run generates; the same seed, the same images. */
    @Test
    void generationIsDeterministicAndShardable() throws Exception {
        InMemoryImages data = SyntheticShapes.make(new int[] {40, 20, 10, 5}, 3).images();
        try (NDManager m = NDManager.newBaseManager()) {
            CamGenerator gen = generator(data, m, CamMethod.CAM, 7);
            assertEquals(45 - 40 + 45 - 20 + 45 - 10 + 45 - 5, gen.total());
            List<CamGenerator.Generated> all = gen.generate(0, gen.total(), Progress.SILENT);
            List<CamGenerator.Generated> part = gen.generate(17, 52, Progress.SILENT);
            for (int i = 0; i < part.size(); i++) {
                CamGenerator.Generated a = all.get(17 + i);
                CamGenerator.Generated b = part.get(i);
                assertEquals(a.index(), b.index());
                assertEquals(a.source(), b.source());
                assertEquals(a.transform(), b.transform());
                assertArrayEquals(a.image().chw(), b.image().chw());
            }
            // Shards split by source (as the augment service plans them) make the same images at the
            // same indices, each image in one shard, each source in one shard.
            int shards = 3;
            java.util.Set<Long> covered = new java.util.HashSet<>();
            java.util.Map<Integer, Integer> shardOfSource = new java.util.HashMap<>();
            for (int s = 0; s < shards; s++) {
                final int shard = s;
                for (CamGenerator.Generated b : gen.generateShard(s, shards, Progress.SILENT)) {
                    assertTrue(covered.add(b.index()), "image " + b.index() + " in two shards");
                    assertEquals(shard, shardOfSource.computeIfAbsent(b.source(), k -> shard), "source in two shards");
                    assertEquals(all.get((int) b.index()).transform(), b.transform());
                    assertArrayEquals(all.get((int) b.index()).image().chw(), b.image().chw());
                }
            }
            assertEquals(gen.total(), covered.size());
            int[] perClass = new int[4];
            for (CamGenerator.Generated g : all) {
                perClass[g.label()]++;
                assertEquals(g.label(), data.label(g.source()), "the source is an image of the class");
            }
            assertArrayEquals(gen.perClass(), perClass);
            List<CamGenerator.Generated> again = generator(data, m, CamMethod.CAM, 7).generate(0, 10, Progress.SILENT);
            assertArrayEquals(all.get(9).image().chw(), again.get(9).image().chw());
            List<CamGenerator.Generated> other = generator(data, m, CamMethod.CAM, 8).generate(0, 10, Progress.SILENT);
            assertTrue(other.stream().anyMatch(g -> !Arrays.equals(g.image().chw(), all.get((int) g.index()).image().chw())));
        }
    }

    @Test
    void transformationsAreChosenUniformlyAndOnlyTheForegroundMoves() throws Exception {
        InMemoryImages data = SyntheticShapes.make(new int[] {300, 100, 30, 10}, 4).images();
        try (NDManager m = NDManager.newBaseManager()) {
            CamGenerator gen = generator(data, m, CamMethod.IMAGE_TRANS, 1);
            int[] kinds = new int[3];
            for (CamGenerator.Generated g : gen.generate(0, gen.total(), Progress.SILENT)) {
                ForegroundTransform t = g.transform();
                kinds[t instanceof ForegroundTransform.RotateScale ? 0 : t instanceof ForegroundTransform.Translate ? 1 : 2]++;
                if (t instanceof ForegroundTransform.RotateScale r) {
                    assertTrue(r.angle() >= -45 && r.angle() <= 45 && r.scale() >= 0.8 && r.scale() <= 1.2);
                    assertEquals(15.5, r.cx(), "ImageTrans turns the 32 x 32 image about its centre");
                    assertEquals(15.5, r.cy());
                }
            }
            long n = gen.total();
            for (int k : kinds) {
                assertEquals(n / 3.0, k, 4 * Math.sqrt(n * (1 / 3.0) * (2 / 3.0)), Arrays.toString(kinds));
            }
        }
    }

    /** The official preset's ImageTrans too (the script has none): about the centre, not the corner its box would give. */
    @Test
    void officialImageTransTurnsAboutTheImageCentre() throws Exception {
        InMemoryImages data = SyntheticShapes.make(new int[] {30, 10, 5, 3}, 4).images();
        try (NDManager m = NDManager.newBaseManager()) {
            CamGenerator gen = new CamGenerator(null, m, data, GenerationCounts.cifar(data.classCounts()),
                    new CamGenerator.Options(CamMethod.IMAGE_TRANS, 0.75, 3, 64, CamPaste.MOVE, CamPreset.OFFICIAL));
            int rotations = 0;
            for (CamGenerator.Generated g : gen.generate(0, gen.total(), Progress.SILENT)) {
                if (g.transform() instanceof ForegroundTransform.RotateScale r) {
                    assertEquals(15.5, r.cx());
                    assertEquals(15.5, r.cy());
                    rotations++;
                }
            }
            assertTrue(rotations > 0);
        }
    }

    @Test
    void generatedSetRoundTripsAndRewritesIdentically() throws Exception {
        InMemoryImages data = SyntheticShapes.make(new int[] {20, 10, 5, 4}, 5).images();
        try (NDManager m = NDManager.newBaseManager()) {
            CamGenerator gen = generator(data, m, CamMethod.CAM, 2);
            List<CamGenerator.Generated> images = gen.generate(0, gen.total(), Progress.SILENT);
            List<GeneratedSet.Entry> entries = GeneratedSet.writeImages(tmp, data.classNames(), images, Progress.SILENT);
            GeneratedSet.writeManifest(tmp, new GeneratedSet.Manifest(GeneratedSet.FORMAT, "cam", "paper", 1.0, "over", 2, "x.ckpt",
                    data.classNames(), gen.perClass(), entries));
            byte[] before = Files.readAllBytes(tmp.resolve(entries.get(3).path()));
            GeneratedSet.writeImages(tmp, data.classNames(), images, Progress.SILENT);
            assertArrayEquals(before, Files.readAllBytes(tmp.resolve(entries.get(3).path())), "same bytes on a rewrite");
            FileImages back = GeneratedSet.images(tmp);
            assertEquals(images.size(), back.size());
            InMemoryImages decoded = back.toMemory(32, 32, 2, Progress.SILENT);
            for (int i = 0; i < images.size(); i++) {
                assertArrayEquals(images.get(i).image().chw(), decoded.image(i).chw(), "PNG is lossless");
                assertEquals(images.get(i).label(), decoded.label(i));
            }
            GeneratedSet.Manifest m2 = GeneratedSet.read(tmp);
            assertEquals(images.get(5).transform(), m2.images().get(5).transform());
            assertEquals(String.valueOf(images.get(5).source()), m2.images().get(5).source());
        }
    }
}
