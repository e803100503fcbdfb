package io.lttricks.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.ListFile;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.util.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large-image path end to end: list files as ImageNet-LT ships them, JPEG decoding per batch,
 * random-resized-crop / resize+centre-crop to 224, ResNet-10.
 */
public class ImageNetLayoutTest {
    @TempDir
    Path tmp;

    public static void jpeg(Path file, int w, int h, int rgb, Random r) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb ^ (r.nextInt(32) * 0x010101));
            }
        }
        ImageIO.write(img, "jpg", file.toFile());
    }

    @Test
    void listFileDataSetTrainsResNet10() throws IOException {
        Random r = new Random(2);
        int[] colours = {0xc03020, 0x20c030, 0x3020c0};
        StringBuilder train = new StringBuilder();
        StringBuilder test = new StringBuilder();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 6 - 2 * c; i++) {
                String p = "train/n0" + c + "/" + i + ".jpg";
                jpeg(tmp.resolve(p), 96 + 8 * i, 80, colours[c], r);
                train.append(p).append(' ').append(c).append('\n');
            }
            String p = "val/n0" + c + "/0.jpg";
            jpeg(tmp.resolve(p), 90, 120, colours[c], r);
            test.append(p).append(' ').append(c).append('\n');
        }
        Files.writeString(tmp.resolve("train.txt"), train);
        Files.writeString(tmp.resolve("test.txt"), test);
        String yaml = "name: lt\n"
                + "dataset: {name: imagenet_lt, source: '" + tmp + "', train_list: '" + tmp.resolve("train.txt")
                + "', test_list: '" + tmp.resolve("test.txt") + "'}\n"
                + "backbone: resnet10\nstages: [{name: s, epochs: 1, batch_size: 4, lr: 0.01}]\n";
        TrainingRun.Result result = new TrainingRun(Recipes.resolve(Recipes.parseYaml(yaml)), tmp.resolve("run"),
                new RunListener() { }, Progress.SILENT, new TrainingRun.Options(tmp, false, 2, 4, 0)).run(false);
        EvaluationReport rep = result.report();
        assertEquals(3, rep.images());
        assertEquals(java.util.List.of("n00", "n01", "n02"), rep.classes());
        assertEquals(6, rep.trainCounts()[0]);
        assertEquals(2, rep.trainCounts()[2]);
        assertEquals(3, rep.fewShotClasses(), "fewer than 20 training images: all few-shot");
    }
}
