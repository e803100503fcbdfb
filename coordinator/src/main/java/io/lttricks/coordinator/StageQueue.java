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
 * state: what the autoscalers follow. With trainers, augment shards and evaluators in Kafka share
 * groups there is no consumer-group lag to read, and the lag never counted the jobs in hand
 * anyway. Wanted ({@link #PATH}, read by KEDA's metrics-api scaler; {@code lt_stages} and
 * {@code lt_workers_wanted} on {@code /metrics}):
 * <ul>
 * <li>trainers: one per training stage queued or training;</li>
 * <li>augmenters: one per shard not yet stored of the CAM stages in generation (a stage's shard count
 *     comes with its start), and one per CAM stage queued (its planning job);</li>
 * <li>evaluators: one per training stage finished and not yet evaluated.</li>
 * </ul>
 */
public final class StageQueue {
    /**
     * The JSON document of the counts on the metrics port: {@code {"train": {"queued": 1, "running": 2,
     * "wanted": 3}, "cam": {...}, "augment": {"wanted": 8}, "eval": {"wanted": 1}}}.
     */
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
        for (String service : new String[] {"trainer", "augment", "evaluator"}) {
            Gauge.builder("lt_workers_wanted", () -> counts().getOrDefault(WANTED + service, 0))
                    .description("workers of a service the live runs' waiting and running jobs want (what KEDA scales on)")
                    .tags("service", service).register(metrics.registry());
        }
        metrics.document(PATH, this::json);
        return this;
    }

    /** Stages of {@code type} in {@code phase} among the runs that are not over. */
    public int count(String type, StagePhase phase) {
        return counts().getOrDefault(type + "/" + phase, 0);
    }

    private static final String WANTED = "wanted/";

    /**
     * Every count at once, keyed {@code type/phase}, and the workers wanted keyed {@code wanted/service}:
     * one pass over the runs.
     */
    private java.util.Map<String, Integer> counts() {
        java.util.Map<String, Integer> n = new java.util.HashMap<>();
        for (RunStatus run : runs.all()) {
            if (run.getPhase() != RunPhase.RUN_RUNNING && run.getPhase() != RunPhase.RUN_QUEUED) {
                continue;
            }
            for (StageStatus s : run.getStagesList()) {
                String type = s.getType().isEmpty() ? "train" : s.getType();
                n.merge(type + "/" + s.getPhase(), 1, Integer::sum);
                if (type.equals("cam") && s.getPhase() == StagePhase.STAGE_QUEUED) {
                    n.merge(WANTED + "augment", 1, Integer::sum);
                } else if (type.equals("cam") && s.getPhase() == StagePhase.STAGE_RUNNING) {
                    n.merge(WANTED + "augment", (int) Math.max(1, s.getTotal() - s.getDone()), Integer::sum);
                } else if (!type.equals("cam") && (s.getPhase() == StagePhase.STAGE_QUEUED
                        || s.getPhase() == StagePhase.STAGE_RUNNING)) {
                    n.merge(WANTED + "trainer", 1, Integer::sum);
                } else if (!type.equals("cam") && s.getPhase() == StagePhase.STAGE_SUCCEEDED && !s.hasMetrics()) {
                    n.merge(WANTED + "evaluator", 1, Integer::sum);
                }
            }
        }
        return n;
    }

    String json() {
        java.util.Map<String, Integer> n = counts();
        StringBuilder b = new StringBuilder("{");
        for (String type : new String[] {"train", "cam"}) {
            int queued = n.getOrDefault(type + "/" + StagePhase.STAGE_QUEUED, 0);
            int running = n.getOrDefault(type + "/" + StagePhase.STAGE_RUNNING, 0);
            b.append('"').append(type).append("\": {\"queued\": ").append(queued).append(", \"running\": ")
                    .append(running).append(", \"wanted\": ").append(queued + running).append("}, ");
        }
        return b.append("\"augment\": {\"wanted\": ").append(n.getOrDefault(WANTED + "augment", 0))
                .append("}, \"eval\": {\"wanted\": ").append(n.getOrDefault(WANTED + "evaluator", 0)).append("}}")
                .toString();
    }
}
