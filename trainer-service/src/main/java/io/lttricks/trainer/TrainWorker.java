package io.lttricks.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.run.StageRunner;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.train.StageStopped;
import io.lttricks.core.train.ResidentMemory;
import io.lttricks.core.train.TrainListener;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.store.SampledOrders;
import io.lttricks.platform.plan.StoredPlans;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.store.GeneratedSets;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.proto.v1.CheckpointSaved;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.StageCompleted;
import io.lttricks.proto.v1.StageFailed;
import io.lttricks.proto.v1.StageStarted;
import io.lttricks.proto.v1.TrainJob;
import io.lttricks.proto.v1.TrainProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one training stage from a {@link TrainJob}: the run's training set (its manifest), plus the
 * generated images if the stage asks for them, the weights it starts from, and, after a restart,
 * the stage's last stored checkpoint. Progress and checkpoints go out as events; checkpoints and
 * the epoch history to storage. A stage whose final checkpoint is stored is done: a job delivered
 * again only repeats the completion event.
 */
final class TrainWorker {
    private static final Logger LOG = LoggerFactory.getLogger(TrainWorker.class);
    private static final long PROGRESS_INTERVAL_MS = 2_000;

    private final Platform platform;
    private final RunStateStore runs;
    private final DataAccess data;
    private volatile boolean stopping;
    /** Set when the job in training is no longer this trainer's (its partition moved): it stops at the next batch. */
    private volatile boolean yielding;
    private final TrainMetrics metrics;
    private static final long LEASE_CHECK_MS = 10_000;

    TrainWorker(Platform platform, RunStateStore runs) {
        this.platform = platform;
        this.runs = runs;
        this.data = new DataAccess(platform);
        this.metrics = new TrainMetrics(platform.metrics().registry());
    }

    /**
     * Runs the stage. A transient failure (storage or the broker unreachable) asks for a retry: the
     * stage then resumes from its last stored checkpoint. Any other failure fails the stage.
     */
    void handle(TrainJob job) throws JobWorker.Retry, JobWorker.Stopped {
        String stage = "?";
        yielding = false;
        try {
            TrainPlan plan = StoredPlans.of(job);
            stage = plan.name();
            run(job, RecipeMapper.fromProto(job.getRecipe()), plan);
        } catch (TakenOver e) {
            LOG.warn("run {} stage {}: {}", job.getRunId(), stage, e.getMessage());
            throw new JobWorker.Stopped(e.getMessage());
        } catch (StageStopped e) {
            LOG.warn("run {}: {}", job.getRunId(), e.getMessage());
            throw new JobWorker.Stopped(e.getMessage());
        } catch (CancellationException e) {
            LOG.warn("stage {} of run {} stopped: the run was cancelled", stage, job.getRunId());
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof TakenOver taken) {   // wrapped by the training loop
                    LOG.warn("run {} stage {}: {}", job.getRunId(), stage, taken.getMessage());
                    throw new JobWorker.Stopped(taken.getMessage());
                }
            }
            JobWorker.Retry.throwIfTransient(e);
            boolean expected = e instanceof IOException || e instanceof UncheckedIOException
                    || e instanceof IllegalArgumentException || e instanceof IllegalStateException;
            if (!expected) {
                LOG.error("stage {} of run {} broke", stage, job.getRunId(), e);
            }
            fail(job, stage, ClientMessages.scrub(expected ? ClientMessages.reason(e) : e.toString(), platform.config(),
                    platform.store().bucket()), true);
        }
    }

    /** Reports a stage whose every attempt failed transiently as failed, with the last reason. */
    void giveUp(TrainJob job, JobWorker.Retry last) {
        String stage = "?";
        try {
            stage = StoredPlans.of(job).name();
        } catch (RuntimeException e) {
            // The stage stays unnamed in the event.
        }
        fail(job, stage, ClientMessages.of(last, platform), true);
    }

    private void fail(TrainJob job, String stage, String reason, boolean permanent) {
        LOG.error("stage {} of run {} failed: {}", stage, job.getRunId(), reason);
        platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(stage)
                .setFailed(StageFailed.newBuilder().setReason(reason == null ? "unknown error" : reason).setPermanent(permanent)));
    }

    /**
     * The job in training is no longer this trainer's (the group moved its partition to another
     * trainer, which resumes it from the stored checkpoint): it stops at its next batch, storing
     * nothing more, and its job is left to the new owner.
     */
    void yieldCurrent() {
        yielding = true;
    }

    /**
     * Asks the stage in training, if any, to stop after its current epoch, storing that epoch's
     * checkpoint ({@link JobWorker#drain}); every later stage stops after its first epoch.
     */
    void stopAfterEpoch() {
        stopping = true;
    }

    private boolean cancelled(String runId) {
        return runs.get(runId).map(r -> r.getPhase() == RunPhase.RUN_CANCELLED).orElse(false);
    }

    private void run(TrainJob job, Recipe recipe, TrainPlan plan) throws IOException {
        String runId = job.getRunId();
        // The prefix names a local directory too (work/<prefix>): checked before any use.
        String prefix = ClientInputs.key(job.getOutputPrefix(), "output_prefix", ClientInputs.OUTPUT_PREFIXES);
        ClientInputs.optionalKey(job.getInitKey(), "init_key", ClientInputs.CHECKPOINT_PREFIXES);
        ClientInputs.optionalKey(job.getGeneratedKey(), "generated_key", ClientInputs.OUTPUT_PREFIXES);
        String finalKey = Keys.finalCheckpoint(prefix);
        if (platform.store().exists(finalKey)) {
            completed(runId, plan, finalKey);
            return;
        }
        if (cancelled(runId)) {
            return;
        }
        Lease lease = new Lease(prefix);
        lease.take();
        RunLayout.Stage dir = new RunLayout.Stage(platform.config().workDir().resolve(prefix));
        Files.createDirectories(dir.checkpoints());
        List<String> stored = platform.store().list(Keys.checkpoints(prefix), Keys::isCheckpoint);
        List<Path> local = new java.util.ArrayList<>();
        for (String key : stored) {
            local.add(platform.store().getFile(key, dir.checkpoints().resolve(key.substring(key.lastIndexOf('/') + 1))));
        }
        List<String> skipped = new java.util.ArrayList<>();
        Path resumeFrom = io.lttricks.core.train.Checkpoint.newestValid(local, skipped::add);
        skipped.forEach(s -> LOG.warn("run {} stage {}: {}", runId, plan.name(), s));
        if (resumeFrom != null && platform.store().exists(Keys.history(prefix))) {
            platform.store().getFile(Keys.history(prefix), dir.history());
        }
        if (resumeFrom != null && platform.store().exists(Keys.environment(prefix))) {
            platform.store().getFile(Keys.environment(prefix), dir.environment());
        }
        if (plan.eval().keepBest() && platform.store().exists(Keys.bestCheckpoint(prefix))) {
            platform.store().getFile(Keys.bestCheckpoint(prefix), dir.bestCheckpoint());
        }
        Datasets.Loaded loaded = data.load(recipe.dataset(), job.getManifestKey());
        Path generated = job.getGeneratedKey().isBlank() ? null : new GeneratedSets(platform).download(job.getGeneratedKey());
        Path weights = job.getInitKey().isBlank() ? null : data.fetch(job.getInitKey());
        int resumedAfter = resumeFrom == null ? 0 : io.lttricks.core.train.Checkpoint.readMeta(resumeFrom).epoch();
        platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(plan.name()).setStarted(StageStarted.newBuilder()
                .setWorker(TrainerServer.SERVICE + "/" + platform.config().instance()).setTotal(plan.epochs())
                .setResumedAfterEpoch(resumedAfter).addAllSkippedCheckpoints(skipped.stream()
                        .map(s -> ClientMessages.scrub(s, platform.config(), platform.store().bucket())).toList())));
        io.lttricks.core.train.EpochOrders orders = null;
        if (job.getSampled()) {
            // The sampler service's orders, stored ahead: trained on exactly, waited for, never drawn here.
            int images = loaded.train().size()
                    + (generated == null ? 0 : io.lttricks.core.cam.GeneratedSet.read(generated).images().size());
            orders = SampledOrders.stored(platform.store(), prefix, images, plan.sampler().recipeName(),
                    (epoch, waited) -> waitingForOrders(runId, plan, epoch, waited));
        }
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            StageRunner.train(new StageRunner.Inputs(plan, job.getStageIndex(), runId, recipe.backbone(),
                            recipe.seedOrDefault(), loaded.train(), loaded.test(), generated, weights, resumeFrom,
                            loaded.manifest().source()),
                    dir, new Reporter(runId, plan, prefix, dir, metrics.begin(runId, plan.name(), plan.epochs()), lease),
                    StageRunner.Options.DEFAULTS, manager, orders);
        }
        lease.check();
        completed(runId, plan, finalKey);
    }

    /**
     * Says in the run's status that the stage waits for the sampler's order of {@code epoch} (the
     * coordinator then stores it), and stops waiting when the run is cancelled or the stage moved.
     */
    private void waitingForOrders(String runId, TrainPlan plan, int epoch, java.time.Duration waited) {
        if (yielding) {
            throw new TakenOver("the job's partition moved to another trainer while it waited for the sampler");
        }
        if (cancelled(runId)) {
            throw new CancellationException("run " + runId + " was cancelled");
        }
        if (waited.toSeconds() >= 30 && waited.toSeconds() % 60 < 10) {
            LOG.warn("run {} stage {}: waiting {} s for the sampler's order of epoch {}", runId, plan.name(),
                    waited.toSeconds(), epoch);
        }
        platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(plan.name())
                .setProgress(TrainProgress.newBuilder().setEpoch(epoch).setEpochs(plan.epochs()).setWaitingForEpoch(epoch)));
    }

    /** The stage moved to another trainer while this one trained it. */
    static final class TakenOver extends RuntimeException {
        TakenOver(String message) {
            super(message);
        }
    }

    /**
     * Who trains a stage: the trainer that took its job up last. A job delivered again (its
     * partition moved to another trainer after a rebalance, or its trainer looked dead) is taken
     * over by the new trainer, which writes its own token under {@code <prefix>/owner}; the former
     * one sees it before it stores anything more (each checkpoint, and every few seconds) and stops,
     * so a stale trainer never overwrites a newer one's checkpoints or reports the stage twice.
     */
    private final class Lease {
        private final String key;
        private final String token;
        private long lastCheck;

        Lease(String prefix) {
            this.key = prefix + "/owner";
            this.token = platform.config().instance() + " " + java.util.UUID.randomUUID();
        }

        void take() throws IOException {
            platform.store().put(key, token.getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/plain");
            lastCheck = System.currentTimeMillis();
        }

        /** Throws {@link TakenOver} when another trainer took the stage since. */
        void check() throws IOException {
            lastCheck = System.currentTimeMillis();
            String holder = platform.store().exists(key)
                    ? new String(platform.store().get(key), java.nio.charset.StandardCharsets.UTF_8) : "";
            if (!holder.equals(token)) {
                String other = holder.isEmpty() ? "nobody" : "trainer " + holder.substring(0, Math.max(0, holder.indexOf(' ')));
                throw new TakenOver("the stage was taken over by " + other + " (its job was delivered again); this trainer"
                        + " stops without storing anything more");
            }
        }

        /** {@link #check} when the last one is older than {@value #LEASE_CHECK_MS} ms. */
        void checkNowAndThen() throws IOException {
            if (System.currentTimeMillis() - lastCheck >= LEASE_CHECK_MS) {
                check();
            }
        }
    }

    private void completed(String runId, TrainPlan plan, String finalKey) {
        platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(plan.name())
                .setCompleted(StageCompleted.newBuilder().setOutputKey(finalKey).setItems(plan.epochs())));
    }

    /** Turns the trainer's callbacks into events and stored checkpoints. */
    private final class Reporter implements TrainListener {
        private final String runId;
        private final TrainPlan plan;
        private final String prefix;
        private final RunLayout.Stage dir;
        private final TrainMetrics.Stage gauges;
        private final Lease lease;
        private long lastProgress;

        Reporter(String runId, TrainPlan plan, String prefix, RunLayout.Stage dir, TrainMetrics.Stage gauges, Lease lease) {
            this.runId = runId;
            this.plan = plan;
            this.prefix = prefix;
            this.dir = dir;
            this.gauges = gauges;
            this.lease = lease;
        }

        @Override
        public void onBatch(BatchProgress p) {
            if (yielding) {
                throw new TakenOver("the job's partition moved to another trainer, which resumes the stage from its"
                        + " last stored checkpoint; this trainer stops without storing anything more");
            }
            try {
                lease.checkNowAndThen();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            gauges.batch(p);
            long now = System.currentTimeMillis();
            if (now - lastProgress < PROGRESS_INTERVAL_MS) {
                return;
            }
            lastProgress = now;
            if (cancelled(runId)) {
                throw new CancellationException("run " + runId + " was cancelled");
            }
            progress(TrainProgress.newBuilder().setEpoch(p.epoch()).setEpochs(p.epochs()).setBatch(p.batch())
                    .setBatches(p.batches()).setLoss(p.loss()).setAccuracy(p.accuracy()).setLr(p.lr())
                    .setImagesPerSecond(p.imagesPerSecond()).setEtaSeconds(p.etaSeconds()));
        }

        @Override
        public boolean stopRequested() {
            return stopping;
        }

        @Override
        public void onEpoch(EpochSummary s) {
            gauges.epoch(s);
            progress(TrainProgress.newBuilder().setEpoch(s.epoch()).setEpochs(s.epochs()).setLoss(s.loss())
                    .setAccuracy(s.accuracy()).setLr(s.lr()).setImagesPerSecond(s.imagesPerSecond()).setEpochEnd(true)
                    .setResidentBytes(ResidentMemory.bytes()));
        }

        private void progress(TrainProgress.Builder p) {
            platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(plan.name()).setProgress(p));
        }

        @Override
        public void onCheckpoint(String stage, int epoch, Path file) {
            boolean last = file.getFileName().toString().equals(RunLayout.FINAL_CHECKPOINT);
            boolean best = file.getFileName().toString().equals(RunLayout.BEST_CHECKPOINT);
            String key = last ? Keys.finalCheckpoint(prefix) : best ? Keys.bestCheckpoint(prefix)
                    : Keys.checkpoints(prefix) + file.getFileName();
            try {
                lease.check();   // a stale owner stores nothing
                Path history = dir.history();
                if (Files.exists(history)) {
                    platform.store().putFile(Keys.history(prefix), history, "application/x-ndjson");
                }
                if (Files.exists(dir.environment())) {
                    platform.store().putFile(Keys.environment(prefix), dir.environment(), "application/x-ndjson");
                }
                if (!last && !best) {
                    platform.store().putFile(key, file, "application/zip");
                    List<String> stored = platform.store().list(Keys.checkpoints(prefix), Keys::isCheckpoint);
                    for (int i = 0; i < stored.size() - 2; i++) {
                        platform.store().delete(stored.get(i));
                    }
                } else {
                    platform.store().putFile(key, file, "application/zip");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            platform.bus().event(RunEvent.newBuilder().setRunId(runId).setStage(stage)
                    .setCheckpoint(CheckpointSaved.newBuilder().setEpoch(epoch).setKey(key).setLast(last).setBest(best)));
        }
    }
}
