package io.lttricks.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPaste;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.loss.LossPlan;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.EvalPlan;
import io.lttricks.core.plan.Init;
import io.lttricks.core.plan.LrSchedule;
import io.lttricks.core.plan.Sgd;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.StageRole;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.sampling.Drs;
import io.lttricks.core.sampling.SamplerKind;

class RecipesTest {

    static Recipes.Resolved resolve(String yaml) {
        return Recipes.resolve(Recipes.parseYaml(yaml));
    }

    static TrainPlan train(String yaml, int index) {
        return (TrainPlan) resolve(yaml).stages().get(index);
    }

    @Test
    void paperProfileFillsTheOfficialSchedule() {
        TrainPlan p = train("dataset: {name: cifar10, imbalance: 100}\nstages: [{loss: CE}]", 0);
        assertEquals(200, p.epochs());
        assertEquals(128, p.batchSize());
        assertEquals(new LrSchedule(0.1, 5, List.of(160, 180), 0.01), p.lr());
        assertEquals(Sgd.PAPER, p.sgd());
        assertEquals(Init.SCRATCH, p.init());
        assertEquals(StageRole.MAIN, p.role());
        assertEquals(LossPlan.ce(), p.loss());
        assertEquals(SamplerKind.INSTANCE, p.sampler());
        assertEquals(Mixup.OFF, p.mixup());
        assertNull(p.drs());
        assertNull(p.drw());
    }

    @Test
    void quickProfileKeepsTheShape() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10, imbalance: 100}\nprofile: quick\n"
                + "stages: [{drs: {sampler: balance}, drw: {}}, {mixup: none}]");
        TrainPlan p = (TrainPlan) r.stages().get(0);
        assertEquals(30, p.epochs());
        assertEquals(List.of(24, 27), p.lr().milestones());
        assertEquals(new Drs(SamplerKind.CLASS_BALANCED, 24), p.drs());
        assertEquals(new Drw(24, Drw.Weights.LOSS, null), p.drw());
        TrainPlan ft = (TrainPlan) r.stages().get(1);
        assertEquals(Init.PREVIOUS, ft.init());
        assertEquals(StageRole.FINETUNE, ft.role());
        assertEquals(3, ft.epochs());
        assertEquals(0.001, ft.lr().base());
        assertEquals(List.of(), ft.lr().milestones());
        assertEquals("resnet32", r.recipe().backbone());
    }

    @Test
    void settingOnlyEpochsScalesTheSchedule() {
        TrainPlan p = train("dataset: {name: cifar10}\nstages: [{epochs: 10, drs: {}}]", 0);
        assertEquals(List.of(8, 9), p.lr().milestones());
        assertEquals(8, p.drs().startEpoch());
        assertEquals(1, p.lr().warmupEpochs());
    }

    @Test
    void lossAndMixupTakeNamesOrMaps() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10}\nstages:\n"
                + "  - {loss: cb-focal, mixup: input}\n"
                + "  - {name: two, init: scratch, loss: {name: Focal, gamma: 3}, mixup: {at: pooling, alpha: 2}}\n");
        TrainPlan one = (TrainPlan) r.stages().get(0);
        TrainPlan two = (TrainPlan) r.stages().get(1);
        assertEquals(LossKind.CB_FOCAL, one.loss().kind());
        assertEquals(new Mixup(MixLocation.INPUT, 1.0), one.mixup());
        assertEquals(3.0, two.loss().param("gamma"));
        assertEquals(new Mixup(MixLocation.POOL, 2.0), two.mixup());
    }

    /** The official mixup configs train 400 epochs, decays at 320 and 360 (5 warm-up epochs). */
    @Test
    void aMainStageWithMixupRunsTheMixupConfigsLength() {
        TrainPlan p = train("dataset: {name: cifar10}\nstages: [{mixup: input}]", 0);
        assertEquals(400, p.epochs());
        assertEquals(new LrSchedule(0.1, 5, List.of(320, 360), 0.01), p.lr());
        TrainPlan q = train("dataset: {name: cifar10}\nprofile: quick\nstages: [{mixup: pool}]", 0);
        assertEquals(60, q.epochs());
        assertEquals(List.of(48, 54), q.lr().milestones());
        TrainPlan first = train("dataset: {name: cifar10}\nstages: [{role: first_stage, mixup: input}]", 0);
        assertEquals(160, first.epochs(), "the two-stage split keeps its 160 epochs");
    }

    /** ImageNet-LT and iNaturalist get their official configs' schedules, not CIFAR's. */
    @Test
    void largeDataSetsGetTheirOfficialSchedules() {
        String lt = "dataset: {name: imagenet_lt, source: x, train_list: a, test_list: b}\nbackbone: resnet10\n";
        TrainPlan p = train(lt + "stages: [{loss: CE}]", 0);
        assertEquals(100, p.epochs());
        assertEquals(512, p.batchSize());
        assertEquals(new LrSchedule(0.2, 0, List.of(60, 80), 0.1), p.lr());
        assertEquals(1e-4, p.sgd().weightDecay());
        assertTrue(p.colourJitter(), "ImageNet-LT's config adds colour jitter");
        assertEquals(60, train(lt + "stages: [{drs: {}}]", 0).drs().startEpoch(), "DRS after the first decay");
        Recipes.Resolved bag = resolve(lt + "stages: [{name: a, role: first_stage, mixup: input},"
                + " {name: b, role: deferred, mixup: input, sampler: class_balanced}, {name: c, role: finetune}]");
        assertEquals(new LrSchedule(0.2, 0, List.of(120, 160), 0.1), ((TrainPlan) bag.stages().get(0)).lr(),
                "the bag of tricks config decays at 120 and 160");
        assertEquals(160, ((TrainPlan) bag.stages().get(0)).epochs());
        assertEquals(new LrSchedule(0.002, 0, List.of(40), 0.1), ((TrainPlan) bag.stages().get(1)).lr());
        assertEquals(new LrSchedule(0.002, 0, List.of(8, 16), 0.1), ((TrainPlan) bag.stages().get(2)).lr());
        TrainPlan inat = train("dataset: {name: inat2018, source: x, train_list: a, test_list: b}\nbackbone: resnet50\n"
                + "stages: [{loss: CE}]", 0);
        assertEquals(128, inat.batchSize());
        assertEquals(new LrSchedule(0.2, 0, List.of(60, 80), 0.1), inat.lr());
        assertFalse(inat.colourJitter());
        TrainPlan quick = train(lt + "profile: quick\nstages: [{loss: CE}]", 0);
        assertEquals(15, quick.epochs());
        assertEquals(List.of(9, 12), quick.lr().milestones());
        assertFalse(train("dataset: {name: cifar10}\nstages: [{loss: CE}]", 0).colourJitter());
    }

    /** The official configs' defaults: CB beta 0.9999 on CIFAR-10, 0.9 on CIFAR-100; focal gamma 2, CB_Focal 1. */
    @Test
    void lossDefaultsFollowTheOfficialConfigsPerDataSet() {
        for (String loss : new String[] {"CB_Focal", "CB_CE"}) {
            assertEquals(0.9999, train("dataset: {name: cifar10}\nstages: [{loss: " + loss + "}]", 0).loss().param("beta"));
            assertEquals(0.9, train("dataset: {name: cifar100}\nstages: [{loss: " + loss + "}]", 0).loss().param("beta"));
            assertEquals(0.999, train("dataset: {name: imagenet_lt, source: x, train_list: a, test_list: b}\n"
                    + "backbone: resnet10\nstages: [{loss: " + loss + "}]", 0).loss().param("beta"));
            assertEquals(0.99, train("dataset: {name: cifar100}\nstages: [{loss: {name: " + loss + ", beta: 0.99}}]", 0)
                    .loss().param("beta"), "a recipe's beta wins");
        }
        assertEquals(1.0, train("dataset: {name: cifar10}\nstages: [{loss: CB_Focal}]", 0).loss().param("gamma"));
        assertEquals(2.0, train("dataset: {name: cifar10}\nstages: [{loss: Focal}]", 0).loss().param("gamma"));
        assertEquals(1.0, train("dataset: {name: cifar10}\nstages: [{loss: CS_CE}]", 0).loss().param("gamma"));
        Drw cb = train("dataset: {name: cifar100}\nstages: [{loss: CE, drw: {weights: CB}}]", 0).drw();
        assertEquals(0.9, cb.beta(), "DRW's CB weights take the data set's beta when the loss has none");
        assertMessage("dataset: {name: cifar10}\nstages: [{loss: {name: CE, beta: 0.9}}]", "loss", "CE takes no beta");
        assertMessage("dataset: {name: cifar10}\nstages: [{loss: {name: CB_CE, beta: 1.0}}]", "loss", "beta must lie in [0, 1)");
    }

    @Test
    void evaluationDuringTrainingStartsAfterTheFirstDecay() {
        TrainPlan off = train("dataset: {name: cifar10}\nstages: [{loss: CE}]", 0);
        assertEquals(EvalPlan.OFF, off.eval());
        assertFalse(off.evaluatesAfter(200));
        TrainPlan p = train("dataset: {name: cifar10}\nstages: [{eval_every: 5}]", 0);
        assertEquals(160, p.eval().from(), "the paper profile's first decay");
        assertFalse(p.evaluatesAfter(160));
        assertTrue(p.evaluatesAfter(165));
        assertFalse(p.evaluatesAfter(166));
        assertTrue(p.evaluatesAfter(200));
        TrainPlan q = train("dataset: {name: cifar10}\nstages: [{epochs: 7, eval_every: 3, eval_from: 2,"
                + " milestones: []}]", 0);
        List<Integer> evaluated = new java.util.ArrayList<>();
        for (int e = 1; e <= 7; e++) {
            if (q.evaluatesAfter(e)) {
                evaluated.add(e);
            }
        }
        assertEquals(List.of(5, 7), evaluated, "every 3rd epoch after 2, and the last");
        TrainPlan first = train("dataset: {name: cifar10}\nstages: [{role: first_stage, eval_every: 1}]", 0);
        assertEquals(160, first.epochs());
        assertEquals(List.of(160), java.util.stream.IntStream.rangeClosed(1, 160).filter(first::evaluatesAfter).boxed()
                .toList(), "a first stage's decay is its last epoch, and the deferred stage's figure is the table's:"
                + " it evaluates only at its end");
        assertEquals(0, train("dataset: {name: cifar10}\nstages: [{role: first_stage, eval_every: 1, eval_from: 0}]", 0)
                .eval().from(), "unless asked to");
        TrainPlan deferred = train("dataset: {name: cifar10}\nstages: [{role: first_stage}, {role: deferred, eval_every: 1}]", 1);
        assertEquals(0, deferred.eval().from(), "a deferred stage from its start, as the official configs (VALID_STEP 1)");
        assertEquals("test set after the last epoch", first.eval().describe(first.epochs()));
        assertEquals("test set after epochs 1-40", deferred.eval().describe(deferred.epochs()));
        assertEquals("test set every 3 epochs after epoch 2 and after the last", q.eval().describe(q.epochs()));
        assertEquals("no test during training", off.eval().describe(off.epochs()));
        assertEquals(0, train("dataset: {name: cifar10}\nstages: [{epochs: 10, milestones: [], eval_every: 1}]", 0)
                .eval().from(), "a stage without a decay from its start");
        assertMessage("dataset: {name: cifar10}\nstages: [{eval_every: -1}]", "eval_every", ">= 0");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, eval_every: 1, eval_from: 10}]", "eval_from",
                "[0, epochs)");
    }

    /** Resolution reads nothing itself: the caller says whether a named checkpoint can be read. */
    @Test
    void checkpointsAreCheckedByTheCallersResolver() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{init: /no/such.ckpt}]");
        assertEquals(Init.parse("/no/such.ckpt"), Recipes.resolve(r).stages().get(0).init());
        RecipeException e = assertThrows(RecipeException.class, () -> Recipes.resolve(r, CheckpointCheck.LOCAL_FILES));
        assertTrue(e.getMessage().contains("stages[0] (stage1).init: checkpoint not found"), e.getMessage());
        RecipeException store = assertThrows(RecipeException.class, () -> Recipes.resolve(r,
                location -> "no object " + location + " in the store"));
        assertTrue(store.getMessage().contains("no object /no/such.ckpt in the store"), store.getMessage());
    }

    /** A plan travels as JSON (jobs, checkpoints) and comes back equal. */
    @Test
    void plansRoundTripThroughJson() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10}\nstages:\n"
                + "  - {name: first, role: first_stage, loss: {name: CB_Focal, gamma: 1}, drw: {weights: CB, start_epoch: 3},"
                + " drs: {sampler: square}, mixup: {at: layer2, alpha: 0.5}, eval_every: 2, precision: bf16}\n"
                + "  - {name: cam, type: cam, threshold_factor: 0.75, paste: move, counts: threshold, threshold: 50}\n"
                + "  - {name: second, generated: cam, sampler: progressive, init: previous}\n");
        for (StagePlan p : r.stages()) {
            assertEquals(p, Recipes.fromJson(Recipes.toJson(p), StagePlan.class));
        }
        CamPlan cam = (CamPlan) r.stages().get(1);
        assertEquals(new CamPlan("cam", Init.PREVIOUS, 256, CamMethod.CAM, 0.75, CamCounts.THRESHOLD, 50, CamPaste.MOVE,
                io.lttricks.core.cam.CamPreset.PAPER, io.lttricks.core.cam.CamWeights.FINAL),
                cam);
    }

    /**
     * precision per stage (issue 27): fp32 unless a stage says bf16 (aliases bfloat16, bf16-mixed), for a
     * training stage and a cam stage's maps; said in the plan's description; a wrong word names the field.
     */
    @Test
    void precisionIsAStagesChoiceAndFp32ByDefault() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10}\nstages:\n  - {name: first, role: first_stage, precision: bf16}\n"
                + "  - {name: cam, type: cam, precision: bfloat16}\n  - {name: second, generated: cam, init: previous}\n");
        assertEquals(io.lttricks.core.model.Precision.BF16, ((TrainPlan) r.stages().get(0)).precision());
        assertEquals(io.lttricks.core.model.Precision.BF16, ((CamPlan) r.stages().get(1)).precision());
        assertEquals(io.lttricks.core.model.Precision.FP32, ((TrainPlan) r.stages().get(2)).precision());
        assertTrue(r.stages().get(0).describe().endsWith(", bf16"), r.stages().get(0).describe());
        assertTrue(r.stages().get(1).describe().endsWith("maps in bf16"), r.stages().get(1).describe());
        assertFalse(r.stages().get(2).describe().contains("fp32"), "the default goes unsaid");
        assertMessage("dataset: {name: cifar10}\nstages: [{precision: fp16}]", "stages[0] (stage1).precision", "bf16");
    }

    /**
     * maps_from: best_test_epoch makes the training stage before the cam stage test every epoch from
     * its start (a first stage otherwise tests only at its end) and keep its best epoch's weights;
     * an eval_every or eval_from the recipe gives stays; stages it does not name are untouched.
     */
    @Test
    void camMapsFromTheBestTestEpochMakeThePreviousStageTestEveryEpochAndKeepIt() {
        String stages = "dataset: {name: cifar10}\nstages:\n"
                + "  - {name: warm, epochs: 3}\n"
                + "  - {name: first, role: first_stage%s}\n"
                + "  - {name: cam, type: cam, preset: official%s}\n"
                + "  - {name: deferred, role: deferred, generated: cam}\n";
        Recipes.Resolved plain = resolve(String.format(stages, "", ""));
        assertEquals(EvalPlan.OFF, ((TrainPlan) plain.stages().get(1)).eval(), "without it no stage is tested");
        Recipes.Resolved best = resolve(String.format(stages, "", ", maps_from: best_test_epoch"));
        TrainPlan first = (TrainPlan) best.stages().get(1);
        assertEquals(new EvalPlan(1, 0, true), first.eval());
        assertTrue(first.describe().endsWith("test set after epochs 1-160, the best test epoch's weights kept"),
                first.describe());
        CamPlan cam = (CamPlan) best.stages().get(2);
        assertTrue(cam.fromBestTestEpoch());
        assertTrue(cam.describe().contains("from the previous stage's best test epoch"), cam.describe());
        assertEquals(((TrainPlan) plain.stages().get(0)), best.stages().get(0), "only the stage before the cam stage");
        assertEquals(((TrainPlan) plain.stages().get(3)).eval(), ((TrainPlan) best.stages().get(3)).eval());
        assertEquals(best.stages(), Recipes.resolve(Recipes.parseJson(Recipes.toJson(best.recipe()))).stages(),
                "the recipe as stored resolves to the same plans");
        assertEquals(first, Recipes.fromJson(Recipes.toJson(first), StagePlan.class));
        assertFalse(Recipes.toJson(plain.stages().get(1)).contains("keepBest"),
                "plans without it serialise as before (checkpoints, jobs)");

        TrainPlan given = (TrainPlan) resolve(String.format(stages, ", eval_every: 5, eval_from: 100",
                ", maps_from: best")).stages().get(1);
        assertEquals(new EvalPlan(5, 100, true), given.eval());
        TrainPlan reproduced = (TrainPlan) resolve(String.format(stages, ", eval_every: 1", ", maps_from: best"))
                .stages().get(1);
        assertEquals(new EvalPlan(1, 0, true), reproduced.eval(), "from the start, not from the first stage's end");

        RecipeException never = assertThrows(RecipeException.class, () -> resolve(String.format(stages,
                ", eval_every: 0", ", maps_from: best_test_epoch")));
        assertTrue(never.getMessage().contains("stages[1] (first).eval_every: 0 leaves no tested epoch for stage cam"),
                never.getMessage());
        RecipeException trans = assertThrows(RecipeException.class, () -> resolve(String.format(stages, "",
                ", method: image_trans, maps_from: best_test_epoch")));
        assertTrue(trans.getMessage().contains("stages[2] (cam).maps_from") && trans.getMessage().contains("image_trans"),
                trans.getMessage());
        RecipeException ckpt = assertThrows(RecipeException.class, () -> resolve(String.format(stages, "",
                ", init: /some/model.ckpt, maps_from: best_test_epoch")));
        assertTrue(ckpt.getMessage().contains("with init: /some/model.ckpt the maps come from that checkpoint"),
                ckpt.getMessage());
        RecipeException word = assertThrows(RecipeException.class, () -> resolve(String.format(stages, "",
                ", maps_from: best_val")));
        assertTrue(word.getMessage().contains("stages[2] (cam).maps_from") && word.getMessage().contains("best_test_epoch"),
                word.getMessage());
    }

    @Test
    void vocabulariesAcceptAliasesAndListTheNames() {
        assertEquals(LossKind.CB_FOCAL, LossKind.parse("cb-focal"));
        assertEquals(SamplerKind.CLASS_BALANCED, SamplerKind.parse("Class Balanced"));
        assertEquals(SamplerKind.SQUARE_ROOT, SamplerKind.parse("sqrt"));
        assertEquals(MixLocation.POOL, MixLocation.parse("pooling"));
        assertEquals(CamMethod.IMAGE_TRANS, CamMethod.parse("ImageTrans"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("smote"));
        assertTrue(e.getMessage().contains(SamplerKind.VOCABULARY.names().toString()), e.getMessage());
        assertTrue(LossKind.VOCABULARY.markdownTable().contains("| `CB_Focal` |"));
        assertTrue(SamplerKind.VOCABULARY.help().contains("progressive"));
    }

    @Test
    void errorsNameTheFieldAndTheFix() {
        assertMessage("dataset: {name: cifar10}\nstages: [{loss: LDAM}]", "stages[0] (stage1).loss", "CS_CE");
        assertMessage("dataset: {name: cifar10}\nstages: [{sampler: smote}]", "sampler", "class_balanced");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, milestones: [5, 3]}]", "milestones", "increase");
        assertMessage("dataset: {name: cifar10}\nstages: [{init: previous}]", "init", "no training stage comes before");
        assertMessage("dataset: {name: cifar10}\nstages: [{lossy: CE}]", "unknown field 'lossy'", "loss");
        assertMessage("dataset: {name: cifar10}\nbackbone: vgg\n", "backbone", "resnet32");
        assertMessage("stages: []", "dataset", "cifar10");
        assertMessage("dataset: {name: cifar10, imbalance: 0.5}", "imbalance", ">= 1");
        assertMessage("dataset: {name: cifar10}\nstages: [{mixup: layer4}]", "mixup", "no location layer4");
        assertMessage("dataset: {name: cifar10}\nstages: [{type: evaluate}]", "stages[0] (stage1).type", "train", "cam");
        assertMessage("dataset: {name: cifar10}\nstages: [{name: ../x}]", "stages[0] (../x).name", "letters");
        assertMessage("dataset: {name: cifar10}\nstages: [{name: c, type: cam, init: scratch}]", "init", "trained model");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, drs: {start_epoch: 10}}]", "drs.start_epoch", "[0, epochs)");
        assertMessage("dataset: {name: cifar10}\nstages: [{drw: {weights: LDAM}}]", "drw.weights", "CS");
        assertMessage("dataset: {name: cifar10}\nstages: [{name: a}, {name: a}]", "unique", "");
        assertMessage("dataset: {name: cifar10}\nprofile: fast\n", "profile", "quick");
        assertMessage("dataset: [1, 2", "recipe", "");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 2000000000}]", "epochs: must lie in [1, 10000]", "400 epochs");
        assertMessage("dataset: {name: cifar10}\nstages: [{batch_size: 100000000}]", "batch_size: must lie in [2, 65536]");
    }

    /** Values a hostile or careless client sent that used to pass (issue 25): refused, naming the field. */
    @Test
    void nonFiniteAndAbsurdNumbersFractionalCountsAndRepeatedFieldsAreRefused() {
        String cifar = "dataset: {name: cifar10}\n";
        assertMessage(cifar + "stages: [{momentum: NaN}]", "momentum: must lie in [0, 1)", "NaN");
        assertMessage(cifar + "stages: [{weight_decay: NaN}]", "weight_decay: must lie in [0, 1]", "NaN");
        assertMessage(cifar + "stages: [{weight_decay: 5}]", "weight_decay");
        assertMessage(cifar + "stages: [{lr: Infinity}]", "lr: must lie in (0, 10]", "Infinity");
        assertMessage(cifar + "stages: [{lr: 1e308}]", "lr: must lie in (0, 10]");
        assertMessage(cifar + "stages: [{lr_decay: NaN}]", "lr_decay");
        assertMessage(cifar + "stages: [{epochs: 10, milestones: [1.5]}]", "recipe", "1.5");
        assertMessage(cifar + "stages: [{epochs: 2.5}]", "recipe", "2.5");
        assertMessage(cifar + "stages: [{lr: 0.1, lr: 0.2}]", "recipe", "lr");
        assertMessage("dataset: {name: cifar10}\ndataset: {name: cifar100}\n", "recipe", "dataset");
        RecipeException json = assertThrows(RecipeException.class,
                () -> Recipes.parseJson("{\"dataset\": {\"name\": \"cifar10\"}, \"seed\": 1, \"seed\": 2}"));
        assertTrue(json.getMessage().contains("seed"), json.getMessage());
        String huge = cifar + "# " + "x".repeat(Recipes.MAX_TEXT_BYTES) + "\n";
        long t0 = System.nanoTime();
        RecipeException big = assertThrows(RecipeException.class, () -> Recipes.parseYaml(huge));
        assertTrue(big.getMessage().contains("at most 256 KiB"), big.getMessage());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused before the YAML scanner reads it");
    }

    static void assertMessage(String yaml, String... parts) {
        RecipeException e = assertThrows(RecipeException.class, () -> resolve(yaml));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention '" + part + "'");
        }
    }

    @Test
    void resolvedRecipeRoundTripsThroughJson() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10, imbalance: 50}\nstages: [{loss: CS_CE, drw: {start_epoch: 7}}]");
        Recipes.Resolved back = Recipes.resolve(Recipes.parseJson(Recipes.toJson(r.recipe())));
        assertEquals(r.stages(), back.stages());
        assertEquals(Recipes.toJson(r.recipe()), Recipes.toJson(back.recipe()));
    }

    /**
     * Every row of the paper's tables resolves with both profiles, its changes applied; the row that
     * draws the maps from the best test epoch tests its first stage every epoch and keeps the best.
     */
    @Test
    void everyRowOfThePaperTablesResolves() throws IOException {
        Path file = Path.of("").toAbsolutePath().getParent().resolve("recipes/tables/paper.yaml");
        io.lttricks.core.reproduce.PaperTables tables = io.lttricks.core.reproduce.PaperTables.read(file);
        int rows = 0;
        for (var table : tables.tables()) {
            for (var row : table.rows()) {
                for (String profile : new String[] {"paper", "quick"}) {
                    assertFalse(Recipes.resolve(tables.recipe(row, "cifar10", 100, profile, 0, 1)).stages().isEmpty());
                }
                rows++;
            }
        }
        assertTrue(rows >= 39, "rows: " + rows);
        var best = tables.tables().stream().filter(t -> t.id().equals("7")).findFirst().orElseThrow()
                .row("cam_balance_best");
        Recipes.Resolved r = Recipes.resolve(tables.recipe(best, "cifar10", 100, "paper", 0, 1));
        assertEquals(new EvalPlan(1, 0, true), ((TrainPlan) r.stages().get(0)).eval());
        assertTrue(((CamPlan) r.stages().get(1)).fromBestTestEpoch());
    }

    /** Every bundled recipe parses and resolves with both profiles. */
    @Test
    void bundledRecipesAreValid() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("recipes");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 15, "recipes found: " + files.size());
        for (Path f : files) {
            for (String profile : new String[] {"paper", "quick"}) {
                Recipe r = Recipes.read(f).withProfile(profile);
                Recipes.Resolved res = Recipes.resolve(r);
                assertTrue(!res.stages().isEmpty(), f.toString());
            }
        }
    }

    /** lr_schedule: cosine resolves to a cosine over the stage's epochs, without milestones; with milestones it is refused. */
    @Test
    void aCosineScheduleHasNoMilestones() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nstages:\n"
                + "  - {name: train, epochs: 200, lr_schedule: cosine}\n");
        io.lttricks.core.plan.TrainPlan p = (io.lttricks.core.plan.TrainPlan) Recipes.resolve(r).stages().get(0);
        assertEquals(new LrSchedule(0.1, 5, List.of(), 0.01, io.lttricks.core.plan.LrShape.COSINE, 200), p.lr());
        assertTrue(p.describe().contains("cosine towards 0 by epoch 200"), p.describe());
        RecipeException e = org.junit.jupiter.api.Assertions.assertThrows(RecipeException.class, () -> Recipes.resolve(
                Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nstages:\n"
                        + "  - {name: train, lr_schedule: cosine, milestones: [160, 180]}\n")));
        assertTrue(e.getMessage().contains("milestones: a cosine schedule has none"), e.getMessage());
        RecipeException bad = org.junit.jupiter.api.Assertions.assertThrows(RecipeException.class, () -> Recipes.resolve(
                Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nstages:\n  - {name: train, lr_schedule: linear}\n")));
        assertTrue(bad.getMessage().contains("lr_schedule"), bad.getMessage());
    }
}
