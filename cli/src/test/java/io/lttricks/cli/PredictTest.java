package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt predict on a trained run: probabilities per class, best first, for images of any size. */
class PredictTest {
    @TempDir
    Path tmp;

    @Test
    void predictsTheTopClassesOfImageFiles() throws IOException {
        Random r = new Random(3);
        Path run = LtTest.trainedRun(tmp, r);
        Path square = tmp.resolve("a.png");
        Path wide = tmp.resolve("b.png");
        for (Path p : new Path[] {square, wide}) {
            int w = p == square ? 32 : 57;
            BufferedImage img = new BufferedImage(w, 40, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, r.nextInt(0xffffff));
                }
            }
            ImageIO.write(img, "png", p.toFile());
        }
        LtTest.Run p = LtTest.lt("predict", run.toString(), square.toString(), wide.toString(), "--top", "10", "--json");
        assertEquals(0, p.code(), p.err());
        JsonNode out = new ObjectMapper().readTree(p.out());
        assertEquals(2, out.size());
        for (JsonNode image : out) {
            JsonNode top = image.get("top");
            assertEquals(10, top.size(), "every class");
            double sum = 0;
            double previous = 1;
            for (JsonNode s : top) {
                double q = s.get("probability").asDouble();
                assertTrue(q <= previous + 1e-9, "best first");
                previous = q;
                sum += q;
            }
            assertEquals(1.0, sum, 1e-4, "softmax scores of all classes sum to 1");
        }
        assertTrue(out.get(0).get("top").toString().contains("airplane") || out.get(0).get("top").toString().contains("truck"));
        LtTest.Run table = LtTest.lt("predict", run.toString(), square.toString(), "--top", "3");
        assertEquals(0, table.code(), table.err());
        assertEquals(4, table.out().strip().split("\n").length, table.out());
        LtTest.Run missing = LtTest.lt("predict", run.toString(), tmp.resolve("nope.jpg").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no image file"), missing.err());
    }
}
