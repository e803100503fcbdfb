package io.lttricks.coordinator;

import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.StageInputs;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.plan.StoredPlans;
import io.lttricks.platform.plan.PlanMapper;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.ops.LogContext;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.JobDeadLettered;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunFinished;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageQueued;
import io.lttricks.proto.v1.StageStatus;
import io.lttricks.proto.v1.TrainJob;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Map;

/**
 * Moves runs forward: the state machine of a run, fed one {@link RunEvent} at a time (by
 * {@link CoordinatorLoop}, which reads {@link Topics#EVENTS}; by tests, directly). For every event
 * it updates the run's state and, when a stage has finished, puts the next stage's job on its
 * topic, and an evaluation job after every training stage.
 *
 * <p>An event may come twice (after a restart, or when handling it failed half-way and it is
 * handled again), so handling one twice changes nothing: dispatch only moves a stage from pending
 * to queued; a stage's completion is recorded after its evaluation job is published, and a
 * completion seen again still dispatches whatever is pending. Jobs are idempotent besides.
 */
public final class RunCoordinator {
    /** Progress is written to the run state at most this often; watchers read events directly. */
    private static final long PROGRESS_STATE_INTERVAL_MS = 5_000;
    /** A run's status keeps this many of its dead letters (the newest); the topic keeps them all. */
    static final int MAX_DEAD_LETTERS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(RunCoordinator.class);
    private final EventBus bus;
    private final ObjectStore store;
    private final RunStateStore runs;
    /** How far ahead of the trainer's last finished epoch a training stage's orders are kept stored. */
    public static final int ORDERS_AHEAD_EPOCHS = 20;
    private final EpochSampler sampler;
    private final Map<String, Long> lastProgressWrite = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<StagePlan>> plans = new java.util.concurrent.ConcurrentHashMap<>();
    /** The runs whose end this coordinator has announced, the most recent {@value #ANNOUNCED_KEPT}. */
    private final Map<String, Boolean> announced = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ANNOUNCED_KEPT;
        }
    };
    private static final int ANNOUNCED_KEPT = 10_000;

    /**
     * @param store   only to name its bucket (checkpoint references are keys of it)
     * @param sampler draws and stores the training stages' epoch orders
     */
    public RunCoordinator(EventBus bus, ObjectStore store, RunStateStore runs, EpochSampler sampler) {
        this.bus = bus;
        this.store = store;
        this.runs = runs;
        this.sampler = sampler;
    }

    /**
     * Handles one event of a run. An exception (a failed publication or state write) leaves the
     * event half-handled; the loop hands it over again when the failure was transient.
     */
    void handle(RunEvent e) {
        try (LogContext ignored = LogContext.of(e.getRunId(), e.getStage())) {
            handleEvent(e);
        }
    }

    private void handleEvent(RunEvent e) {
        RunStatus run = runs.get(e.getRunId()).orElse(null);
        if (run == null) {
            if (e.hasSubmitted()) {
                run = runs.put(e.getSubmitted().getRun());
            } else {
                return;
            }
        }
        if (e.hasDeadLetter()) {
            recordDeadLetter(run, e.getDeadLetter());   // whatever the run's phase: it usually comes after the failure
            return;
        }
        if (isEnded(run)) {
            if ((e.hasFailed() || e.hasCancel() || e.hasEvaluation()) && !announced(run.getRunId())) {
                announceEnd(run);   // this event may have ended the run, its announcement failing
            }
            if (!e.hasEvaluation()) {
                return;
            }
        }
        if ((e.hasStarted() || e.hasProgress() || e.hasShard()) && indexOf(run, e.getStage()) >= 0
                && run.getStages(indexOf(run, e.getStage())).getPhase() == StagePhase.STAGE_SUCCEEDED) {
            return;   // a finished stage's job delivered again: its reports do not reopen it
        }
        switch (e.getKindCase()) {
            case SUBMITTED -> startDataset(run);
            case DATASET -> dispatchNext(runs.put(run.toBuilder().setManifestKey(e.getDataset().getManifestKey())
                    .setPhase(RunPhase.RUN_RUNNING).setMessage("training set ready: " + e.getDataset().getCountsList())
                    .build()));
            case STARTED -> {
                keepOrdersAhead(run, e.getStage(), e.getStarted().getResumedAfterEpoch());
                runs.put(updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_RUNNING)
                    .setWorker(e.getStarted().getWorker()).setStartedMs(e.getTimeMs())
                    .setTotal(e.getStarted().getTotal() > 0 ? e.getStarted().getTotal() : s.getTotal())));
            }
            case PROGRESS -> {
                var p = e.getProgress();
                if (p.getWaitingForEpoch() > 0) {
                    keepOrdersAhead(run, e.getStage(), p.getWaitingForEpoch() - 1);
                    runs.put(updateStage(run, e.getStage(), s -> s.setMessage("waiting for the sampler's order of epoch "
                            + p.getWaitingForEpoch())));
                    return;
                }
                if (p.getEpochEnd()) {
                    keepOrdersAhead(run, e.getStage(), p.getEpoch());
                }
                progress(run, e);
            }
            case SHARD -> runs.put(updateStage(run, e.getStage(), s -> s.setDone(Math.min(s.getTotal(), s.getDone() + 1))
                    .setMessage(s.getDone() + 1 + " of " + e.getShard().getShards() + " shards")));
            case COMPLETED -> completed(run, e);
            case FAILED -> {
                RunStatus failed = updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_FAILED)
                        .setMessage(e.getFailed().getReason()).setFinishedMs(e.getTimeMs()));
                finish(failed, RunPhase.RUN_FAILED, "stage " + e.getStage() + " failed: " + e.getFailed().getReason());
            }
            case EVALUATION -> {
                RunStatus evaluated = runs.put(updateStage(run, e.getStage(), s -> s.setMetrics(e.getEvaluation().getMetrics())));
                maybeSucceed(evaluated);
            }
            case CANCEL -> {
                RunStatus.Builder b = run.toBuilder();
                for (int i = 0; i < b.getStagesCount(); i++) {
                    StagePhase p = b.getStages(i).getPhase();
                    if (p == StagePhase.STAGE_PENDING || p == StagePhase.STAGE_QUEUED || p == StagePhase.STAGE_RUNNING) {
                        b.setStages(i, b.getStages(i).toBuilder().setPhase(StagePhase.STAGE_CANCELLED));
                    }
                }
                finish(b.build(), RunPhase.RUN_CANCELLED, e.getCancel().getReason());
            }
            default -> {
            }
        }
    }

    /** Keeps the newest {@link #MAX_DEAD_LETTERS} of a run's dead letters in its status, each once. */
    private void recordDeadLetter(RunStatus run, JobDeadLettered letter) {
        boolean seen = run.getDeadLettersList().stream().anyMatch(d -> d.getTopic().equals(letter.getTopic())
                && d.getPartition() == letter.getPartition() && d.getOffset() == letter.getOffset());
        if (seen) {
            return;
        }
        List<JobDeadLettered> kept = new java.util.ArrayList<>(run.getDeadLettersList());
        kept.add(letter);
        while (kept.size() > MAX_DEAD_LETTERS) {
            kept.remove(0);
        }
        runs.put(run.toBuilder().clearDeadLetters().addAllDeadLetters(kept).build());
    }

    private static boolean isEnded(RunStatus run) {
        return run.getPhase() == RunPhase.RUN_SUCCEEDED || run.getPhase() == RunPhase.RUN_FAILED
                || run.getPhase() == RunPhase.RUN_CANCELLED;
    }

    private void startDataset(RunStatus run) {
        if (!run.getManifestKey().isEmpty() || run.getPhase() != RunPhase.RUN_QUEUED || run.getMessage().startsWith("building")) {
            return;
        }
        bus.publish(Topics.DATASET_JOBS, run.getRunId(), DatasetJob.newBuilder().setRunId(run.getRunId())
                .setRecipe(run.getRecipe()).setManifestKey(Keys.manifest(run.getRunId())).build());
        runs.put(run.toBuilder().setMessage("building the long-tailed training set").build());
    }

    /**
     * Sampling is the sampler's work ({@link EpochSampler}); this keeps a training stage's epoch
     * orders stored {@value #ORDERS_AHEAD_EPOCHS} epochs ahead of {@code doneEpochs} (the trainer's
     * last finished epoch).
     */
    private void keepOrdersAhead(RunStatus run, String stage, int doneEpochs) {
        int index = indexOf(run, stage);
        if (index < 0 || !(plans(run).get(index) instanceof TrainPlan train)) {
            return;
        }
        keepOrdersAhead(run, index, train, doneEpochs, StageInputs.of(plans(run), index).generated(keys(run)));
    }

    private void keepOrdersAhead(RunStatus run, int index, TrainPlan train, int doneEpochs, String generatedKey) {
        EpochSampler.Stage stage = new EpochSampler.Stage(Keys.stage(run.getRunId(), index, train.name()), train,
                run.getManifestKey(), generatedKey, run.getRecipe().getSeed(), index);
        int through = Math.min(train.epochs(), doneEpochs + ORDERS_AHEAD_EPOCHS);
        try {
            if (sampler.storeThrough(stage, through) > 0) {
                LOG.info("run {} stage {}: epoch orders stored through epoch {}", run.getRunId(), train.name(), through);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void progress(RunStatus run, RunEvent e) {
        long now = System.currentTimeMillis();
        Long last = lastProgressWrite.get(run.getRunId());
        if (!e.getProgress().getEpochEnd() && last != null && now - last < PROGRESS_STATE_INTERVAL_MS) {
            return;
        }
        lastProgressWrite.put(run.getRunId(), now);
        var p = e.getProgress();
        runs.put(updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_RUNNING)
                .setDone(p.getEpochEnd() ? p.getEpoch() : p.getEpoch() - 1).setTotal(p.getEpochs()).setLoss(p.getLoss())
                .setLr(p.getLr()).setImagesPerSecond(p.getImagesPerSecond()).setEtaSeconds(p.getEtaSeconds())));
    }

    private void completed(RunStatus run, RunEvent e) {
        int index = indexOf(run, e.getStage());
        if (index < 0) {
            return;
        }
        if (run.getStages(index).getPhase() == StagePhase.STAGE_SUCCEEDED) {
            // Seen before; what came after recording it may not have happened: dispatch does nothing twice.
            dispatchNext(run);
            return;
        }
        StagePlan plan = plans(run).get(index);
        if (plan instanceof TrainPlan) {
            // Before the completion is recorded, so that handling this event again cannot skip it.
            String prefix = Keys.stage(run.getRunId(), index, plan.name());
            bus.publish(Topics.EVAL_JOBS, run.getRunId(), EvalJob.newBuilder().setRunId(run.getRunId())
                    .setRecipe(run.getRecipe()).setStage(plan.name()).setCheckpointKey(e.getCompleted().getOutputKey())
                    .setManifestKey(run.getManifestKey()).setReportPrefix(Keys.report(prefix)).build());
        }
        RunStatus done = runs.put(updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_SUCCEEDED)
                .setOutputKey(e.getCompleted().getOutputKey()).setFinishedMs(e.getTimeMs())
                .setDone(s.getTotal() > 0 ? s.getTotal() : e.getCompleted().getItems())));
        dispatchNext(done);
    }

    /** Puts the first pending stage's job on its topic, when every stage before it has succeeded. */
    private void dispatchNext(RunStatus run) {
        List<StagePlan> plans = plans(run);
        for (int i = 0; i < run.getStagesCount(); i++) {
            StageStatus s = run.getStages(i);
            if (s.getPhase() == StagePhase.STAGE_SUCCEEDED) {
                continue;
            }
            if (s.getPhase() != StagePhase.STAGE_PENDING) {
                return;
            }
            StagePlan plan = plans.get(i);
            String prefix = Keys.stage(run.getRunId(), i, plan.name());
            StageInputs inputs = StageInputs.of(plans, i);
            StageInputs.Locator<String> keys = keys(run);
            String topic;
            if (plan instanceof CamPlan cam) {
                topic = Topics.AUGMENT_JOBS;
                bus.publish(topic, run.getRunId(), CamJob.newBuilder().setRunId(run.getRunId())
                        .setRecipe(run.getRecipe()).setStageIndex(i).setPlan(PlanMapper.toProto(cam))
                        .setManifestKey(run.getManifestKey()).setCheckpointKey(orEmpty(inputs.weights(keys)))
                        .setOutputPrefix(Keys.generated(prefix)).build());
            } else {
                TrainPlan train = (TrainPlan) plan;
                topic = Topics.TRAIN_JOBS;
                keepOrdersAhead(run, i, train, 0, inputs.generated(keys));
                bus.publish(topic, run.getRunId(), TrainJob.newBuilder().setRunId(run.getRunId())
                        .setRecipe(run.getRecipe()).setStageIndex(i).setPlan(PlanMapper.toProto(train)).setSampled(true)
                        .setManifestKey(run.getManifestKey()).setInitKey(orEmpty(inputs.weights(keys)))
                        .setGeneratedKey(orEmpty(inputs.generated(keys))).setOutputPrefix(prefix).build());
            }
            runs.put(updateStage(run, plan.name(), b -> b.setPhase(StagePhase.STAGE_QUEUED)
                    .setMessage("queued on " + topic)));
            bus.event(RunEvent.newBuilder().setRunId(run.getRunId()).setStage(plan.name())
                    .setQueued(StageQueued.newBuilder().setTopic(topic).setJobs(1)));
            return;
        }
        maybeSucceed(run);
    }

    /**
     * Where the services keep what {@link StageInputs} names: a stage's final weights and generated
     * set at the output key it reported when it completed, its best test epoch's weights beside its
     * final ones, a recipe's checkpoint reference as a key of the bucket.
     */
    private StageInputs.Locator<String> keys(RunStatus run) {
        return new StageInputs.Locator<>() {
            @Override
            public String finalWeights(int stage, String name) {
                return run.getStages(stage).getOutputKey();
            }

            @Override
            public String bestWeights(int stage, String name) {
                return Keys.bestCheckpoint(Keys.stage(run.getRunId(), stage, name));
            }

            @Override
            public String checkpoint(String reference) {
                return Keys.keyOf(reference, store.bucket());
            }

            @Override
            public String generatedSet(int stage, String name) {
                return run.getStages(stage).getOutputKey();
            }
        };
    }

    private static String orEmpty(String key) {
        return key == null ? "" : key;
    }

    private void maybeSucceed(RunStatus run) {
        if (isEnded(run)) {
            return;
        }
        List<StagePlan> plans = plans(run);
        for (int i = 0; i < run.getStagesCount(); i++) {
            StageStatus s = run.getStages(i);
            if (s.getPhase() != StagePhase.STAGE_SUCCEEDED || (plans.get(i) instanceof TrainPlan && !s.hasMetrics())) {
                return;
            }
        }
        finish(run, RunPhase.RUN_SUCCEEDED, "all stages done");
    }

    /**
     * Ends the run: its state first, then the {@link RunFinished} event. In this order a watcher
     * that starts reading after the state check sees the event; and when publishing the event
     * fails, the event that ended the run is handled again and announces the end then
     * ({@link #announceEnd}), so a watcher never waits for an end that was only recorded.
     */
    private void finish(RunStatus run, RunPhase phase, String message) {
        sampler.forget(Keys.run(run.getRunId()));
        plans.remove(run.getRunId());
        lastProgressWrite.remove(run.getRunId());
        announceEnd(runs.put(run.toBuilder().setPhase(phase).setMessage(message).build()));
    }

    /**
     * Publishes the end of an ended run, and remembers having done so. An event that ended a run
     * delivered again announces the end only when this coordinator has not: after a restart it
     * announces it once more (a second {@link RunFinished} costs nothing, a watcher stops at the
     * first; a missing one leaves watchers waiting).
     */
    private void announceEnd(RunStatus run) {
        bus.event(RunEvent.newBuilder().setRunId(run.getRunId())
                .setFinished(RunFinished.newBuilder().setPhase(run.getPhase()).setMessage(run.getMessage())));
        synchronized (announced) {
            announced.put(run.getRunId(), Boolean.TRUE);
        }
    }

    private boolean announced(String runId) {
        synchronized (announced) {
            return announced.containsKey(runId);
        }
    }

    /** The run's plans, parsed once per run (they were resolved at submission and never change). */
    private List<StagePlan> plans(RunStatus run) {
        return plans.computeIfAbsent(run.getRunId(), id -> StoredPlans.of(run));
    }

    private static int indexOf(RunStatus run, String stage) {
        for (int i = 0; i < run.getStagesCount(); i++) {
            if (run.getStages(i).getName().equals(stage)) {
                return i;
            }
        }
        return -1;
    }

    private static RunStatus updateStage(RunStatus run, String stage, java.util.function.UnaryOperator<StageStatus.Builder> f) {
        int i = indexOf(run, stage);
        if (i < 0) {
            return run;
        }
        return run.toBuilder().setStages(i, f.apply(run.getStages(i).toBuilder())).build();
    }
}
