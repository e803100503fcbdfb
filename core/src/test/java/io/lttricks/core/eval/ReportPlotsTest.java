package io.lttricks.core.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The report's plots keep every mark inside the canvas: a white border all round, whatever the text. */
class ReportPlotsTest {

    static EvaluationReport report(int classes, String namePrefix) {
        List<String> names = new ArrayList<>();
        int[] counts = new int[classes];
        int[][] confusion = new int[classes][classes];
        for (int c = 0; c < classes; c++) {
            names.add(namePrefix + c);
            counts[c] = (int) Math.max(2, 5000 * Math.pow(0.01, c / (double) Math.max(1, classes - 1)));
            confusion[c][c] = 7 + c % 3;
            confusion[c][(c + 1) % classes] = 3;
        }
        return EvaluationReport.of("final model of stage train (epoch 200); no model selection on test data", false,
                names, counts, confusion);
    }

    /** Every pixel within {@code margin} of the edge is white. */
    static void assertWhiteBorder(byte[] png, int margin, String what) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                boolean border = x < margin || y < margin || x >= img.getWidth() - margin || y >= img.getHeight() - margin;
                if (border) {
                    assertTrue((img.getRGB(x, y) & 0xffffff) == 0xffffff, what + ": something drawn at the edge, ("
                            + x + ", " + y + ") of " + img.getWidth() + "x" + img.getHeight());
                }
            }
        }
    }

    @Test
    void nothingIsDrawnOutsideTheCanvas() throws IOException {
        for (EvaluationReport r : new EvaluationReport[] {report(10, "c"), report(3, "a rather long class name number "),
            report(40, "species_"), report(100, "x")}) {
            assertWhiteBorder(ReportPlots.perClass(r), 2, "per-class, " + r.classes().size() + " classes");
            assertWhiteBorder(ReportPlots.confusion(r), 2, "confusion, " + r.classes().size() + " classes");
        }
    }

    @Test
    void trainingCurvesStayInsideTheirCanvas() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int e = 1; e <= 200; e++) {
            double lr = 0.1 * (e < 5 ? (1 / 3.0) * (1 - e / 5.0) + e / 5.0 : 1) * (e >= 160 ? 0.01 : 1) * (e >= 180 ? 0.01 : 1);
            lines.add(String.format(java.util.Locale.ROOT, "{\"epoch\":%d,\"loss\":%f,\"accuracy\":%f,\"lr\":%g%s}", e,
                    2.0 / Math.sqrt(e), 1 - 0.5 / Math.sqrt(e), lr, e > 160 ? ",\"testError\":0.3" : ""));
        }
        assertWhiteBorder(TrainingCurves.render("train", lines), 2, "curves");
        assertTrue(TrainingCurves.render("empty", List.of()) == null, "nothing to draw");
    }
}
