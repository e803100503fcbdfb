package io.lttricks.platform.plan;

import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's stage plans and their proto form ({@code plans.proto}), field for field: the one
 * conversion between what Submit resolved and what a worker runs. No code per field: a record
 * component and the proto field of its name are mapped by {@link ProtoRecords}' rule (words are the
 * recipe files'), so a new plan field is added to the record and to {@code plans.proto}, and to
 * nothing here. A plan read back equals the plan written ({@code PlanMapperTest}: every recipe file
 * under both profiles); a record and a message that drift apart stop this class from loading, with
 * the list of what differs.
 */
public final class PlanMapper {
    static {
        List<String> m = new ArrayList<>(ProtoRecords.mismatches(TrainPlan.class,
                io.lttricks.proto.v1.TrainPlan.getDescriptor()));
        m.addAll(ProtoRecords.mismatches(CamPlan.class, io.lttricks.proto.v1.CamPlan.getDescriptor()));
        if (!m.isEmpty()) {
            throw new IllegalStateException("the core's plans and plans.proto differ: " + String.join("; ", m));
        }
    }

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
        return ProtoRecords.toProto(p, io.lttricks.proto.v1.TrainPlan.getDefaultInstance());
    }

    public static TrainPlan fromProto(io.lttricks.proto.v1.TrainPlan p) {
        return ProtoRecords.fromProto(p, TrainPlan.class);
    }

    public static io.lttricks.proto.v1.CamPlan toProto(CamPlan p) {
        return ProtoRecords.toProto(p, io.lttricks.proto.v1.CamPlan.getDefaultInstance());
    }

    public static CamPlan fromProto(io.lttricks.proto.v1.CamPlan p) {
        return ProtoRecords.fromProto(p, CamPlan.class);
    }
}
