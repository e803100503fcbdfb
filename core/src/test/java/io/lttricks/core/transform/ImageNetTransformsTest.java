package io.lttricks.core.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.ListFile;
import io.lttricks.core.run.ImageNetLayoutTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ImageNet layouts' augmentation: random-resized-crop 224 for training, resize and centre crop for testing. */
class ImageNetTransformsTest {
    @TempDir
    Path tmp;

    @Test
    void transformsGive224CropsNormalised() throws IOException {
        Random r = new Random(1);
        ImageNetLayoutTest.jpeg(tmp.resolve("img/n01/a.jpg"), 300, 180, 0x804020, r);
        Files.writeString(tmp.resolve("list.txt"), "img/n01/a.jpg 0\n");
        FileImages images = ListFile.open(tmp.resolve("list.txt"), tmp, null);
        float[] out = new float[3 * 224 * 224];
        ImageNetTransforms.train(224).apply(images, 0, new SplittableRandom(3), out, 0);
        // Red is 0x80 XOR noise in 0..31: mean 128 + 15.5.
        float expectedRed = (143.5f / 255f - ImageNetTransforms.MEAN[0]) / ImageNetTransforms.STD[0];
        double mean = 0;
        for (int i = 0; i < 224 * 224; i++) {
            mean += out[i] / (224 * 224);
        }
        assertEquals(expectedRed, mean, 0.03, "red plane mean");
        ImageNetTransforms.test(224, 256).apply(images, 0, new SplittableRandom(3), out, 0);
        assertTrue(Math.abs(out[224 * 224 + 5] - out[224 * 224 + 6]) < 1.0);
    }

}
