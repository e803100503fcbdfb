package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.recipe.Recipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt compare on run directories as lt train writes them and as lt results --open copies them (issue 29 item 3). */
class CompareCommandTest {
    static final List<String> CLASSES = List.of("cat", "dog", "newt");
    static final int[] TRAIN = {500, 60, 5};

    @TempDir
    Path dir;

    /** A report whose confusion matrix gives each class {@code correct} right of 100 test images. */
    static EvaluationReport report(int... correct) {
        int[][] confusion = new int[3][3];
        for (int c = 0; c < 3; c++) {
            confusion[c][c] = correct[c];
            confusion[c][(c + 1) % 3] = 100 - correct[c];
        }
        return EvaluationReport.of("final model", false, CLASSES, TRAIN, confusion);
    }

    static void write(Path stageReport, EvaluationReport r) throws Exception {
        Files.createDirectories(stageReport.getParent());
        Files.writeString(stageReport, Recipes.toJson(r));
    }

    @Test
    void twoRunsSideBySideWithTheirPerClassAndRecipeDifferences() throws Exception {
        Path a = dir.resolve("runs/baseline");
        write(a.resolve("01-train/report.json"), report(90, 50, 10));
        Files.writeString(a.resolve("recipe.json"), "{\"name\":\"baseline\",\"seed\":0,\"stages\":[{\"name\":\"train\","
                + "\"loss\":{\"name\":\"CE\"}}]}");
        // a services run as lt results --open copies it: report/ inside each stage
        Path b = dir.resolve("results/r1");
        write(b.resolve("01-first/report/report.json"), report(80, 70, 30));
        write(b.resolve("03-deferred/report/report.json"), report(85, 75, 45));
        Files.createDirectories(b.resolve("02-cam"));
        Files.writeString(b.resolve("recipe.json"), "{\"name\":\"drs\",\"seed\":0,\"stages\":[{\"name\":\"first\"},"
                + "{\"name\":\"cam\",\"type\":\"cam\"},{\"name\":\"deferred\",\"sampler\":\"class_balanced\"}]}");

        LtTest.Run r = LtTest.lt("compare", a.toString(), b.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("A  " + a + "  (baseline)") && out.contains("B  " + b + "  (drs)"), out);
        // every evaluated stage of each run: errors 50.00% (A), 40.00% and 31.67% (B)
        assertTrue(out.matches("(?s).*\\nA\\s+train\\s+50\\.00%\\s+90\\.00%\\s+50\\.00%\\s+10\\.00%\\s+-\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nB\\s+first\\s+40\\.00%.*\\nB\\s+deferred\\s+31\\.67%\\s+85\\.00%\\s+75\\.00%\\s+45\\.00%.*"), out);
        // per-class: each run's last stage, B minus A
        assertTrue(out.matches("(?s).*\\nnewt\\s+5\\s+10\\.00\\s+45\\.00\\s+\\+35\\.00\\n.*"), out);
        assertTrue(out.matches("(?s).*\\ncat\\s+500\\s+90\\.00\\s+85\\.00\\s+-5\\.00\\n.*"), out);
        // the recipes' differences, stages named by their names
        assertTrue(out.contains("  stages[deferred]: only in B\n") && out.contains("  stages[train]: only in A\n"), out);
        assertTrue(!out.contains("stages[deferred].sampler"), "a stage only one run has is one line: " + out);
        assertTrue(!out.contains("  name:") && !out.contains("  seed:"), "names and equal fields are left out: " + out);

        Path c = dir.resolve("runs/focal");
        write(c.resolve("01-train/report.json"), report(88, 55, 20));
        Files.writeString(c.resolve("recipe.json"), "{\"name\":\"focal\",\"seed\":1,\"stages\":[{\"name\":\"train\","
                + "\"loss\":{\"name\":\"Focal\"}}]}");
        LtTest.Run ac = LtTest.lt("compare", a.toString(), c.toString());
        assertTrue(ac.out().contains("  seed:  A 0  B 1\n") && ac.out().contains("  stages[train].loss.name:  A CE  B Focal\n"),
                ac.out());

        LtTest.Run first = LtTest.lt("compare", b.toString(), b.toString(), "--stage", "first");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("per-class accuracy (%), stage first") && first.out().contains("recipes: the same"),
                first.out());
    }

    @Test
    void aDirectoryWithoutReportsIsNamedWithWhatWasLookedFor() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("runs/empty/01-train"));
        Path a = dir.resolve("runs/a");
        write(a.resolve("01-train/report.json"), report(90, 50, 10));
        LtTest.Run r = LtTest.lt("compare", a.toString(), empty.getParent().toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains(empty.getParent() + ": no evaluated stage (looked for NN-STAGE/report.json"), r.err());
        LtTest.Run missing = LtTest.lt("compare", a.toString(), a.toString(), "--stage", "cam");
        assertTrue(missing.err().contains(": no evaluated stage cam; it has [train]"), missing.err());
        LtTest.Run one = LtTest.lt("compare", a.toString());
        assertEquals(2, one.code(), "two runs at least: a usage error");
    }
}
