package io.lttricks.sampler;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.Init;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.platform.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.RecipeMapper;
import io.lttricks.platform.RunStateStore;
import io.lttricks.platform.Topics;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunFinished;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageQueued;
import io.lttricks.proto.v1.StageStatus;
import io.lttricks.proto.v1.TrainJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves runs forward. Reads {@link Topics#EVENTS} as the consumer group
 * {@value Topics#GROUP_COORDINATOR}: a run's events share a partition, so each run has one
 * coordinator at a time, and replicas of the sampler service share the runs. For every event it
 * updates the run's state (written durably before the event's offset is committed) and, when a
 * stage has finished, puts the next stage's job on its topic. Dispatch only moves a stage from
 * pending to queued, so an event seen twice (after a restart) does not dispatch twice; and jobs are
 * idempotent besides.
 */
final class RunCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunCoordinator.class);
    /** Progress is written to the run state at most this often; watchers read events directly. */
    private static final long PROGRESS_STATE_INTERVAL_MS = 5_000;

    private final Platform platform;
    private final RunStateStore runs;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, Long> lastProgressWrite = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<StagePlan>> plans = new java.util.concurrent.ConcurrentHashMap<>();

    RunCoordinator(Platform platform, RunStateStore runs) {
        this.platform = platform;
        this.runs = runs;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.config().kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, Topics.GROUP_COORDINATOR,
                ConsumerConfig.CLIENT_ID_CONFIG, "lt-coordinator-" + platform.config().instance(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.loop = new Thread(this::run, "lt-coordinator");
        this.loop.setDaemon(true);
    }

    RunCoordinator start() {
        loop.start();
        return this;
    }

    private void run() {
        consumer.subscribe(List.of(Topics.EVENTS));
        try {
            while (running.get()) {
                var records = consumer.poll(Duration.ofMillis(300));
                for (ConsumerRecord<String, byte[]> r : records) {
                    try {
                        handle(RunEvent.parseFrom(r.value()));
                    } catch (InvalidProtocolBufferException e) {
                        LOG.warn("skipping an unreadable event at offset {}", r.offset());
                    } catch (RuntimeException e) {
                        LOG.error("event of run {} could not be handled: {}", r.key(), e.toString(), e);
                    }
                }
                if (!records.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    void handle(RunEvent e) {
        RunStatus run = runs.get(e.getRunId()).orElse(null);
        if (run == null) {
            if (e.hasSubmitted()) {
                run = runs.put(e.getSubmitted().getRun());
            } else {
                return;
            }
        }
        if (isEnded(run) && !e.hasEvaluation()) {
            return;
        }
        switch (e.getKindCase()) {
            case SUBMITTED -> startDataset(run);
            case DATASET -> dispatchNext(runs.put(run.toBuilder().setManifestKey(e.getDataset().getManifestKey())
                    .setPhase(RunPhase.RUN_RUNNING).setMessage("training set ready: " + e.getDataset().getCountsList())
                    .build()));
            case STARTED -> runs.put(updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_RUNNING)
                    .setWorker(e.getStarted().getWorker()).setStartedMs(e.getTimeMs())
                    .setTotal(e.getStarted().getTotal() > 0 ? e.getStarted().getTotal() : s.getTotal())));
            case PROGRESS -> progress(run, e);
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

    private static boolean isEnded(RunStatus run) {
        return run.getPhase() == RunPhase.RUN_SUCCEEDED || run.getPhase() == RunPhase.RUN_FAILED
                || run.getPhase() == RunPhase.RUN_CANCELLED;
    }

    private void startDataset(RunStatus run) {
        if (!run.getManifestKey().isEmpty() || run.getPhase() != RunPhase.RUN_QUEUED || run.getMessage().startsWith("building")) {
            return;
        }
        platform.bus().publish(Topics.DATASET_JOBS, run.getRunId(), DatasetJob.newBuilder().setRunId(run.getRunId())
                .setRecipe(run.getRecipe()).setManifestKey(Keys.manifest(run.getRunId())).build());
        runs.put(run.toBuilder().setMessage("building the long-tailed training set").build());
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
        if (index < 0 || run.getStages(index).getPhase() == StagePhase.STAGE_SUCCEEDED) {
            return;
        }
        RunStatus done = runs.put(updateStage(run, e.getStage(), s -> s.setPhase(StagePhase.STAGE_SUCCEEDED)
                .setOutputKey(e.getCompleted().getOutputKey()).setFinishedMs(e.getTimeMs())
                .setDone(s.getTotal() > 0 ? s.getTotal() : e.getCompleted().getItems())));
        StagePlan plan = plans(done).get(index);
        if (plan instanceof TrainPlan) {
            String prefix = Keys.stage(done.getRunId(), index, plan.name());
            platform.bus().publish(Topics.EVAL_JOBS, done.getRunId(), EvalJob.newBuilder().setRunId(done.getRunId())
                    .setRecipe(done.getRecipe()).setStage(plan.name()).setCheckpointKey(e.getCompleted().getOutputKey())
                    .setManifestKey(done.getManifestKey()).setReportPrefix(Keys.report(prefix)).build());
        }
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
            String topic;
            if (plan instanceof CamPlan cam) {
                topic = Topics.AUGMENT_JOBS;
                platform.bus().publish(topic, run.getRunId(), CamJob.newBuilder().setRunId(run.getRunId())
                        .setRecipe(run.getRecipe()).setStageIndex(i).setPlanJson(RecipeMapper.toJson(cam))
                        .setManifestKey(run.getManifestKey())
                        .setCheckpointKey(cam.needsModel() ? weights(run, plans, i, cam.init()) : "")
                        .setOutputPrefix(Keys.generated(prefix)).build());
            } else {
                TrainPlan train = (TrainPlan) plan;
                topic = Topics.TRAIN_JOBS;
                String generated = "";
                if (train.generated() != null) {
                    generated = run.getStages(indexOf(run, train.generated())).getOutputKey();
                }
                platform.bus().publish(topic, run.getRunId(), TrainJob.newBuilder().setRunId(run.getRunId())
                        .setRecipe(run.getRecipe()).setStageIndex(i).setPlanJson(RecipeMapper.toJson(train))
                        .setManifestKey(run.getManifestKey())
                        .setInitKey(train.init().isScratch() ? "" : weights(run, plans, i, train.init()))
                        .setGeneratedKey(generated).setOutputPrefix(prefix).build());
            }
            runs.put(updateStage(run, plan.name(), b -> b.setPhase(StagePhase.STAGE_QUEUED)
                    .setMessage("queued on " + topic)));
            platform.bus().event(RunEvent.newBuilder().setRunId(run.getRunId()).setStage(plan.name())
                    .setQueued(StageQueued.newBuilder().setTopic(topic).setJobs(1)));
            return;
        }
        maybeSucceed(run);
    }

    /** The checkpoint a stage starts from: the last training stage's final model, or an object reference. */
    private String weights(RunStatus run, List<StagePlan> plans, int index, Init init) {
        if (init.isCheckpoint()) {
            return Keys.keyOf(init.checkpoint(), platform.store().bucket());
        }
        for (int j = index - 1; j >= 0; j--) {
            if (plans.get(j) instanceof TrainPlan) {
                return run.getStages(j).getOutputKey();
            }
        }
        throw new IllegalStateException("stage " + plans.get(index).name() + " has no training stage before it");
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

    private void finish(RunStatus run, RunPhase phase, String message) {
        plans.remove(run.getRunId());
        lastProgressWrite.remove(run.getRunId());
        runs.put(run.toBuilder().setPhase(phase).setMessage(message).build());
        platform.bus().event(RunEvent.newBuilder().setRunId(run.getRunId())
                .setFinished(RunFinished.newBuilder().setPhase(phase).setMessage(message)));
    }

    /** The run's plans, parsed once per run (they were resolved at submission and never change). */
    private List<StagePlan> plans(RunStatus run) {
        return plans.computeIfAbsent(run.getRunId(), id -> RecipeMapper.plans(run));
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

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
