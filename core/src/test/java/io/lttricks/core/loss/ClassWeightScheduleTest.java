package io.lttricks.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import org.junit.jupiter.api.Test;

/**
 * Which class weights each loss applies at every epoch of a 200-epoch stage, with and without DRW,
 * as the official code's {@code update(epoch)}: without DRW the loss's own weights throughout
 * (none for CE and Focal); with DRW none up to the start epoch whatever the loss, then the deferred
 * weights (the loss's own for CB_CE and CB_Focal, n_min / n_c otherwise).
 */
class ClassWeightScheduleTest {
    static final int[] COUNTS = {5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50};

    static ClassWeightSchedule schedule(String stage) {
        TrainPlan p = (TrainPlan) Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [" + stage + "]"))
                .stages().get(0);
        return ClassWeightSchedule.of(p.loss().create(), p.drw(), COUNTS);
    }

    static void assertEveryEpoch(ClassWeightSchedule s, float[] before, float[] after, int switchAfter, String what) {
        for (int epoch = 1; epoch <= 200; epoch++) {
            float[] expected = epoch > switchAfter ? after : before;
            if (expected == null) {
                assertNull(s.at(epoch), what + ", epoch " + epoch + ": unweighted");
            } else {
                assertArrayEquals(expected, s.at(epoch), what + ", epoch " + epoch);
            }
        }
    }

    @Test
    void withoutDrwEachLossKeepsItsOwnWeightsAllStage() {
        float[] cs = ClassWeights.costSensitive(COUNTS, 1.0);
        float[] cb = ClassWeights.classBalanced(COUNTS, 0.9999);
        assertEveryEpoch(schedule("{loss: CE}"), null, null, 200, "CE");
        assertEveryEpoch(schedule("{loss: Focal}"), null, null, 200, "Focal");
        assertEveryEpoch(schedule("{loss: CS_CE}"), cs, cs, 200, "CS_CE");
        assertEveryEpoch(schedule("{loss: CB_CE}"), cb, cb, 200, "CB_CE");
        assertEveryEpoch(schedule("{loss: CB_Focal}"), cb, cb, 200, "CB_Focal");
    }

    @Test
    void withDrwEveryLossIsUnweightedUntilTheSwitch() {
        float[] cs = ClassWeights.costSensitive(COUNTS, 1.0);
        float[] cb = ClassWeights.classBalanced(COUNTS, 0.9999);
        assertEveryEpoch(schedule("{loss: CE, drw: {}}"), null, cs, 160, "CE + DRW");
        assertEveryEpoch(schedule("{loss: Focal, drw: {}}"), null, cs, 160, "Focal + DRW");
        assertEveryEpoch(schedule("{loss: CS_CE, drw: {}}"), null, cs, 160, "CS_CE + DRW");
        assertEveryEpoch(schedule("{loss: CB_CE, drw: {}}"), null, cb, 160, "CB_CE + DRW");
        assertEveryEpoch(schedule("{loss: CB_Focal, drw: {}}"), null, cb, 160, "CB_Focal + DRW");
        assertEveryEpoch(schedule("{loss: CE, drw: {weights: CB, start_epoch: 100}}"), null, cb, 100, "CE + DRW(CB)");
        assertEveryEpoch(schedule("{loss: CB_Focal, drw: {weights: CS}}"), null, cs, 160, "CB_Focal + DRW(CS)");
    }
}
