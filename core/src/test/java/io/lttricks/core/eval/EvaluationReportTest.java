package io.lttricks.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {

    @Test
    void shotGroupsUseTrainingCountsWithThePublishedThresholds() {
        assertEquals(0, EvaluationReport.group(101));
        assertEquals(1, EvaluationReport.group(100));
        assertEquals(1, EvaluationReport.group(20));
        assertEquals(2, EvaluationReport.group(19));
    }

    @Test
    void metricsFollowFromTheConfusionMatrix() {
        // Classes: many (500 train), medium (50), few (5). 10 test images each.
        int[][] confusion = {
            {9, 1, 0},
            {4, 6, 0},
            {7, 1, 2},
        };
        EvaluationReport r = EvaluationReport.of("final", false, List.of("a", "b", "c"), new int[] {500, 50, 5}, confusion);
        assertEquals(30, r.images());
        assertEquals(17.0 / 30, r.top1Accuracy(), 1e-12);
        assertEquals(13.0 / 30, r.top1Error(), 1e-12);
        assertEquals(0.9, r.perClassAccuracy()[0], 1e-12);
        assertEquals(0.9, r.manyShot(), 1e-12);
        assertEquals(0.6, r.mediumShot(), 1e-12);
        assertEquals(0.2, r.fewShot(), 1e-12);
        assertEquals("softmax", r.scores());
        String table = r.table();
        assertTrue(table.contains("Top-1 error 43.33%"), table);
        assertTrue(table.contains("Many-shot (>100 train): 90.00% (1 classes)"), table);
    }

    @Test
    void emptyGroupsAreReportedAsAbsent() {
        int[][] confusion = {{3, 0}, {0, 3}};
        EvaluationReport r = EvaluationReport.of("final", true, List.of("a", "b"), new int[] {1000, 200}, confusion);
        assertNull(r.mediumShot());
        assertNull(r.fewShot());
        assertEquals("sigmoid", r.scores());
        assertTrue(r.table().contains("n/a (0 classes)"));
    }
}
