package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import io.lttricks.core.plan.LrSchedule;

class LrScheduleTest {
    private final LrSchedule paper = new LrSchedule(0.1, 5, List.of(160, 180), 0.01);

    @Test
    void warmUpFollowsTheOfficialPerEpochConvention() {
        // factor = 1/3 * (1 - e/5) + e/5 for epoch e < 5
        assertEquals(0.1 * (1.0 / 3 * 0.8 + 0.2), paper.at(1), 1e-12);
        assertEquals(0.1 * (1.0 / 3 * 0.4 + 0.6), paper.at(3), 1e-12);
        assertEquals(0.1 * (1.0 / 3 * 0.2 + 0.8), paper.at(4), 1e-12);
        assertEquals(0.1, paper.at(5), 1e-12);
        assertEquals(0.1 / 3, paper.at(0), 1e-12);
    }

    @Test
    void decaysByOneHundredAtEachMilestone() {
        assertEquals(0.1, paper.at(159), 1e-12);
        assertEquals(1e-3, paper.at(160), 1e-15);
        assertEquals(1e-3, paper.at(179), 1e-15);
        assertEquals(1e-5, paper.at(180), 1e-17);
        assertEquals(1e-5, paper.at(200), 1e-17);
    }

    @Test
    void constantWithoutWarmUpOrMilestones() {
        LrSchedule ft = new LrSchedule(0.001, 0, List.of(), 0.01);
        for (int e = 1; e <= 20; e++) {
            assertEquals(0.001, ft.at(e), 1e-15);
        }
    }

    /** Cosine after the same warm-up: the base rate at the warm-up's end, half of it midway, just above 0 at the end. */
    @Test
    void cosineFallsTowardsZeroAndNeverReachesIt() {
        LrSchedule cos = new LrSchedule(0.1, 5, List.of(), 0.01, io.lttricks.core.plan.LrShape.COSINE, 200);
        assertEquals(paper.at(3), cos.at(3), 1e-12, "the same warm-up");
        assertEquals(0.1, cos.at(5), 1e-12);
        // (e - W) / (E - W + 1) = 98 / 196 = 1/2 at e = 103
        assertEquals(0.05, cos.at(103), 1e-12);
        double last = cos.at(200);
        assertEquals(0.1 * (1 + Math.cos(Math.PI * 195 / 196)) / 2, last, 1e-15);
        assertTrue(last > 0 && last < 1e-4, "the last epoch still trains: " + last);
        for (int e = 6; e <= 200; e++) {
            assertTrue(cos.at(e) < cos.at(e - 1), "falls every epoch: " + e);
        }
    }
}
