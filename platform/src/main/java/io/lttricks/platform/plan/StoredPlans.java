package io.lttricks.platform.plan;

import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.TrainJob;
import java.util.List;

/**
 * The plans a run's state and its jobs carry, as the core's plans: the typed messages of
 * {@code plans.proto} ({@link PlanMapper}), resolved once at Submit.
 *
 * <p>The one conversion of what older versions stored, and the only place that knows it: runs and
 * jobs recorded before typed plans (2026-12-07) carry their plans as JSON of the core's records
 * ({@code stage_plans}, {@code plan_json}); runs from before plans were recorded at all carry
 * none, and their recipe is resolved again, as it was when they ran. Nothing else in the code
 * reads those fields. {@code PlanMapperTest.runsAndJobsRecordedBeforeStillLoad} keeps such a run and such jobs loading.
 */
public final class StoredPlans {
    private StoredPlans() {
    }

    /** Every stage's plan of a run, in stage order. */
    @SuppressWarnings("deprecation")
    public static List<StagePlan> of(RunStatus run) {
        if (run.getPlansCount() > 0) {
            return run.getPlansList().stream().map(PlanMapper::fromProto).toList();
        }
        if (run.getStagePlansCount() > 0) {
            return run.getStagePlansList().stream().map(json -> Recipes.fromJson(json, StagePlan.class)).toList();
        }
        return RecipeMapper.resolve(run.getRecipe()).stages();
    }

    /** The plan a training job carries. */
    @SuppressWarnings("deprecation")
    public static TrainPlan of(TrainJob job) {
        if (job.hasPlan()) {
            return PlanMapper.fromProto(job.getPlan());
        }
        return legacy(job.getPlanJson(), job.getRecipe(), job.getStageIndex(), TrainPlan.class);
    }

    /** The plan a cam job carries. */
    @SuppressWarnings("deprecation")
    public static CamPlan of(CamJob job) {
        if (job.hasPlan()) {
            return PlanMapper.fromProto(job.getPlan());
        }
        return legacy(job.getPlanJson(), job.getRecipe(), job.getStageIndex(), CamPlan.class);
    }

    private static <T extends StagePlan> T legacy(String json, io.lttricks.proto.v1.Recipe recipe, int index,
                                                  Class<T> type) {
        return PlanMapper.as(json.isBlank() ? RecipeMapper.resolve(recipe).stages().get(index)
                : Recipes.fromJson(json, StagePlan.class), type);
    }
}
