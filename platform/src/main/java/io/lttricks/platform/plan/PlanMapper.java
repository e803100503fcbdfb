package io.lttricks.platform.plan;

import io.lttricks.core.model.Precision;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPaste;
import io.lttricks.core.cam.CamPreset;
import io.lttricks.core.cam.CamWeights;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
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
import io.lttricks.core.util.Term;
import io.lttricks.proto.v1.CamPlanOrBuilder;
import io.lttricks.proto.v1.TrainPlanOrBuilder;
import java.util.TreeMap;

/**
 * The core's stage plans and their proto form ({@code plans.proto}), field for field: the one
 * conversion between what Submit resolved and what a worker runs. Words are the recipe files'
 * ({@link Term#recipeName()}); a plan read back equals the plan written
 * ({@code PlanMapperTest}: every recipe file under both profiles).
 */
public final class PlanMapper {
    private PlanMapper() {
    }

    public static io.lttricks.proto.v1.StagePlan toProto(StagePlan plan) {
        io.lttricks.proto.v1.StagePlan.Builder b = io.lttricks.proto.v1.StagePlan.newBuilder();
        if (plan instanceof TrainPlan t) {
            b.setTrain(toProto(t));
        } else if (plan instanceof CamPlan c) {
            b.setCam(toProto(c));
        } else {
            throw new IllegalArgumentException("unknown kind of stage plan: " + plan.getClass().getSimpleName());
        }
        return b.build();
    }

    public static StagePlan fromProto(io.lttricks.proto.v1.StagePlan plan) {
        return switch (plan.getKindCase()) {
            case TRAIN -> fromProto(plan.getTrain());
            case CAM -> fromProto(plan.getCam());
            case KIND_NOT_SET -> throw new IllegalArgumentException("a stage plan without its kind (train or cam)");
        };
    }

    /** The plan as {@code type}, or an error naming the stage where it is of the other kind. */
    public static <T extends StagePlan> T fromProto(io.lttricks.proto.v1.StagePlan plan, Class<T> type) {
        return as(fromProto(plan), type);
    }

    /** {@code p} as {@code type}, or an error naming the stage where it is of the other kind. */
    static <T extends StagePlan> T as(StagePlan p, Class<T> type) {
        if (!type.isInstance(p)) {
            throw new IllegalArgumentException("stage " + p.name() + " is not a "
                    + (type == TrainPlan.class ? "training" : "cam") + " stage");
        }
        return type.cast(p);
    }

    public static io.lttricks.proto.v1.TrainPlan toProto(TrainPlan p) {
        io.lttricks.proto.v1.TrainPlan.Builder b = io.lttricks.proto.v1.TrainPlan.newBuilder().setName(p.name())
                .setInit(p.init().toString()).setRole(p.role().recipeName()).setBatchSize(p.batchSize())
                .setEpochs(p.epochs()).setSampler(p.sampler().recipeName()).setCheckpointEvery(p.checkpointEvery())
                .setColourJitter(p.colourJitter()).setPrecision(p.precision().recipeName());
        if (p.lr() != null) {
            b.setLr(io.lttricks.proto.v1.LrPlan.newBuilder().setBase(p.lr().base()).setWarmupEpochs(p.lr().warmupEpochs())
                    .addAllMilestones(p.lr().milestones()).setDecay(p.lr().decay()));
        }
        if (p.sgd() != null) {
            b.setSgd(io.lttricks.proto.v1.SgdPlan.newBuilder().setMomentum(p.sgd().momentum())
                    .setNesterov(p.sgd().nesterov()).setWeightDecay(p.sgd().weightDecay()));
        }
        if (p.loss() != null) {
            b.setLoss(io.lttricks.proto.v1.LossPlan.newBuilder().setName(p.loss().kind().recipeName())
                    .putAllParams(p.loss().params()));
        }
        if (p.drs() != null) {
            b.setDrs(io.lttricks.proto.v1.DrsPlan.newBuilder().setSampler(p.drs().sampler().recipeName())
                    .setStartEpoch(p.drs().startEpoch()));
        }
        if (p.drw() != null) {
            io.lttricks.proto.v1.DrwPlan.Builder d = io.lttricks.proto.v1.DrwPlan.newBuilder()
                    .setStartEpoch(p.drw().startEpoch()).setWeights(p.drw().weights().recipeName());
            if (p.drw().beta() != null) {
                d.setBeta(p.drw().beta());
            }
            b.setDrw(d);
        }
        if (p.mixup().enabled()) {
            b.setMixup(io.lttricks.proto.v1.MixupPlan.newBuilder().setAt(p.mixup().location().recipeName())
                    .setAlpha(p.mixup().alpha()));
        }
        if (p.generated() != null) {
            b.setGenerated(p.generated());
        }
        if (!p.eval().equals(EvalPlan.OFF)) {
            b.setEval(io.lttricks.proto.v1.EvalPlan.newBuilder().setEvery(p.eval().every()).setFromEpoch(p.eval().from())
                    .setKeepBest(p.eval().keepBest()));
        }
        return b.build();
    }

    public static TrainPlan fromProto(TrainPlanOrBuilder p) {
        return new TrainPlan(p.getName(), Init.parse(p.getInit()), term(StageRole.class, p.getRole(), "role"),
                p.getBatchSize(), p.getEpochs(),
                p.hasLr() ? new LrSchedule(p.getLr().getBase(), p.getLr().getWarmupEpochs(),
                        java.util.List.copyOf(p.getLr().getMilestonesList()), p.getLr().getDecay()) : null,
                p.hasSgd() ? new Sgd(p.getSgd().getMomentum(), p.getSgd().getNesterov(), p.getSgd().getWeightDecay()) : null,
                p.hasLoss() ? new io.lttricks.core.loss.LossPlan(term(LossKind.class, p.getLoss().getName(), "loss.name"),
                        new TreeMap<>(p.getLoss().getParamsMap())) : null,
                term(SamplerKind.class, p.getSampler(), "sampler"),
                p.hasDrs() ? new Drs(term(SamplerKind.class, p.getDrs().getSampler(), "drs.sampler"),
                        p.getDrs().getStartEpoch()) : null,
                p.hasDrw() ? new Drw(p.getDrw().getStartEpoch(), term(Drw.Weights.class, p.getDrw().getWeights(),
                        "drw.weights"), p.getDrw().hasBeta() ? p.getDrw().getBeta() : null) : null,
                p.hasMixup() ? new Mixup(term(MixLocation.class, p.getMixup().getAt(), "mixup.at"), p.getMixup().getAlpha())
                        : Mixup.OFF,
                p.getGenerated().isEmpty() ? null : p.getGenerated(), p.getCheckpointEvery(),
                p.hasEval() ? new EvalPlan(p.getEval().getEvery(), p.getEval().getFromEpoch(), p.getEval().getKeepBest())
                        : EvalPlan.OFF,
                p.getColourJitter(), precision(p.getPrecision()));
    }

    public static io.lttricks.proto.v1.CamPlan toProto(CamPlan p) {
        return io.lttricks.proto.v1.CamPlan.newBuilder().setName(p.name()).setInit(p.init().toString())
                .setBatchSize(p.batchSize()).setMethod(p.method().recipeName()).setThresholdFactor(p.thresholdFactor())
                .setCounts(p.counts().recipeName()).setThreshold(p.threshold()).setPaste(p.paste().recipeName())
                .setPreset(p.preset().recipeName()).setMapsFrom(p.mapsFrom().recipeName()).setViewJitter(p.viewJitter())
                .setPrecision(p.precision().recipeName()).build();
    }

    public static CamPlan fromProto(CamPlanOrBuilder p) {
        return new CamPlan(p.getName(), Init.parse(p.getInit()), p.getBatchSize(),
                term(CamMethod.class, p.getMethod(), "method"), p.getThresholdFactor(),
                term(CamCounts.class, p.getCounts(), "counts"), p.getThreshold(),
                term(CamPaste.class, p.getPaste(), "paste"), term(CamPreset.class, p.getPreset(), "preset"),
                term(CamWeights.class, p.getMapsFrom(), "maps_from"), p.getViewJitter(), precision(p.getPrecision()));
    }

    /** A plan's precision; empty in plans recorded before there was a choice: fp32. */
    static Precision precision(String name) {
        return name.isEmpty() ? Precision.FP32 : term(Precision.class, name, "precision");
    }

    /** The term a plan names by its recipe name (plans are written by {@link #toProto}: the exact word). */
    static <E extends Enum<E> & Term> E term(Class<E> type, String name, String field) {
        for (E e : type.getEnumConstants()) {
            if (e.recipeName().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("plan field " + field + ": unknown word " + ClientInputs.quote(name));
    }
}
