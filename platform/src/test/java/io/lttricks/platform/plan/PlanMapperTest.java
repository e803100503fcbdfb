package io.lttricks.platform.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.TrainJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Plans as their typed proto messages (issue 25 item 1): every plan of every recipe file, under
 * both profiles and on every kind of data set, reads back equal to the plan written; and runs and
 * jobs recorded before (JSON plans, or none) still load through {@link StoredPlans}, to the same plans.
 */
class PlanMapperTest {
    static final Path RECIPES = Path.of("").toAbsolutePath().getParent().resolve("recipes");

    /**
     * Every resolved plan of every recipe file, paper and quick, on CIFAR-10, CIFAR-100 and ImageNet-LT;
     * and each file's stages in bf16.
     */
    static List<StagePlan> everyPlan() throws IOException {
        List<StagePlan> plans = new ArrayList<>();
        try (Stream<Path> files = Files.list(RECIPES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Recipe r = Recipes.read(f);
                for (String profile : List.of("paper", "quick")) {
                    for (DatasetSpec d : List.of(DatasetSpec.cifar10(100), DatasetSpec.cifar10(100).withName("cifar100"),
                            new DatasetSpec("imagenet_lt", "dataset://imagenet", null, null, null, null, null,
                                    "dataset://imagenet/train.txt", "dataset://imagenet/test.txt", null))) {
                        plans.addAll(Recipes.resolve(r.withProfile(profile).withDataset(d)).stages());
                    }
                }
                // and every stage in bf16 (issue 27), and with a cosine schedule where it has no milestones of its own
                plans.addAll(Recipes.resolve(r.withStages(r.stages().stream().map(st -> st.with("precision", "bf16"))
                        .toList())).stages());
                plans.addAll(Recipes.resolve(r.withStages(r.stages().stream().map(st -> Recipes.isCam(st)
                        || st.milestones() != null ? st : st.with("lr_schedule", "cosine")).toList())).stages());
            }
        }
        return plans;
    }

    @Test
    void everyPlanOfEveryRecipeReadsBackEqual() throws IOException {
        List<StagePlan> plans = everyPlan();
        assertTrue(plans.size() > 150, "plans: " + plans.size());
        boolean cam = false;
        for (StagePlan p : plans) {
            io.lttricks.proto.v1.StagePlan proto = PlanMapper.toProto(p);
            assertEquals(p, PlanMapper.fromProto(proto), p.describe());
            assertEquals(p, PlanMapper.fromProto(io.lttricks.proto.v1.StagePlan.parseFrom(proto.toByteArray())),
                    "through the wire: " + p.describe());
            cam |= proto.hasCam();
        }
        assertTrue(cam, "cam plans are among them");
        assertTrue(plans.stream().anyMatch(p -> p instanceof io.lttricks.core.plan.TrainPlan t
                && t.lr().schedule() == io.lttricks.core.plan.LrShape.COSINE), "cosine plans are among them");
    }

    @Test
    void aPlanInTheRecipesVocabulary() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nstages:\n"
                + "  - {name: first, role: first_stage, sampler: class_balanced, loss: {name: CB_Focal}, mixup: {at: input}}\n");
        io.lttricks.proto.v1.TrainPlan t = PlanMapper.toProto(Recipes.resolve(r).stages().get(0)).getTrain();
        assertEquals("first_stage", t.getRole());
        assertEquals("class_balanced", t.getSampler());
        assertEquals("CB_Focal", t.getLoss().getName());
        assertEquals(0.9999, t.getLoss().getParamsOrThrow("beta"), "CIFAR-10's beta, filled in");
        assertEquals("input", t.getMixup().getAt());
        assertEquals("scratch", t.getInit());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlanMapper.fromProto(
                io.lttricks.proto.v1.StagePlan.newBuilder().setTrain(t.toBuilder().setSampler("CLASS_BALANCED")).build()));
        assertTrue(e.getMessage().startsWith("plan field sampler: unknown word 'CLASS_BALANCED'"), e.getMessage());
    }

    /** A drifted pair as ProtoRecords sees it: one line per difference, saying what to do. */
    record Drifted(int epochs, String extra, io.lttricks.core.mixup.Mixup mixup, long batchSize) {
    }

    @Test
    void theRecordsAndTheProtoMapByTheRuleAndDriftIsNamed() {
        assertEquals(List.of(), ProtoRecords.mismatches(io.lttricks.core.plan.TrainPlan.class,
                io.lttricks.proto.v1.TrainPlan.getDescriptor()));
        assertEquals(List.of(), ProtoRecords.mismatches(io.lttricks.core.plan.CamPlan.class,
                io.lttricks.proto.v1.CamPlan.getDescriptor()));
        List<String> m = ProtoRecords.mismatches(Drifted.class, io.lttricks.proto.v1.TrainPlan.getDescriptor());
        assertTrue(m.contains("Drifted.extra has no field extra in message lttricks.v1.TrainPlan (add it to the .proto"
                + " with the next free number)"), String.join("\n", m));
        assertTrue(m.contains("Drifted.batchSize (long) does not fit field lttricks.v1.TrainPlan.batch_size (INT)"),
                String.join("\n", m));
        assertTrue(m.contains("field lttricks.v1.TrainPlan.precision has no component in record Drifted (add it there,"
                + " or name it in ProtoRecords.ALIASES)"), String.join("\n", m));
        assertTrue(m.stream().noneMatch(x -> x.startsWith("Drifted.epochs") || x.startsWith("Drifted.mixup")
                || x.startsWith("Mixup.")), "epochs and the nested mixup follow the rule: " + m);
    }

    /** A word missing where the plan needs one, or an init that is no init, is refused naming its field. */
    @Test
    void aBrokenPlanIsRefusedNamingItsField() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nstages:\n"
                + "  - {name: first, drs: {sampler: class_balanced}}\n");
        io.lttricks.proto.v1.TrainPlan t = PlanMapper.toProto(Recipes.resolve(r).stages().get(0)).getTrain();
        assertTrue(t.hasDrs() && !t.hasMixup() && !t.hasDrw(), "absent tricks are absent messages: " + t);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlanMapper.fromProto(t.toBuilder().clearRole().build()));
        assertEquals("plan field role: missing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PlanMapper.fromProto(t.toBuilder()
                .setDrs(t.getDrs().toBuilder().setSampler("balanced")).build()));
        assertEquals("plan field drs.sampler: unknown word 'balanced'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PlanMapper.fromProto(t.toBuilder()
                .setMixup(io.lttricks.proto.v1.MixupPlan.newBuilder().setAlpha(1)).build()));
        assertEquals("plan field mixup.at: missing", e.getMessage());
    }

    /** A run and its jobs as versions before typed plans recorded them: JSON plans, or none at all. */
    @Test
    @SuppressWarnings("deprecation")
    void runsAndJobsRecordedBeforeStillLoad() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nprofile: quick\nstages:\n"
                + "  - {name: first, role: first_stage}\n  - {name: cam, type: cam}\n"
                + "  - {name: deferred, role: deferred, init: previous, generated: cam}\n");
        List<StagePlan> plans = Recipes.resolve(r).stages();
        io.lttricks.proto.v1.Recipe recipe = RecipeMapper.toProto(r);
        RunStatus typed = RunStatus.newBuilder().setRecipe(recipe)
                .addAllPlans(plans.stream().map(PlanMapper::toProto).toList()).build();
        RunStatus json = RunStatus.newBuilder().setRecipe(recipe)
                .addAllStagePlans(plans.stream().map(Recipes::toJson).toList()).build();
        RunStatus none = RunStatus.newBuilder().setRecipe(recipe).build();
        for (RunStatus run : List.of(typed, json, none)) {
            assertEquals(plans, StoredPlans.of(run));
        }
        TrainJob.Builder train = TrainJob.newBuilder().setRecipe(recipe).setStageIndex(2);
        CamJob.Builder cam = CamJob.newBuilder().setRecipe(recipe).setStageIndex(1);
        assertEquals(plans.get(2), StoredPlans.of(train.build()), "a job from before plans travelled");
        assertEquals(plans.get(2), StoredPlans.of(train.clone().setPlanJson(Recipes.toJson(plans.get(2))).build()));
        assertEquals(plans.get(2), StoredPlans.of(train.clone().setPlan(PlanMapper.toProto(
                (io.lttricks.core.plan.TrainPlan) plans.get(2))).build()));
        assertEquals(plans.get(1), StoredPlans.of(cam.build()));
        assertEquals(plans.get(1), StoredPlans.of(cam.clone().setPlanJson(Recipes.toJson(plans.get(1))).build()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoredPlans.of(train.clone().setStageIndex(1).build()));
        assertEquals("stage cam is not a training stage", e.getMessage());
        // plans recorded before there was a precision say none: fp32
        io.lttricks.proto.v1.TrainPlan before = PlanMapper.toProto((io.lttricks.core.plan.TrainPlan) plans.get(0)).toBuilder()
                .clearPrecision().build();
        assertEquals(plans.get(0), PlanMapper.fromProto(before));
        assertEquals(io.lttricks.core.model.Precision.FP32,
                ((io.lttricks.core.plan.TrainPlan) Recipes.fromJson(Recipes.toJson(plans.get(0)).replace(",\"precision\":\"fp32\"", "")
                        .replace(",\"precision\":\"FP32\"", ""), StagePlan.class)).precision());
    }

    /** The API's limit on a recipe document is the recipe reader's (core does not see the API's constants). */
    @Test
    void theDocumentLimitIsTheRecipeReaders() {
        assertEquals(io.lttricks.api.ApiLimits.SUBMIT_MAX_DOCUMENT_BYTES, Recipes.MAX_TEXT_BYTES);
    }
}
