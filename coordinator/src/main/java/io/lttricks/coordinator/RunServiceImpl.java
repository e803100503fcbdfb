package io.lttricks.coordinator;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lttricks.core.plan.Init;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.plan.PlanMapper;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventTail;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.state.RunStateStore;
import com.google.protobuf.ByteString;
import io.lttricks.proto.v1.CancelRequested;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.Metrics;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs over gRPC: submit, look up, list, watch, results (and their files), cancel. */
public final class RunServiceImpl extends RunServiceGrpc.RunServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(RunServiceImpl.class);
    static final int MAX_REQUEST_ID = io.lttricks.api.ApiLimits.SUBMIT_MAX_REQUEST_ID;
    static final int MAX_RECIPE_BYTES = io.lttricks.api.ApiLimits.SUBMIT_MAX_RECIPE_BYTES;
    static final int MAX_STAGES = io.lttricks.api.ApiLimits.SUBMIT_MAX_STAGES;
    /** Largest message of GetResultFile's stream. */
    static final int FILE_CHUNK_BYTES = 1024 * 1024;

    private final Platform platform;
    private final RunStateStore runs;
    /** Submissions under way in this process, by request id. */
    private final Map<String, CompletableFuture<RunStatus>> inFlight = new ConcurrentHashMap<>();

    public RunServiceImpl(Platform platform, RunStateStore runs) {
        this.platform = platform;
        this.runs = runs;
    }

    @Override
    public void submit(SubmitRunRequest given, StreamObserver<RunStatus> response) {
        SubmitRunRequest request = given.getRecipeDocument().isEmpty() ? given
                : given.toBuilder().setRecipe(parseDocument(given)).build();
        if (!request.hasRecipe()) {
            throw Status.INVALID_ARGUMENT.withDescription("recipe is required (recipe, or recipe_document with the"
                    + " text of a recipe file)").asRuntimeException();
        }
        if (request.getRecipe().getSerializedSize() > MAX_RECIPE_BYTES || request.getRecipe().getStagesCount() > MAX_STAGES) {
            // A run's state carries its recipe and plans on Kafka, whose messages are at most 1 MiB.
            throw Status.INVALID_ARGUMENT.withDescription("recipe: at most " + MAX_STAGES + " stages and "
                    + MAX_RECIPE_BYTES / 1024 + " KiB; this one has " + request.getRecipe().getStagesCount() + " stages, "
                    + request.getRecipe().getSerializedSize() + " bytes").asRuntimeException();
        }
        if (request.getDryRun()) {
            response.onNext(dryRun(request));
            response.onCompleted();
            return;
        }
        String requestId = request.getRequestId();
        if (requestId.isBlank()) {
            response.onNext(create(request, null));
            response.onCompleted();
            return;
        }
        if (requestId.length() > MAX_REQUEST_ID) {
            throw Status.INVALID_ARGUMENT.withDescription("request_id: at most " + MAX_REQUEST_ID + " characters, got "
                    + requestId.length()).asRuntimeException();
        }
        // One submission per request id at a time in this process: the others wait for its run.
        CompletableFuture<RunStatus> mine = new CompletableFuture<>();
        CompletableFuture<RunStatus> first = inFlight.putIfAbsent(requestId, mine);
        if (first != null) {
            response.onNext(await(first));
            response.onCompleted();
            return;
        }
        try {
            RunStatus run = existing(requestId).orElseGet(() -> create(request, requestId));
            mine.complete(run);
            response.onNext(run);
            response.onCompleted();
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(requestId, mine);
        }
    }

    /** A recipe document (a file's text, YAML or JSON) as the message, parsed by lt's one parser. */
    private static io.lttricks.proto.v1.Recipe parseDocument(SubmitRunRequest request) {
        if (request.hasRecipe()) {
            throw Status.INVALID_ARGUMENT.withDescription("recipe_document: give the recipe as a document or as a"
                    + " message, not both").asRuntimeException();
        }
        try {
            return RecipeMapper.toProto(Recipes.parseYaml(request.getRecipeDocument()));
        } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? "unreadable" : e.getMessage();
            throw Status.INVALID_ARGUMENT.withDescription(m.startsWith("recipe") ? m : "recipe_document: " + m)
                    .asRuntimeException();
        }
    }

    /**
     * The run a submission would start, checked as {@link #create} checks it, with what would stop
     * it (an input missing from storage) in its message instead of a refusal; nothing recorded.
     */
    private RunStatus dryRun(SubmitRunRequest request) {
        Recipes.Resolved resolved = resolve(request);
        String missing = null;
        try {
            requireInputs(resolved);
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                throw e;
            }
            missing = e.getStatus().getDescription();
        }
        return newRun("", resolved, platform.store().bucket(), request.getRequestId()).toBuilder()
                .setMessage("dry run: nothing recorded or started; " + (missing == null ? "every input is there"
                        : "it would stop at: " + missing)).build();
    }

    /** The run an earlier submission with this request id started. */
    private Optional<RunStatus> existing(String requestId) {
        return runs.all().stream().filter(r -> r.getRequestId().equals(requestId)).findFirst();
    }

    private static RunStatus await(CompletableFuture<RunStatus> first) {
        try {
            return first.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * Validates the request (every refusal names the field: INVALID_ARGUMENT for what cannot run,
     * FAILED_PRECONDITION for an input missing from storage), then records and announces the run.
     * With a request id, the run id is a function of the name and the id, so that replicas of this
     * service answering the same request at once write one run, not two.
     */
    private RunStatus create(SubmitRunRequest request, String requestId) {
        String bucket = platform.store().bucket();
        Recipes.Resolved resolved = resolve(request);
        requireInputs(resolved);
        String name = resolved.recipe().name() == null ? "run" : resolved.recipe().name();
        String runId = requestId == null
                ? name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000))
                : name + "-r" + HexFormat.of().formatHex(sha256(requestId), 0, 6);
        RunStatus status = newRun(runId, resolved, bucket, requestId == null ? "" : requestId);
        try {
            platform.store().put(Keys.recipe(runId), Recipes.toJson(resolved.recipe()).getBytes(StandardCharsets.UTF_8),
                    "application/json");
        } catch (IOException e) {
            LOG.error("run {}: storing its recipe failed", runId, e);
            throw (e instanceof ObjectStore.UnavailableException ? Status.UNAVAILABLE : Status.INTERNAL)
                    .withDescription("storage failed while recording the run; try again").asRuntimeException();
        }
        RunStatus stored = runs.put(status);
        platform.bus().event(RunEvent.newBuilder().setRunId(runId)
                .setSubmitted(RunSubmitted.newBuilder().setRun(stored)));
        return stored;
    }

    /** The request's recipe resolved and its data set's locations checked: INVALID_ARGUMENT naming the field. */
    private Recipes.Resolved resolve(SubmitRunRequest request) {
        try {
            Recipes.Resolved resolved = RecipeMapper.resolve(request.getRecipe(), this::checkpointProblem);
            ClientInputs.dataset(resolved.recipe().dataset(), platform.store().bucket(), "dataset");
            return resolved;
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    /**
     * Every object the recipe names (data set files, init checkpoints) must be in storage, every registered data set
     * here, and CIFAR named without a source somewhere this service can read it, unless it may download it.
     */
    private void requireInputs(Recipes.Resolved resolved) {
        String bucket = platform.store().bucket();
        try {
            for (ClientInputs.Location l : ClientInputs.locationsOf(resolved.recipe().dataset(), bucket, "dataset")) {
                boolean there;
                try {
                    there = l.key() != null ? platform.store().exists(l.key())
                            : ClientInputs.findRegistered(platform.config().datasetDirs(), l.registered()).isPresent();
                } catch (java.nio.file.AccessDeniedException e) {
                    throw Status.INVALID_ARGUMENT.withDescription(l.field() + ": " + e.getMessage()).asRuntimeException();
                }
                if (!there) {
                    throw Status.FAILED_PRECONDITION.withDescription(l.field() + ": " + (l.key() != null
                            ? "no object " + platform.store().uri(l.key()) + " in storage: upload it first (lt dataset upload)"
                            : "no registered data set " + ClientInputs.REGISTERED + l.registered() + " on this server"
                            + " (the operator registers directories with " + Config.DATASET_DIRS + ")"))
                            .asRuntimeException();
                }
            }
            List<StagePlan> plans = resolved.stages();
            for (int i = 0; i < plans.size(); i++) {
                Init init = plans.get(i).init();
                if (init.isCheckpoint()) {
                    String key = Keys.keyOf(init.checkpoint(), bucket);
                    if (!platform.store().exists(key)) {
                        throw Status.FAILED_PRECONDITION.withDescription("stages[" + i + "] (" + plans.get(i).name()
                                + ").init: no checkpoint " + platform.store().uri(key) + " in storage").asRuntimeException();
                    }
                }
            }
            String unavailable = new DataAccess(platform).unavailable(resolved.recipe().dataset());
            if (unavailable != null) {
                throw Status.FAILED_PRECONDITION.withDescription("dataset: " + ClientMessages.scrub(unavailable,
                        platform.config(), bucket)).asRuntimeException();
            }
        } catch (IOException e) {
            throw Status.UNAVAILABLE.withDescription("storage could not be asked whether the recipe's inputs exist; try"
                    + " again").asRuntimeException();
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
            status.addPlans(PlanMapper.toProto(p));
        }
        return status.build();
    }

    /**
     * A checkpoint a recipe names must be an object of this store, under {@value Keys#RUNS}; whether
     * it exists is asked afterwards ({@link #requireInputs}: FAILED_PRECONDITION, not a bad recipe).
     */
    private String checkpointProblem(String location) {
        try {
            ClientInputs.objectReference(location, platform.store().bucket(), "checkpoint",
                    ClientInputs.CHECKPOINT_PREFIXES, ClientInputs.checkpointAdvice(platform.store().bucket()));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage().substring("checkpoint: ".length());
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

    /**
     * Streams the run's events until it has ended. From now on a run that has ended, there is
     * nothing to wait for: the stream ends at once (the run's end may also fall between looking it
     * up and starting to read, so it is looked up again once reading starts).
     */
    @Override
    public void watch(WatchRunRequest request, StreamObserver<RunEvent> response) {
        RunStatus run = find(request.getRunId());
        ServerCallStreamObserver<RunEvent> call = (ServerCallStreamObserver<RunEvent>) response;
        if (request.getFromNow() && ended(run)) {
            response.onCompleted();
            return;
        }
        try (EventTail tail = new EventTail(platform.config(), request.getRunId(), request.getFromNow())) {
            if (request.getFromNow() && runs.get(request.getRunId()).map(RunServiceImpl::ended).orElse(false)) {
                response.onCompleted();
                return;
            }
            tail.follow(e -> {
                response.onNext(e);
                return !e.hasFinished();
            }, call::isCancelled);
        }
        if (!call.isCancelled()) {
            response.onCompleted();
        }
    }

    static boolean ended(RunStatus run) {
        return run.getPhase() == RunPhase.RUN_SUCCEEDED || run.getPhase() == RunPhase.RUN_FAILED
                || run.getPhase() == RunPhase.RUN_CANCELLED;
    }


    @Override
    public void results(GetRunRequest request, StreamObserver<RunResults> response) {
        response.onNext(resultsOf(find(request.getRunId())));
        response.onCompleted();
    }

    /** The run's evaluated stages: metrics, and the files of each stage's results (what GetResultFile serves). */
    static RunResults resultsOf(RunStatus run) {
        RunResults.Builder b = RunResults.newBuilder().setRun(run);
        for (int i = 0; i < run.getStagesCount(); i++) {
            StageStatus s = run.getStages(i);
            if (s.hasMetrics()) {
                Metrics m = s.getMetrics();
                StageResult.Builder r = StageResult.newBuilder().setStage(s.getName()).setMetrics(m)
                        .addFileKeys(m.getReportKey()).addFileKeys(m.getTableKey()).addAllFileKeys(m.getPlotKeysList())
                        .addFileKeys(Keys.history(Keys.stage(run.getRunId(), i, s.getName())))
                        .addFileKeys(Keys.environment(Keys.stage(run.getRunId(), i, s.getName())));
                List<String> keys = r.getFileKeysList().stream().filter(k -> !k.isEmpty()).distinct().toList();
                r.clearFileKeys().addAllFileKeys(keys);
                if ("train".equals(s.getType())) {
                    r.setCheckpointKey(Keys.finalCheckpoint(Keys.stage(run.getRunId(), i, s.getName())));
                }
                b.addStages(r);
            } else if ("cam".equals(s.getType()) && s.getPhase() != StagePhase.STAGE_PENDING
                    && s.getPhase() != StagePhase.STAGE_QUEUED) {
                b.addCamStages(StageResult.newBuilder().setStage(s.getName())
                        .addFileKeys(Keys.camPreview(Keys.generated(Keys.stage(run.getRunId(), i, s.getName())))));
            }
        }
        return b.build();
    }

    /**
     * Streams one of the files {@link #resultsOf} lists for the run. Why through this service and
     * not from storage: a client of the services has no way into storage (in a cluster MinIO is
     * reachable from the services' pods only, and its credentials are theirs; lt up keeps its
     * credentials to the owner of the state directory), and the {@code s3://} addresses lt results
     * prints mean nothing to a user. Restricted to the run's result files, so a token, even a
     * read-only one, reads reports through it and nothing else of storage (no data set); a training
     * stage's final checkpoint too, to a token that may do everything (the model is what a run is for,
     * but a read-only token is for looking at runs).
     */
    @Override
    public void getResultFile(GetResultFileRequest request, StreamObserver<FileChunk> response) {
        String key;
        try {
            key = ClientInputs.key(request.getKey(), "key", ClientInputs.OUTPUT_PREFIXES);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        RunResults results = resultsOf(find(request.getRunId()));
        boolean checkpoint = results.getStagesList().stream().anyMatch(s -> s.getCheckpointKey().equals(key));
        if (!checkpoint && java.util.stream.Stream.concat(results.getStagesList().stream(), results.getCamStagesList().stream())
                .noneMatch(s -> s.getFileKeysList().contains(key))) {
            throw Status.INVALID_ARGUMENT.withDescription("key: " + ClientInputs.quote(key) + " is not one of run "
                    + results.getRun().getRunId() + "'s result files; Results lists them (stages[].file_keys,"
                    + " stages[].checkpoint_key)").asRuntimeException();
        }
        if (checkpoint && GrpcSecurity.CALLER_ROLE.get() == GrpcSecurity.Role.READ) {
            throw Status.PERMISSION_DENIED.withDescription("key: a checkpoint is served to a token of role 'all';"
                    + " this one may only read reports").asRuntimeException();
        }
        byte[] bytes;
        try {
            bytes = platform.store().get(key);
        } catch (ObjectStore.NoSuchObjectException e) {
            throw Status.NOT_FOUND.withDescription("run " + results.getRun().getRunId() + " has no file " + key
                    + " in storage (yet)").asRuntimeException();
        } catch (IOException e) {
            throw Status.UNAVAILABLE.withDescription("storage could not be reached; try again").asRuntimeException();
        }
        for (int at = 0; at < bytes.length; at += FILE_CHUNK_BYTES) {
            response.onNext(FileChunk.newBuilder()
                    .setData(ByteString.copyFrom(bytes, at, Math.min(FILE_CHUNK_BYTES, bytes.length - at))).build());
        }
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
