package io.lttricks.coordinator;

import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageStatus;
import io.micrometer.core.instrument.Gauge;

/**
 * How many stages of the live runs wait for a worker and how many run, by kind, from the run
 * state: what the trainers' autoscaler follows. With the trainers in a Kafka share group there is
 * no consumer-group lag to read, and the lag never counted the stages in training anyway; one
 * trainer per stage queued or training is wanted ({@link #PATH}, read by KEDA's metrics-api
 * scaler; {@code lt_stages} on {@code /metrics}).
 */
public final class StageQueue {
    /** The JSON document of the counts on the metrics port: {@code {"train": {"queued": 1, "running": 2, "wanted": 3}, "cam": {...}}}. */
    public static final String PATH = "/v1/stages";

    private final RunStateStore runs;

    public StageQueue(RunStateStore runs) {
        this.runs = runs;
    }

    /** Registers the gauges and the JSON document on {@code metrics}. */
    public StageQueue publishOn(ServiceMetrics metrics) {
        for (String type : new String[] {"train", "cam"}) {
            for (StagePhase phase : new StagePhase[] {StagePhase.STAGE_QUEUED, StagePhase.STAGE_RUNNING}) {
                Gauge.builder("lt_stages", () -> count(type, phase))
                        .description("stages of live runs waiting for a worker (queued) or worked on (running)")
                        .tags("type", type, "state", phase == StagePhase.STAGE_QUEUED ? "queued" : "running")
                        .register(metrics.registry());
            }
        }
        metrics.document(PATH, this::json);
        return this;
    }

    /** Stages of {@code type} in {@code phase} among the runs that are not over. */
    public int count(String type, StagePhase phase) {
        return counts().getOrDefault(type + "/" + phase, 0);
    }

    /** Every count at once, keyed {@code type/phase}: one pass over the runs. */
    private java.util.Map<String, Integer> counts() {
        java.util.Map<String, Integer> n = new java.util.HashMap<>();
        for (RunStatus run : runs.all()) {
            if (run.getPhase() != RunPhase.RUN_RUNNING && run.getPhase() != RunPhase.RUN_QUEUED) {
                continue;
            }
            for (StageStatus s : run.getStagesList()) {
                n.merge((s.getType().isEmpty() ? "train" : s.getType()) + "/" + s.getPhase(), 1, Integer::sum);
            }
        }
        return n;
    }

    String json() {
        java.util.Map<String, Integer> n = counts();
        StringBuilder b = new StringBuilder("{");
        String sep = "";
        for (String type : new String[] {"train", "cam"}) {
            int queued = n.getOrDefault(type + "/" + StagePhase.STAGE_QUEUED, 0);
            int running = n.getOrDefault(type + "/" + StagePhase.STAGE_RUNNING, 0);
            b.append(sep).append('"').append(type).append("\": {\"queued\": ").append(queued).append(", \"running\": ")
                    .append(running).append(", \"wanted\": ").append(queued + running).append('}');
            sep = ", ";
        }
        return b.append('}').toString();
    }
}
