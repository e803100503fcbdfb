package io.lttricks.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Issue 29 item 4: the confusion matrix names the predicted classes under its columns (there was
     * nothing below the matrix) and has a colour scale beside it (deep blue at 100% down to white at 0%).
     */
    @Test
    void theConfusionMatrixNamesItsColumnsAndHasAColourScale() throws IOException {
        EvaluationReport r = report(10, "class");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(ReportPlots.confusion(r)));
        int top = 52;
        int matrix = 10 * 40;
        boolean namesBelow = false;
        for (int y = top + matrix + 6; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                namesBelow |= (img.getRGB(x, y) & 0xff) < 100;
            }
        }
        assertTrue(namesBelow, "the predicted classes are written under the matrix");
        // the scale: the rightmost strip that is deep blue near the top and white near the bottom
        boolean scale = false;
        for (int x = img.getWidth() / 2; x < img.getWidth(); x++) {
            int hiRgb = img.getRGB(x, top + 2) & 0xffffff;
            int loRgb = img.getRGB(x, top + matrix - 3) & 0xffffff;
            boolean blue = ((hiRgb >> 16) & 0xff) < 10 && ((hiRgb >> 8) & 0xff) < 10 && (hiRgb & 0xff) == 0xff;
            boolean white = ((loRgb >> 16) & 0xff) > 240 && ((loRgb >> 8) & 0xff) > 240 && (loRgb & 0xff) == 0xff;
            scale |= blue && white;
        }
        assertTrue(scale, "a colour scale from 100% (blue) to 0% (white)");
    }

    @Test
    void curveAxesHaveRoundTicks() {
        assertEquals(0.5, TrainingCurves.niceStep(0.37), 1e-12);
        assertEquals(10.0, TrainingCurves.niceStep(7.5), 1e-12);
        assertEquals(2.0, TrainingCurves.niceStep(1.2), 1e-12);
        assertEquals(List.of(1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0), TrainingCurves.ticks(1, 40, 8));
        assertEquals(List.of(1.0, 50.0, 100.0, 150.0, 200.0), TrainingCurves.ticks(1, 200, 8));
        assertEquals(List.of(3.0), TrainingCurves.ticks(3, 3, 8));
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
