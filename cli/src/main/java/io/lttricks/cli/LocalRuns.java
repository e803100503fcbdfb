package io.lttricks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.RunLayout;
import io.lttricks.platform.plan.MetricsMapper;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.ListRunsResponse;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunFinished;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.StageStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.TrainProgress;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The RunService read from run directories of {@code lt train} (and {@code lt reproduce}), so that
 * {@code lt dashboard} shows them as the services' dashboard shows theirs: each directory with a
 * {@code recipe.json} is a run (its name the run id), its stages from the recipe, their epochs and
 * figures from {@code history.jsonl}, their results from {@code report.json}, and its files those
 * the directory has. A run is running while one of its stage's files changed lately, finished with
 * its {@code report.json}, else stopped (the message says how to resume it). Watch follows the
 * histories, one event an epoch. It only reads: Submit and Cancel are refused.
 */
final class LocalRuns extends RunServiceGrpc.RunServiceImplBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A run whose files changed within this long (or two of its epochs, if longer) counts as running. */
    static final long QUIET_MS = 120_000;
    private static final long POLL_MS = 1000;
    private static final List<String> STAGE_FILES = List.of(RunLayout.REPORT_JSON, RunLayout.REPORT_TEXT,
            RunLayout.PER_CLASS_PLOT, RunLayout.CONFUSION_PLOT, RunLayout.CURVES, RunLayout.HISTORY, RunLayout.ENVIRONMENT);

    private final List<Path> roots;

    /** @param roots run directories, or directories of run directories (runs/) */
    LocalRuns(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    /** Every run directory under the roots, by id (its directory name; a later one of the same name gets a suffix). */
    Map<String, Path> runs() {
        Map<String, Path> found = new LinkedHashMap<>();
        for (Path root : roots) {
            if (Files.isRegularFile(root.resolve(RunLayout.RECIPE))) {
                add(found, root);
                continue;
            }
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> children = Files.list(root)) {
                for (Path dir : children.sorted().toList()) {
                    if (Files.isRegularFile(dir.resolve(RunLayout.RECIPE))) {
                        add(found, dir);
                    }
                }
            } catch (IOException e) {
                // An unreadable directory shows no runs.
            }
        }
        return found;
    }

    private static void add(Map<String, Path> found, Path dir) {
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        String id = name;
        for (int i = 2; found.containsKey(id); i++) {
            id = name + "-" + i;
        }
        found.put(id, dir);
    }

    @Override
    public void list(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
        List<RunStatus> all = new ArrayList<>();
        for (Map.Entry<String, Path> e : runs().entrySet()) {
            all.add(status(e.getKey(), e.getValue()));
        }
        all.sort(Comparator.comparingLong(RunStatus::getSubmittedMs).reversed());
        ListRunsResponse.Builder b = ListRunsResponse.newBuilder();
        all.stream().limit(request.getLimit() > 0 ? request.getLimit() : Long.MAX_VALUE).forEach(b::addRuns);
        response.onNext(b.build());
        response.onCompleted();
    }

    @Override
    public void get(GetRunRequest request, StreamObserver<RunStatus> response) {
        answer(response, () -> {
            response.onNext(status(request.getRunId(), find(request.getRunId())));
            response.onCompleted();
        });
    }

    @Override
    public void results(GetRunRequest request, StreamObserver<RunResults> response) {
        answer(response, () -> {
            response.onNext(results(request.getRunId(), find(request.getRunId())));
            response.onCompleted();
        });
    }

    @Override
    public void getResultFile(GetResultFileRequest request, StreamObserver<FileChunk> response) {
        answer(response, () -> file(request, response));
    }

    /** Runs {@code body}, answering a refusal it throws with its status (a thrown one would reach the client as UNKNOWN). */
    private static void answer(StreamObserver<?> response, Runnable body) {
        try {
            body.run();
        } catch (io.grpc.StatusRuntimeException e) {
            response.onError(e);
        }
    }

    private void file(GetResultFileRequest request, StreamObserver<FileChunk> response) {
        Path dir = find(request.getRunId());
        RunResults results = results(request.getRunId(), dir);
        boolean listed = Stream.concat(results.getStagesList().stream(), results.getCamStagesList().stream())
                .anyMatch(s -> s.getFileKeysList().contains(request.getKey()));
        if (!listed) {
            throw Status.INVALID_ARGUMENT.withDescription("key: '" + request.getKey() + "' is not one of run "
                    + request.getRunId() + "'s result files").asRuntimeException();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(request.getKey()));
        } catch (IOException e) {
            throw Status.NOT_FOUND.withDescription("run " + request.getRunId() + " has no file " + request.getKey()
                    + " (yet)").asRuntimeException();
        }
        for (int at = 0; at < bytes.length; at += 1 << 20) {
            response.onNext(FileChunk.newBuilder().setData(ByteString.copyFrom(bytes, at,
                    Math.min(1 << 20, bytes.length - at))).build());
        }
        response.onCompleted();
    }

    /** One progress event per epoch line the histories gain, until the run is no longer running. */
    @Override
    public void watch(WatchRunRequest request, StreamObserver<RunEvent> response) {
        answer(response, () -> follow(request, response));
    }

    private void follow(WatchRunRequest request, StreamObserver<RunEvent> response) {
        String id = request.getRunId();
        Path dir = find(id);
        ServerCallStreamObserver<RunEvent> call = (ServerCallStreamObserver<RunEvent>) response;
        Map<String, Integer> sent = new LinkedHashMap<>();
        boolean first = true;
        List<StagePlan> plans = plans(dir);   // recipe.json is written once, when the run starts
        try {
            while (!call.isCancelled()) {
                RunStatus status = status(id, dir);
                for (int i = 0; i < plans.size(); i++) {
                    if (!(plans.get(i) instanceof TrainPlan p)) {
                        continue;
                    }
                    List<JsonNode> lines = history(stage(new RunLayout(dir), i, p.name(), plans.size()).history());
                    int from = sent.getOrDefault(p.name(), first && request.getFromNow() ? lines.size() : 0);
                    for (int l = from; l < lines.size(); l++) {
                        response.onNext(progress(id, p, lines.get(l)));
                    }
                    sent.put(p.name(), lines.size());
                }
                first = false;
                if (status.getPhase() != RunPhase.RUN_RUNNING) {
                    response.onNext(RunEvent.newBuilder().setRunId(id).setTimeMs(System.currentTimeMillis())
                            .setSource("lt dashboard").setFinished(RunFinished.newBuilder().setPhase(status.getPhase())
                                    .setMessage(status.getMessage())).build());
                    response.onCompleted();
                    return;
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.onError(Status.CANCELLED.asRuntimeException());
        }
    }

    @Override
    public void submit(SubmitRunRequest request, StreamObserver<RunStatus> response) {
        response.onError(readOnly());
    }

    @Override
    public void cancel(GetRunRequest request, StreamObserver<RunStatus> response) {
        response.onError(readOnly());
    }

    private static RuntimeException readOnly() {
        return Status.UNIMPLEMENTED.withDescription("lt dashboard shows run directories of lt train; start and stop"
                + " runs with lt train (Ctrl-C stops one, --resume continues it)").asRuntimeException();
    }

    private Path find(String runId) {
        Path dir = runs().get(runId);
        if (dir == null) {
            throw Status.NOT_FOUND.withDescription("no run " + runId + " in " + roots).asRuntimeException();
        }
        return dir;
    }

    // ---------------------------------------------------------------------------------------------

    static List<StagePlan> plans(Path dir) {
        try {
            return TrainingRun.readRunRecipe(dir).stages();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    RunStatus status(String id, Path dir) {
        RunLayout layout = new RunLayout(dir);
        RunStatus.Builder b = RunStatus.newBuilder().setRunId(id).setName(id).setPrefix(dir.toAbsolutePath().toString());
        Recipes.Resolved resolved;
        try {
            resolved = TrainingRun.readRunRecipe(dir);
        } catch (IOException | RuntimeException e) {
            return b.setPhase(RunPhase.RUN_FAILED).setMessage("its recipe.json cannot be read: " + e.getMessage()).build();
        }
        b.setName(resolved.recipe().name() == null ? id : resolved.recipe().name());
        try {
            b.setRecipe(RecipeMapper.toProto(resolved.recipe()));
        } catch (RuntimeException e) {
            // A recipe older than the API's schema: the page shows no recipe.
        }
        b.setSubmittedMs(modified(layout.recipe()));
        long latest = modified(layout.recipe());
        long lastEpochMs = 0;
        int running = -1;
        for (int i = 0; i < resolved.stages().size(); i++) {
            StagePlan plan = resolved.stages().get(i);
            RunLayout.Stage stage = stage(layout, i, plan.name(), resolved.stages().size());
            StageStatus.Builder s = StageStatus.newBuilder().setName(plan.name());
            if (plan instanceof CamPlan) {
                boolean done = Files.exists(stage.generated().resolve(io.lttricks.core.cam.GeneratedSet.MANIFEST));
                s.setType("cam").setPhase(done ? StagePhase.STAGE_SUCCEEDED
                        : Files.isDirectory(stage.generated()) ? StagePhase.STAGE_RUNNING : StagePhase.STAGE_PENDING)
                        .setDone(done ? 1 : 0).setTotal(1)
                        .setMessage("images in " + dir.relativize(stage.generated()) + "/ (lt cam preview draws examples)");
                latest = Math.max(latest, modified(stage.generated()));
            } else if (plan instanceof TrainPlan p) {
                List<JsonNode> lines = history(stage.history());
                s.setType("train").setDone(lines.size()).setTotal(p.epochs());
                if (!lines.isEmpty()) {
                    JsonNode last = lines.get(lines.size() - 1);
                    s.setLoss(last.path("loss").asDouble()).setLr(last.path("lr").asDouble())
                            .setImagesPerSecond(last.path("imagesPerSecond").asDouble());
                    lastEpochMs = (long) (1000 * last.path("seconds").asDouble());
                }
                // Its final model, or its report where a finished run was kept without checkpoints.
                boolean done = Files.exists(stage.finalCheckpoint()) || Files.exists(stage.path().resolve(RunLayout.REPORT_JSON));
                s.setPhase(done ? StagePhase.STAGE_SUCCEEDED : lines.isEmpty() && !Files.isDirectory(stage.path())
                        ? StagePhase.STAGE_PENDING : StagePhase.STAGE_RUNNING);
                s.setStartedMs(started(stage.path().resolve(RunLayout.ENVIRONMENT)));
                if (done) {
                    s.setFinishedMs(Math.max(modified(stage.finalCheckpoint()), modified(stage.path().resolve(RunLayout.REPORT_JSON))));
                }
                Path report = stage.path().resolve(RunLayout.REPORT_JSON);
                if (Files.isRegularFile(report)) {
                    Metrics m = metrics(report, dir.relativize(stage.path()).toString());
                    if (m != null) {
                        s.setMetrics(m);
                    }
                }
                latest = Math.max(latest, Math.max(modified(stage.history()), modified(stage.path().resolve(RunLayout.CHECKPOINTS))));
            }
            if (s.getPhase() == StagePhase.STAGE_RUNNING && running < 0) {
                running = i;
            }
            b.addStages(s);
        }
        b.setUpdatedMs(latest);
        boolean quiet = System.currentTimeMillis() - latest > Math.max(QUIET_MS, 2 * lastEpochMs);
        if (Files.isRegularFile(layout.report())) {
            b.setPhase(RunPhase.RUN_SUCCEEDED).setMessage("finished");
        } else if (!quiet) {
            b.setPhase(RunPhase.RUN_RUNNING).setMessage(running >= 0 ? "training stage " + b.getStages(running).getName()
                    : "between stages");
        } else {
            String state;
            try {
                state = TrainingRun.state(layout, resolved.stages());
            } catch (IOException e) {
                state = "stopped";
            }
            b.setPhase(RunPhase.RUN_CANCELLED).setMessage(state + "; lt train --resume --out " + dir + " continues it");
            for (int i = 0; i < b.getStagesCount(); i++) {
                if (b.getStages(i).getPhase() == StagePhase.STAGE_RUNNING) {
                    b.setStages(i, b.getStages(i).toBuilder().setPhase(StagePhase.STAGE_CANCELLED));
                }
            }
        }
        return b.build();
    }

    /**
     * Stage {@code index}'s directory; for a one-stage run whose stage files lie in the run directory
     * itself (as docs/results keeps finished runs), the run directory.
     */
    static RunLayout.Stage stage(RunLayout layout, int index, String name, int stages) {
        RunLayout.Stage stage = layout.stage(index, name);
        if (stages == 1 && !Files.isDirectory(stage.path()) && Files.isRegularFile(layout.root().resolve(RunLayout.HISTORY))) {
            return new RunLayout.Stage(layout.root());
        }
        return stage;
    }

    RunResults results(String id, Path dir) {
        RunStatus run = status(id, dir);
        RunResults.Builder b = RunResults.newBuilder().setRun(run);
        for (int i = 0; i < run.getStagesCount(); i++) {
            StageStatus s = run.getStages(i);
            Path stage = stage(new RunLayout(dir), i, s.getName(), run.getStagesCount()).path();
            if (!s.hasMetrics()) {   // cam stages and stages not evaluated yet
                continue;
            }
            StageResult.Builder r = StageResult.newBuilder().setStage(s.getName()).setMetrics(s.getMetrics());
            for (String f : STAGE_FILES) {
                if (Files.isRegularFile(stage.resolve(f))) {
                    r.addFileKeys(dir.relativize(stage.resolve(f)).toString());
                }
            }
            b.addStages(r);
        }
        return b.build();
    }

    /** The report's figures, with keys relative to the run directory; null when it cannot be read. */
    private static Metrics metrics(Path report, String stagePrefix) {
        try {
            EvaluationReport r = JSON.readValue(report.toFile(), EvaluationReport.class);
            String at = stagePrefix.isEmpty() ? "" : stagePrefix + "/";
            Metrics.Builder m = MetricsMapper.of(r).setReportKey(at + RunLayout.REPORT_JSON)
                    .setTableKey(at + RunLayout.REPORT_TEXT);
            for (String plot : List.of(RunLayout.PER_CLASS_PLOT, RunLayout.CONFUSION_PLOT, RunLayout.CURVES)) {
                if (Files.isRegularFile(report.resolveSibling(plot))) {
                    m.addPlotKeys(at + plot);
                }
            }
            return m.build();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static RunEvent progress(String id, TrainPlan p, JsonNode line) {
        return RunEvent.newBuilder().setRunId(id).setStage(p.name()).setTimeMs(System.currentTimeMillis())
                .setSource("lt train").setProgress(TrainProgress.newBuilder().setEpoch(line.path("epoch").asInt())
                        .setEpochs(line.path("epochs").asInt(p.epochs())).setLoss(line.path("loss").asDouble())
                        .setAccuracy(line.path("accuracy").asDouble()).setLr(line.path("lr").asDouble())
                        .setImagesPerSecond(line.path("imagesPerSecond").asDouble()).setEpochEnd(true)
                        .setResidentBytes(line.path("residentBytes").asLong())).build();
    }

    private static List<JsonNode> history(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(file)) {
                if (!l.isBlank()) {
                    try {
                        lines.add(JSON.readTree(l));
                    } catch (IOException partial) {
                        // The line being written: read next time.
                    }
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return lines;
    }

    /** When the stage first started: the first line of its environment.jsonl; 0 when unknown. */
    private static long started(Path environment) {
        try (Stream<String> lines = Files.lines(environment)) {
            String first = lines.findFirst().orElse(null);
            return first == null ? 0 : Instant.parse(JSON.readTree(first).path("time").asText()).toEpochMilli();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The latest modification under {@code path} (one level), 0 when it does not exist. */
    private static long modified(Path path) {
        try {
            long t = Files.getLastModifiedTime(path).toMillis();
            if (Files.isDirectory(path)) {
                try (Stream<Path> children = Files.list(path)) {
                    for (Path c : children.toList()) {
                        t = Math.max(t, Files.getLastModifiedTime(c).toMillis());
                    }
                }
            }
            return t;
        } catch (IOException e) {
            return 0;
        }
    }
}
