package io.lttricks.core.cam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.testing.SyntheticShapes;
import io.lttricks.core.transform.ImageNetTransforms;
import io.lttricks.core.transform.ImageTransform;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CAM-based sampling on image files of any size (ImageNet-LT, iNaturalist, an ImageFolder of
 * photos): the map is computed on the network's view of the whole image and put back onto the
 * image at its own size, so the foreground lies on the object. Before 2026-12-01 the map was made
 * in the 224 x 224 centre crop's coordinates and read as if it were the full image's.
 *
 * <p>The "network" here is a stand-in whose class activation map is known: the redness of its
 * input, average-pooled to the 7 x 7 grid of a ResNet at 224. The objects are red discs on grey.
 */
class CamOnImageFilesTest {
    @TempDir
    Path tmp;

    static final int[][] SIZES = {{97, 61}, {300, 200}, {61, 97}, {120, 120}, {250, 90}};

    /** Redness of the (ImageNet-normalised) view, pooled to 7 x 7. */
    static ClassActivationMaps.MapFunction redness() {
        return (x, n, view, classes) -> {
            int side = view.height();
            int cell = side / 7;
            int plane = side * side;
            float[][] maps = new float[n][49];
            for (int k = 0; k < n; k++) {
                int base = k * 3 * plane;
                for (int y = 0; y < side; y++) {
                    for (int xx = 0; xx < side; xx++) {
                        int o = base + y * side + xx;
                        float r = x[o] - (x[o + plane] + x[o + 2 * plane]) / 2;
                        maps[k][Math.min(6, y / cell) * 7 + Math.min(6, xx / cell)] += r;
                    }
                }
            }
            return new ClassActivationMaps.Raw(maps, 7, 7);
        };
    }

    /** Writes one PNG per size, a red disc of radius min(w, h) / 5 off-centre; returns the data set and the discs. */
    FileImages discs(List<boolean[]> truth) throws Exception {
        String[] paths = new String[SIZES.length];
        int[] labels = new int[SIZES.length];
        for (int i = 0; i < SIZES.length; i++) {
            int w = SIZES[i][0];
            int h = SIZES[i][1];
            int r = Math.min(w, h) / 5;
            int cx = w / 4 + i % 2 * w / 2;
            int cy = h / 3;
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            boolean[] mask = new boolean[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean in = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
                    mask[y * w + x] = in;
                    img.setRGB(x, y, in ? 0xd02020 : 0x808080);
                }
            }
            truth.add(mask);
            paths[i] = "train/a/" + i + ".png";
            Files.createDirectories(tmp.resolve("train/a"));
            ImageIO.write(img, "png", tmp.resolve(paths[i]).toFile());
        }
        return new FileImages(tmp, List.of("a", "b"), paths, labels);
    }

    @Test
    void theForegroundLiesOnTheObjectWhateverTheImageSize() throws Exception {
        List<boolean[]> truth = new ArrayList<>();
        FileImages data = discs(truth);
        ImageTransform view = ImageNetTransforms.whole(224);
        int[] perClass = {2 * SIZES.length, 0};
        CamGenerator gen = new CamGenerator(new ClassActivationMaps(redness(), view, null), data, perClass,
                new CamGenerator.Options(CamMethod.CAM, 1.0, 3, 4, CamPaste.OVER, CamPreset.PAPER));
        long[] ks = new long[perClass[0]];
        for (int k = 0; k < ks.length; k++) {
            ks[k] = k;
        }
        List<CamGenerator.Explained> rows = gen.explain(ks);
        assertEquals(ks.length, gen.generate(0, gen.total(), io.lttricks.core.util.Progress.SILENT).size(),
                "generation completes on every size");
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (CamGenerator.Explained e : rows) {
            int source = e.generated().source();
            seen.add(source);
            boolean[] t = truth.get(source);
            boolean[] fg = e.foreground();
            assertEquals(t.length, fg.length, "the mask has the image's own size");
            int w = SIZES[source][0];
            int inter = 0;
            int objArea = 0;
            double[] fgCentre = new double[3];
            double[] objCentre = new double[3];
            for (int p = 0; p < t.length; p++) {
                inter += t[p] && fg[p] ? 1 : 0;
                objArea += t[p] ? 1 : 0;
                if (fg[p]) {
                    fgCentre[0] += p % w;
                    fgCentre[1] += p / w;
                    fgCentre[2]++;
                }
                if (t[p]) {
                    objCentre[0] += p % w;
                    objCentre[1] += p / w;
                    objCentre[2]++;
                }
            }
            String size = w + "x" + SIZES[source][1];
            assertTrue(inter > 0.9 * objArea, size + ": the object lies inside the foreground (" + inter + " of " + objArea + ")");
            double dx = fgCentre[0] / fgCentre[2] - objCentre[0] / objCentre[2];
            double dy = fgCentre[1] / fgCentre[2] - objCentre[1] / objCentre[2];
            double radius = Math.min(w, SIZES[source][1]) / 5.0;
            assertTrue(Math.hypot(dx, dy) < radius, size + ": the foreground is centred on the object (off by "
                    + Math.hypot(dx, dy) + " px, radius " + radius + ")");
        }
        assertTrue(seen.size() >= 4, "several sizes drawn: " + seen);
    }

    /**
     * The official preset: maps of a training-augmented copy drawn anew for every generated image
     * (deterministic per image and seed, and not the whole-image map), quantised to 8 bits, its box,
     * integer angles and hundredths of scale, JPEG files.
     */
    @Test
    void theOfficialPresetDoesWhatTheScriptDid() throws Exception {
        InMemoryImages data = SyntheticShapes.make(new int[] {12, 6, 4, 3}, 4).images();
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            Backbone model = Backbones.create("resnet20", 4);
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            int[] perClass = {4, 5, 5, 4};
            CamGenerator official = new CamGenerator(model, m, data, perClass,
                    new CamGenerator.Options(CamMethod.CAM, 0.75, 5, 8, CamPaste.MOVE, CamPreset.OFFICIAL));
            CamGenerator paper = new CamGenerator(model, m, data, perClass,
                    new CamGenerator.Options(CamMethod.CAM, 0.75, 5, 8, CamPaste.MOVE, CamPreset.PAPER));
            long[] ks = java.util.stream.LongStream.range(0, 18).toArray();
            List<CamGenerator.Explained> a = official.explain(ks);
            List<CamGenerator.Explained> b = official.explain(ks);
            List<CamGenerator.Explained> c = paper.explain(ks);
            int differ = 0;
            int sameSource = 0;
            int ownView = 0;
            for (int i = 0; i < ks.length; i++) {
                for (int j = 0; j < i; j++) {
                    if (a.get(i).generated().source() == a.get(j).generated().source()) {
                        sameSource++;
                        ownView += java.util.Arrays.equals(a.get(i).cam(), a.get(j).cam()) ? 0 : 1;
                    }
                }
                for (float v : a.get(i).cam()) {
                    assertEquals(Math.rint(v * 255), v * 255, 1e-3, "the map is quantised to 8 bits");
                }
                assertTrue(java.util.Arrays.equals(a.get(i).cam(), b.get(i).cam()), "the augmented view is seeded");
                differ += java.util.Arrays.equals(a.get(i).cam(), c.get(i).cam()) ? 0 : 1;
                CamGenerator.Generated g = a.get(i).generated();
                assertEquals(ImageFormat.JPEG, g.format());
                byte[] bytes = g.encode();
                assertTrue((bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8, "a JPEG file");
                if (g.transform() instanceof ForegroundTransform.RotateScale r) {
                    assertEquals(Math.rint(r.angle()), r.angle(), "integer degrees");
                    assertTrue(r.angle() >= -45 && r.angle() <= 44);
                    assertEquals(Math.rint(r.scale() * 100), r.scale() * 100, 1e-9, "hundredths");
                    assertTrue(r.scale() >= 0.8 && r.scale() <= 1.19 + 1e-9);
                }
                assertEquals(ImageFormat.PNG, c.get(i).generated().format());
            }
            assertNotEquals(0, differ, "maps of augmented copies differ from whole-image maps");
            assertTrue(sameSource > 0, "some sources give several images");
            assertTrue(ownView > 0, "a new view, hence a new map, for every generated image: " + ownView + " of "
                    + sameSource + " pairs with one source differ");
        }
    }
}
