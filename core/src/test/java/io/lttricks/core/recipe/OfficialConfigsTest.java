package io.lttricks.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.LrSchedule;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.reproduce.PaperTables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dataset-dependent values of the official configs (BagofTricks-LT, configs/ at ce7859a),
 * resolved per data set from the table rows and recipes a user runs: a recipe that does not name
 * the data set pins none of them, the profile fills them.
 */
class OfficialConfigsTest {
    static final Path RECIPES = Path.of("").toAbsolutePath().getParent().resolve("recipes");

    static Recipes.Resolved row(String table, String id, String dataset, double imbalance) throws IOException {
        PaperTables tables = PaperTables.read(RECIPES.resolve("tables/paper.yaml"));
        return Recipes.resolve(tables.recipe(tables.table(table).row(id), dataset, imbalance, "paper", 0, 1));
    }

    static io.lttricks.core.data.DatasetSpec listed(String name) {
        return new io.lttricks.core.data.DatasetSpec(name, "x", null, null, null, null, null, "a", "b", null);
    }

    static double beta(Recipes.Resolved r) {
        TrainPlan t = (TrainPlan) r.stages().get(0);
        return t.loss().params().containsKey("beta") ? t.loss().param("beta") : t.drw().beta();
    }

    /** re_weighting/{cbce,cbfocal} and two_stage/drw/cbfocal: beta by data set, imbalance and loss. */
    @Test
    void classBalancedBetaFollowsTheConfigOfEachColumn() throws IOException {
        for (String[] row : new String[][] {{"3", "cb_ce"}, {"3", "cb_focal"}, {"8", "drw_cb_focal"}}) {
            boolean focal = row[1].contains("focal");
            assertEquals(0.9999, beta(row(row[0], row[1], "cifar10", 100)), row[1] + " CIFAR-10 IF 100");
            assertEquals(0.9999, beta(row(row[0], row[1], "cifar10", 50)), row[1] + " CIFAR-10 IF 50");
            assertEquals(0.9, beta(row(row[0], row[1], "cifar100", 100)), row[1] + " CIFAR-100 IF 100");
            assertEquals(focal ? 0.99 : 0.9, beta(row(row[0], row[1], "cifar100", 50)), row[1] + " CIFAR-100 IF 50");
        }
    }

    /** two_stage/drs/cam_based_sampling/second_stage/*: 'warmup' (5 epochs) on CIFAR-100 IF 100 only. */
    @Test
    void theCamSecondStageWarmsUpOnCifar100If100Only() throws IOException {
        for (String dataset : new String[] {"cifar10", "cifar100"}) {
            for (double imbalance : new double[] {100, 50}) {
                for (String[] row : new String[][] {{"7", "cam_balance"}, {"7", "cam_square"}, {"7", "cam_progressive"},
                        {"11", "bag_of_tricks"}}) {
                    Recipes.Resolved r = row(row[0], row[1], dataset, imbalance);
                    TrainPlan second = (TrainPlan) r.stages().get(2);
                    int warmup = dataset.equals("cifar100") && imbalance == 100 ? 5 : 0;
                    assertEquals(new LrSchedule(0.001, warmup, List.of(20), 0.01), second.lr(),
                            row[1] + " " + dataset + " IF " + imbalance);
                    assertEquals(CamCounts.CIFAR, ((CamPlan) r.stages().get(1)).counts());
                    assertFalse(((CamPlan) r.stages().get(1)).viewJitter());
                }
                TrainPlan drs = (TrainPlan) row("7", "drs_class_balanced", dataset, imbalance).stages().get(0);
                assertEquals(5, drs.lr().warmupEpochs(), "a one-config DRS run warms up at its start only");
            }
        }
    }

    /**
     * ImageNet-LT's bag of tricks (combinations/bag_of_tricks/IM-DRSwithCAMbasedsampling-Finetune):
     * first stage 160 epochs x0.1 at 120 and 160; CAM with threshold 100 on a view with colour jitter.
     * iNaturalist (iNat18_baseline): batch 128, what one of its distributed processes drew.
     */
    @Test
    void largeDataSetsGetTheirConfigs() throws IOException {
        Recipe bag = Recipes.read(RECIPES.resolve("bag_of_tricks.yaml"));
        Recipes.Resolved lt = Recipes.resolve(bag.withDataset(listed("imagenet_lt")).withBackbone("resnet10"));
        TrainPlan first = (TrainPlan) lt.stages().get(0);
        assertEquals(new LrSchedule(0.2, 0, List.of(120, 160), 0.1), first.lr());
        assertEquals(160, first.epochs());
        assertEquals(512, first.batchSize());
        CamPlan cam = (CamPlan) lt.stages().get(1);
        assertEquals(CamCounts.THRESHOLD, cam.counts());
        assertEquals(100, cam.threshold());
        assertTrue(cam.viewJitter(), "the CAM config's TRAIN_TRANSFORMS has color_jitter");
        assertEquals(0, ((TrainPlan) lt.stages().get(2)).lr().warmupEpochs());

        Recipe base = Recipes.read(RECIPES.resolve("baseline.yaml"));
        Recipes.Resolved inat = Recipes.resolve(base.withDataset(listed("inat2018")).withBackbone("resnet50"));
        TrainPlan t = (TrainPlan) inat.stages().get(0);
        assertEquals(128, t.batchSize());
        assertEquals(new LrSchedule(0.2, 0, List.of(60, 80), 0.1), t.lr());
        Recipes.Resolved inatBag = Recipes.resolve(bag.withDataset(listed("inat2018")).withBackbone("resnet50"));
        assertEquals(50, ((CamPlan) inatBag.stages().get(1)).threshold());
        assertFalse(((CamPlan) inatBag.stages().get(1)).viewJitter());
    }
}
