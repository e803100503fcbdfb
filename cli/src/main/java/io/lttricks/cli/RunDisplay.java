package io.lttricks.cli;

import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.JobDeadLettered;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.DatasetProgress;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.StageStatus;
import io.lttricks.proto.v1.TrainProgress;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** How runs look on the terminal: the event stream as progress lines, runs and results as tables. */
final class RunDisplay {
    private final ConsoleReporter console;
    private final PrintStream out;
    private final java.util.Map<String, java.util.Set<Integer>> shardsDone = new java.util.HashMap<>();

    RunDisplay(ConsoleReporter console, PrintStream out) {
        this.console = console;
        this.out = out;
    }

    /** Shows one event; returns the run's final phase when the event ends it, else null. */
    RunPhase show(RunEvent e) {
        String stage = "[" + (e.getStage().isEmpty() ? "run" : e.getStage()) + "] ";
        switch (e.getKindCase()) {
            case SUBMITTED -> console.note(stage + "submitted " + e.getRunId() + " ("
                    + e.getSubmitted().getRun().getStagesCount() + " stages)");
            case DATASET -> console.note(stage + "training set ready: " + e.getDataset().getCountsCount() + " classes, counts "
                    + brief(e.getDataset().getCountsList()));
            case DATASET_PROGRESS -> {
                DatasetProgress p = e.getDatasetProgress();
                if (!p.getNote().isEmpty()) {
                    console.note(stage + p.getNote());
                } else {
                    console.update(stage + p.getTask(), p.getDone(), p.getTotal(), p.getUnit());
                }
            }
            case QUEUED -> console.note(stage + "queued on " + e.getQueued().getTopic());
            case STARTED -> {
                e.getStarted().getSkippedCheckpointsList().forEach(skip -> console.note(stage + skip));
                console.note(stage + "started by " + e.getStarted().getWorker() + (e.getStarted().getResumedAfterEpoch() > 0
                        ? ", resumed after epoch " + e.getStarted().getResumedAfterEpoch() : ""));
            }
            case PROGRESS -> progress(stage, e.getProgress());
            case CHECKPOINT -> {
                if (e.getCheckpoint().getLast()) {
                    console.note(stage + "final checkpoint " + e.getCheckpoint().getKey());
                } else if (e.getCheckpoint().getBest()) {
                    console.note(stage + "best test epoch so far (" + e.getCheckpoint().getEpoch() + "), weights kept in "
                            + e.getCheckpoint().getKey());
                }
            }
            case SHARD -> {
                shardsDone.computeIfAbsent(e.getRunId() + "/" + e.getStage(), k -> new java.util.HashSet<>())
                        .add(e.getShard().getShard());
                console.update(stage + "CAM-based sampling", shardsDone.get(e.getRunId() + "/" + e.getStage()).size(),
                        e.getShard().getShards(), "shards (last by " + e.getShard().getWorker() + ")");
            }
            case COMPLETED -> console.note(stage + "done -> " + e.getCompleted().getOutputKey());
            case EVALUATION -> console.note(stage + metrics(e.getEvaluation().getMetrics()));
            case FAILED -> console.note(stage + "FAILED: " + e.getFailed().getReason());
            case CANCEL -> console.note(stage + "cancel requested: " + e.getCancel().getReason());
            case DEAD_LETTER -> console.note(stage + deadLetter(e.getDeadLetter()));
            case FINISHED -> {
                console.note(stage + "finished: " + phase(e.getFinished().getPhase()) + " (" + e.getFinished().getMessage() + ")");
                return e.getFinished().getPhase();
            }
            default -> {
            }
        }
        return null;
    }

    private void progress(String stage, TrainProgress p) {
        if (p.getWaitingForEpoch() > 0) {
            console.note(stage + "waiting for the sampler's order of epoch " + p.getWaitingForEpoch());
            return;
        }
        if (p.getEpochEnd()) {
            console.note(String.format(Locale.ROOT, "%sepoch %d/%d  loss %.4f  train-acc %5.1f%%  lr %.5g  %.0f img/s  rss %s",
                    stage, p.getEpoch(), p.getEpochs(), p.getLoss(), 100 * p.getAccuracy(), p.getLr(),
                    p.getImagesPerSecond(), ConsoleReporter.bytes(p.getResidentBytes())));
        } else {
            console.update(String.format(Locale.ROOT, "%sepoch %d/%d  loss %.4f  lr %.5g  %.0f img/s  ETA %s  batch",
                    stage, p.getEpoch(), p.getEpochs(), p.getLoss(), p.getLr(), p.getImagesPerSecond(),
                    ConsoleReporter.duration(p.getEtaSeconds())), p.getBatch(), p.getBatches(), "");
        }
    }

    static String metrics(Metrics m) {
        return String.format(Locale.ROOT, "test top-1 error %.2f%% (many %s, medium %s, few %s)%s -> %s",
                100 * m.getTop1Error(), m.hasManyShot() ? pct(m.getManyShot()) : "n/a",
                m.hasMediumShot() ? pct(m.getMediumShot()) : "n/a", m.hasFewShot() ? pct(m.getFewShot()) : "n/a",
                m.hasBestTestEpoch() ? String.format(Locale.ROOT, "; best test epoch %d: %s", m.getBestTestEpoch(),
                        pct(m.getBestTestEpochTop1Error())) : "", m.getReportKey());
    }

    void runs(List<RunStatus> runs) {
        out.printf(Locale.ROOT, "%-44s %-10s %-28s %-24s %s%n", "RUN", "PHASE", "STAGE", "SUBMITTED", "DEAD LETTERS");
        for (RunStatus r : runs) {
            out.printf(Locale.ROOT, "%-44s %-10s %-28s %-24s %s%n", r.getRunId(), phase(r.getPhase()), current(r),
                    java.time.Instant.ofEpochMilli(r.getSubmittedMs()), r.getDeadLettersCount() == 0 ? "-" : r.getDeadLettersCount());
        }
        for (RunStatus r : runs) {
            if (r.getDeadLettersCount() > 0) {
                out.println();
                out.println(r.getRunId() + ": jobs sent to " + Topics.DEAD_LETTERS + ":");
                deadLetters(r);
            }
        }
    }

    /** One line per dead letter of the run, indented. */
    private void deadLetters(RunStatus run) {
        for (JobDeadLettered d : run.getDeadLettersList()) {
            out.println("  [" + (d.getStage().isEmpty() ? "run" : d.getStage()) + "] " + java.time.Instant.ofEpochMilli(d.getTimeMs())
                    + " " + deadLetter(d));
        }
    }

    static String deadLetter(JobDeadLettered d) {
        String cause = switch (d.getCause()) {
            case DEAD_LETTER_GAVE_UP -> "retries spent";
            case DEAD_LETTER_FAILED -> "failed";
            case DEAD_LETTER_UNREADABLE -> "unreadable";
            default -> "ended";
        };
        return "job " + d.getTopic() + "@" + d.getPartition() + "-" + d.getOffset() + " sent to " + Topics.DEAD_LETTERS
                + " (" + cause + ", by " + d.getWorker() + "): " + d.getReason();
    }

    void results(RunResults results) {
        RunStatus run = results.getRun();
        out.printf(Locale.ROOT, "run %s: %s (%s)%n", run.getRunId(), phase(run.getPhase()), run.getMessage());
        out.printf(Locale.ROOT, "%-14s %-10s %12s %10s %10s %10s %18s%n", "STAGE", "PHASE", "TOP-1 ERROR", "MANY", "MEDIUM",
                "FEW", "BEST TEST EPOCH");
        for (StageStatus s : run.getStagesList()) {
            Metrics m = s.hasMetrics() ? s.getMetrics() : null;
            out.printf(Locale.ROOT, "%-14s %-10s %12s %10s %10s %10s %18s%n", s.getName(), stagePhase(s),
                    m == null ? (s.getType().equals("cam") ? "(" + s.getDone() + " shards)" : "-") : pct(m.getTop1Error()),
                    m != null && m.hasManyShot() ? pct(m.getManyShot()) : "-",
                    m != null && m.hasMediumShot() ? pct(m.getMediumShot()) : "-",
                    m != null && m.hasFewShot() ? pct(m.getFewShot()) : "-",
                    m != null && m.hasBestTestEpoch() ? pct(m.getBestTestEpochTop1Error()) + " @" + m.getBestTestEpoch() : "-");
        }
        if (run.getDeadLettersCount() > 0) {
            out.println("jobs sent to " + Topics.DEAD_LETTERS + ":");
            deadLetters(run);
        }
        for (StageResult r : results.getStagesList()) {
            out.println();
            out.println(r.getStage() + ": report s3://" + run.getBucket() + "/" + r.getMetrics().getReportKey());
            out.println("  table s3://" + run.getBucket() + "/" + r.getMetrics().getTableKey());
            if (!r.getCheckpointKey().isEmpty()) {
                out.println("  checkpoint s3://" + run.getBucket() + "/" + r.getCheckpointKey()
                        + "   (lt predict --server takes it; --open DIR --checkpoints copies it)");
            }
            for (String plot : r.getMetrics().getPlotKeysList()) {
                out.println("  plot  s3://" + run.getBucket() + "/" + plot);
            }
        }
    }

    private static String current(RunStatus r) {
        for (StageStatus s : r.getStagesList()) {
            if (!s.getPhase().name().equals("STAGE_SUCCEEDED")) {
                return s.getName() + " " + stagePhase(s) + (s.getTotal() > 0 ? " " + s.getDone() + "/" + s.getTotal() : "");
            }
        }
        return "-";
    }

    static String phase(RunPhase p) {
        return p.name().replace("RUN_", "").toLowerCase(Locale.ROOT);
    }

    static String stagePhase(StageStatus s) {
        return s.getPhase().name().replace("STAGE_", "").toLowerCase(Locale.ROOT);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String brief(List<Integer> counts) {
        return counts.size() <= 12 ? counts.toString()
                : "[" + counts.get(0) + ", " + counts.get(1) + ", ..., " + counts.get(counts.size() - 1) + "]";
    }
}
