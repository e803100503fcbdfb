package io.lttricks.sampler;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.platform.EventTail;
import io.lttricks.platform.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.RecipeMapper;
import io.lttricks.platform.RunStateStore;
import io.lttricks.proto.v1.CancelRequested;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.ListRunsResponse;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.RunSubmitted;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.StageStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Runs over gRPC: submit, look up, list, watch, results, cancel. */
final class RunServiceImpl extends RunServiceGrpc.RunServiceImplBase {
    private final Platform platform;
    private final RunStateStore runs;

    RunServiceImpl(Platform platform, RunStateStore runs) {
        this.platform = platform;
        this.runs = runs;
    }

    @Override
    public void submit(SubmitRunRequest request, StreamObserver<RunStatus> response) {
        if (!request.hasRecipe()) {
            throw Status.INVALID_ARGUMENT.withDescription("recipe is required").asRuntimeException();
        }
        if (!request.getRequestId().isBlank()) {
            for (RunStatus r : runs.all()) {
                if (r.getRequestId().equals(request.getRequestId())) {
                    response.onNext(r);
                    response.onCompleted();
                    return;
                }
            }
        }
        Recipes.Resolved resolved = RecipeMapper.resolve(request.getRecipe(), this::checkpointProblem);
        String name = resolved.recipe().name() == null ? "run" : resolved.recipe().name();
        String runId = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        RunStatus status = newRun(runId, resolved, platform.store().bucket(), request.getRequestId());
        try {
            platform.store().put(Keys.recipe(runId), Recipes.toJson(resolved.recipe()).getBytes(StandardCharsets.UTF_8),
                    "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RunStatus stored = runs.put(status);
        platform.bus().event(RunEvent.newBuilder().setRunId(runId)
                .setSubmitted(RunSubmitted.newBuilder().setRun(stored)));
        response.onNext(stored);
        response.onCompleted();
    }

    /** A submitted run's first state: queued, its stages pending, their plans as resolved now. */
    static RunStatus newRun(String runId, Recipes.Resolved resolved, String bucket, String requestId) {
        RunStatus.Builder status = RunStatus.newBuilder()
                .setRunId(runId)
                .setName(resolved.recipe().name() == null ? "run" : resolved.recipe().name())
                .setPhase(RunPhase.RUN_QUEUED)
                .setRecipe(RecipeMapper.toProto(resolved.recipe()))
                .setSubmittedMs(System.currentTimeMillis())
                .setBucket(bucket)
                .setPrefix(Keys.run(runId))
                .setRequestId(requestId)
                .setMessage("submitted");
        for (StagePlan p : resolved.stages()) {
            status.addStages(StageStatus.newBuilder().setName(p.name())
                    .setType(p instanceof TrainPlan ? "train" : "cam").setPhase(StagePhase.STAGE_PENDING)
                    .setTotal(p instanceof TrainPlan t ? t.epochs() : 0));
            status.addStagePlans(RecipeMapper.toJson(p));
        }
        return status.build();
    }

    /** A checkpoint a recipe names must be an object of this store. */
    private String checkpointProblem(String location) {
        if (!Recipes.isObjectReference(location)) {
            return "the services read checkpoints from storage; give s3://" + platform.store().bucket()
                    + "/<key>, not a local path";
        }
        try {
            return platform.store().exists(Keys.keyOf(location, platform.store().bucket())) ? null
                    : "no checkpoint " + location + " in storage";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RunStatus find(String runId) {
        return runs.get(runId).orElseThrow(() -> Status.NOT_FOUND
                .withDescription("no run '" + runId + "'; 'lt runs' lists them").asRuntimeException());
    }

    @Override
    public void get(GetRunRequest request, StreamObserver<RunStatus> response) {
        response.onNext(find(request.getRunId()));
        response.onCompleted();
    }

    @Override
    public void list(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
        List<RunStatus> all = runs.all();
        if (request.getLimit() > 0 && all.size() > request.getLimit()) {
            all = all.subList(0, request.getLimit());
        }
        response.onNext(ListRunsResponse.newBuilder().addAllRuns(all).build());
        response.onCompleted();
    }

    @Override
    public void watch(WatchRunRequest request, StreamObserver<RunEvent> response) {
        find(request.getRunId());
        ServerCallStreamObserver<RunEvent> call = (ServerCallStreamObserver<RunEvent>) response;
        try (EventTail tail = new EventTail(platform.config(), request.getRunId(), request.getFromNow())) {
            tail.follow(e -> {
                response.onNext(e);
                return !e.hasFinished();
            }, call::isCancelled);
        }
        if (!call.isCancelled()) {
            response.onCompleted();
        }
    }

    @Override
    public void results(GetRunRequest request, StreamObserver<RunResults> response) {
        RunStatus run = find(request.getRunId());
        RunResults.Builder b = RunResults.newBuilder().setRun(run);
        for (StageStatus s : run.getStagesList()) {
            if (s.hasMetrics()) {
                b.addStages(StageResult.newBuilder().setStage(s.getName()).setMetrics(s.getMetrics()));
            }
        }
        response.onNext(b.build());
        response.onCompleted();
    }

    @Override
    public void cancel(GetRunRequest request, StreamObserver<RunStatus> response) {
        RunStatus run = find(request.getRunId());
        if (run.getPhase() == RunPhase.RUN_SUCCEEDED || run.getPhase() == RunPhase.RUN_FAILED
                || run.getPhase() == RunPhase.RUN_CANCELLED) {
            throw Status.FAILED_PRECONDITION.withDescription("run " + run.getRunId() + " has already ended ("
                    + run.getPhase() + ")").asRuntimeException();
        }
        platform.bus().event(RunEvent.newBuilder().setRunId(run.getRunId())
                .setCancel(CancelRequested.newBuilder().setReason("cancelled by a client")));
        response.onNext(run.toBuilder().setMessage("cancel requested").build());
        response.onCompleted();
    }
}
