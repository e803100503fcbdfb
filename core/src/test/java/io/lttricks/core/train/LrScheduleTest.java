package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
