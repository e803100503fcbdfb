package io.lttricks.evaluator;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.eval.ReportPlots;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.eval.StageEvaluation;
import io.lttricks.core.eval.TrainingCurves;
import io.lttricks.core.util.Progress;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.Platform;
import io.lttricks.proto.v1.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Evaluates a stored checkpoint on its data set's test split and stores the report: JSON, a text
 * table and two PNG plots under the report prefix. A report already stored is returned as it is.
 */
final class ReportMaker {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Platform platform;
    private final DataAccess data;

    ReportMaker(Platform platform) {
        this.platform = platform;
        this.data = new DataAccess(platform);
    }

    static String jsonKey(String prefix) {
        return prefix + "/report.json";
    }

    synchronized Metrics evaluate(DatasetSpec dataset, String manifestKey, String checkpointKey, String reportPrefix)
            throws IOException {
        byte[] inputs = JSON.writeValueAsBytes(new Inputs(checkpointKey, manifestKey == null || manifestKey.isBlank()
                ? null : manifestKey, dataset));
        if (platform.store().exists(jsonKey(reportPrefix))) {
            // Answered from storage only where it is this evaluation (a redelivered job, a retried call).
            if (platform.store().exists(inputsKey(reportPrefix))
                    && !java.util.Arrays.equals(platform.store().get(inputsKey(reportPrefix)), inputs)) {
                throw new io.lttricks.platform.grpc.OutputExists("report_prefix: " + reportPrefix + " already holds the report"
                        + " of another evaluation (another checkpoint, data set or manifest); choose another report_prefix");
            }
            EvaluationReport stored = JSON.readValue(platform.store().get(jsonKey(reportPrefix)), EvaluationReport.class);
            return metrics(stored, reportPrefix);
        }
        // What this report is of, before the report itself (its presence marks the evaluation done).
        platform.store().put(inputsKey(reportPrefix), inputs, "application/json");
        Path ckpt = data.fetch(checkpointKey);
        Checkpoint.Meta meta = Checkpoint.readMeta(ckpt);
        if (meta.plan() == null) {
            throw new IllegalArgumentException("checkpoint_key: " + checkpointKey + " carries no training plan (the loss"
                    + " it was trained with decides how it is scored): evaluate a checkpoint that lt trained");
        }
        Datasets.Loaded loaded = data.load(dataset, manifestKey);
        EvaluationReport report;
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Backbone model = Checkpoint.loadModel(ckpt, manager);
            if (!loaded.test().classNames().equals(meta.classes())) {
                throw new IllegalArgumentException("checkpoint " + checkpointKey + " was trained on classes " + meta.classes()
                        + ", the test set has " + loaded.test().classNames());
            }
            List<String> history = historyBeside(checkpointKey);
            report = StageEvaluation.finalModel(model, manager, loaded.test(), meta.trainCounts(), meta.plan(), 256,
                    Progress.SILENT).withBestTestEpoch(io.lttricks.core.train.StageTrainer.testErrors(history));
            byte[] curves = TrainingCurves.render(meta.stage(), history);
            if (curves != null) {
                platform.store().put(curvesKey(reportPrefix), curves, "image/png");
            }
        }
        platform.store().put(reportPrefix + "/report.txt", report.table().getBytes(StandardCharsets.UTF_8), "text/plain");
        platform.store().put(reportPrefix + "/" + io.lttricks.core.train.RunLayout.PER_CLASS_PLOT, ReportPlots.perClass(report),
                "image/png");
        platform.store().put(reportPrefix + "/" + io.lttricks.core.train.RunLayout.CONFUSION_PLOT, ReportPlots.confusion(report),
                "image/png");
        platform.store().put(jsonKey(reportPrefix), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report),
                "application/json");
        return metrics(report, reportPrefix);
    }

    /** The stored history of the stage whose final checkpoint this is (empty when there is none). */
    private List<String> historyBeside(String checkpointKey) throws IOException {
        String suffix = "/" + io.lttricks.core.train.RunLayout.FINAL_CHECKPOINT;
        if (checkpointKey.endsWith(suffix)) {
            String history = io.lttricks.platform.store.Keys.history(checkpointKey.substring(0, checkpointKey.length() - suffix.length()));
            if (platform.store().exists(history)) {
                return new String(platform.store().get(history), StandardCharsets.UTF_8).lines().toList();
            }
        }
        return List.of();
    }

    static String curvesKey(String prefix) {
        return prefix + "/" + io.lttricks.core.train.RunLayout.CURVES;
    }

    static Metrics metrics(EvaluationReport r, String prefix) {
        return io.lttricks.platform.plan.MetricsMapper.of(r)
                .setReportKey(jsonKey(prefix)).setTableKey(prefix + "/report.txt")
                .addPlotKeys(prefix + "/" + io.lttricks.core.train.RunLayout.PER_CLASS_PLOT)
                .addPlotKeys(prefix + "/" + io.lttricks.core.train.RunLayout.CONFUSION_PLOT)
                .addPlotKeys(curvesKey(prefix))
                .build();
    }

    /**
     * What a report was made from: the checkpoint, the training set's manifest and the test data
     * set, as the request named them. A report written before this was recorded has none and is
     * answered as it is.
     */
    record Inputs(String checkpoint, String manifest, DatasetSpec dataset) {
    }

    static String inputsKey(String reportPrefix) {
        return reportPrefix + "/inputs.json";
    }
}
