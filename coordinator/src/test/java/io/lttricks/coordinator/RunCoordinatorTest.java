package io.lttricks.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.CancelRequested;
import io.lttricks.proto.v1.DeadLetterCause;
import io.lttricks.proto.v1.JobDeadLettered;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.DatasetReady;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.EvaluationCompleted;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.RunSubmitted;
import io.lttricks.proto.v1.StageCompleted;
import io.lttricks.proto.v1.StageFailed;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageStarted;
import io.lttricks.proto.v1.TrainJob;
import io.lttricks.proto.v1.TrainProgress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The run coordinator's decisions, driven with events directly: what it dispatches, when, and what
 * it does not do twice. The jobs and events it published are read from the in-memory bus.
 */
class RunCoordinatorTest {
    /** First stage, CAM generation from its model, a deferred stage on original + generated images. */
    static final String PIPELINE = """
            name: pipe
            dataset: {name: cifar10, imbalance: 100}
            backbone: resnet32
            profile: quick
            stages:
              - {name: first, role: first_stage, epochs: 2}
              - {name: cam, type: cam}
              - {name: deferred, role: deferred, epochs: 1, generated: cam, sampler: class_balanced}
            """;
    static final String RUN = "pipe-1";
    static final String MANIFEST = Keys.manifest(RUN);

    InMemoryEventBus bus;
    InMemoryRunStateStore runs;
    RunCoordinator coordinator;
    RunStatus submitted;

    InMemoryObjectStore store;
    RecordingSampler sampler;

    /** One request for a stage's orders, and how many train jobs had gone out when it came. */
    record Asked(EpochSampler.Stage stage, int through, int trainJobsBefore) {
    }

    /** The sampler as the coordinator sees it (the sampler service's own is tested in its module). */
    final class RecordingSampler implements EpochSampler {
        final List<Asked> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> forgotten = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public int storeThrough(Stage stage, int through) {
            asked.add(new Asked(stage, through, trainJobs().size()));
            return 1;
        }

        @Override
        public void forget(String runPrefix) {
            forgotten.add(runPrefix);
        }
    }

    @BeforeEach
    void setUp() throws java.io.IOException {
        bus = new InMemoryEventBus();
        runs = new InMemoryRunStateStore(bus);
        store = new InMemoryObjectStore();
        sampler = new RecordingSampler();
        coordinator = new RunCoordinator(bus, store, runs, sampler);
        submitted = submit(PIPELINE);
    }

    /** The run as the run service records it, and its submission event handled. */
    RunStatus submit(String yaml) {
        RunStatus run = runs.put(RunServiceImpl.newRun(RUN,
                RecipeMapper.resolve(RecipeMapper.toProto(Recipes.parseYaml(yaml))), "lttricks", ""));
        handle(event().setSubmitted(RunSubmitted.newBuilder().setRun(run)));
        return run;
    }

    static RunEvent.Builder event() {
        return RunEvent.newBuilder().setRunId(RUN).setTimeMs(1);
    }

    void handle(RunEvent.Builder e) {
        coordinator.handle(e.build());
    }

    void datasetReady() {
        handle(event().setDataset(DatasetReady.newBuilder().setManifestKey(MANIFEST).addCounts(5000).addCounts(50)));
    }

    static String finalKey(int index, String stage) {
        return Keys.finalCheckpoint(Keys.stage(RUN, index, stage));
    }

    static final String GENERATED = Keys.generatedManifest(Keys.generated(Keys.stage(RUN, 1, "cam")));

    void completed(String stage, String outputKey) {
        handle(event().setStage(stage).setCompleted(StageCompleted.newBuilder().setOutputKey(outputKey).setItems(2)));
    }

    void evaluated(String stage) {
        handle(event().setStage(stage).setEvaluation(EvaluationCompleted.newBuilder()
                .setMetrics(Metrics.newBuilder().setTop1Error(0.5).setImages(100))));
    }

    /** Every stage done, none evaluated yet. */
    void everyStageDone() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        completed("cam", GENERATED);
        completed("deferred", finalKey(2, "deferred"));
    }

    /** Every stage done and evaluated, in the order the services would report it. */
    void runToTheEnd() {
        everyStageDone();
        evaluated("first");
        evaluated("deferred");
    }

    RunStatus state() {
        return runs.get(RUN).orElseThrow();
    }

    StagePhase phase(int stage) {
        return state().getStages(stage).getPhase();
    }

    List<TrainJob> trainJobs() {
        return bus.messages(Topics.TRAIN_JOBS, TrainJob.class);
    }

    List<CamJob> camJobs() {
        return bus.messages(Topics.AUGMENT_JOBS, CamJob.class);
    }

    List<EvalJob> evalJobs() {
        return bus.messages(Topics.EVAL_JOBS, EvalJob.class);
    }

    /** Jobs on every job topic, as a count per topic, for comparing before and after. */
    List<Integer> jobCounts() {
        return List.of(bus.published(Topics.DATASET_JOBS).size(), trainJobs().size(), camJobs().size(),
                evalJobs().size(), bus.events(RunEvent.KindCase.QUEUED).size(), bus.events(RunEvent.KindCase.FINISHED).size());
    }

    @Test
    void aSubmittedRunHasItsTrainingSetBuiltAndNothingElse() {
        List<DatasetJob> jobs = bus.messages(Topics.DATASET_JOBS, DatasetJob.class);
        assertEquals(1, jobs.size());
        assertEquals(MANIFEST, jobs.get(0).getManifestKey());
        assertEquals(submitted.getRecipe(), jobs.get(0).getRecipe());
        assertEquals(List.of(), trainJobs());
        assertEquals(RunPhase.RUN_QUEUED, state().getPhase());
    }

    @Test
    void theFirstStageIsDispatchedWhenTheTrainingSetIsReady() {
        datasetReady();
        assertEquals(1, trainJobs().size());
        TrainJob job = trainJobs().get(0);
        assertEquals(0, job.getStageIndex());
        assertEquals(submitted.getPlans(0).getTrain(), job.getPlan(), "the plan resolved at submission travels");
        assertEquals(MANIFEST, job.getManifestKey());
        assertEquals("", job.getInitKey(), "the first stage starts from scratch");
        assertEquals("", job.getGeneratedKey());
        assertEquals(Keys.stage(RUN, 0, "first"), job.getOutputPrefix());
        assertEquals(RunPhase.RUN_RUNNING, state().getPhase());
        assertEquals(MANIFEST, state().getManifestKey());
        assertEquals(List.of(StagePhase.STAGE_QUEUED, StagePhase.STAGE_PENDING, StagePhase.STAGE_PENDING),
                state().getStagesList().stream().map(s -> s.getPhase()).toList());
        RunEvent queued = bus.events(RunEvent.KindCase.QUEUED).get(0);
        assertEquals("first", queued.getStage());
        assertEquals(Topics.TRAIN_JOBS, queued.getQueued().getTopic());
        assertEquals(List.of(), camJobs());
    }

    @Test
    void aTrainingStagesCompletionDispatchesTheCamStageFromItsModelAndItsEvaluation() {
        datasetReady();
        handle(event().setStage("first").setStarted(StageStarted.newBuilder().setWorker("trainer/a").setTotal(2)));
        assertEquals(StagePhase.STAGE_RUNNING, phase(0));
        completed("first", finalKey(0, "first"));

        assertEquals(StagePhase.STAGE_SUCCEEDED, phase(0));
        assertEquals(finalKey(0, "first"), state().getStages(0).getOutputKey());
        assertEquals(1, camJobs().size());
        CamJob cam = camJobs().get(0);
        assertEquals(1, cam.getStageIndex());
        assertEquals(submitted.getPlans(1).getCam(), cam.getPlan());
        assertEquals(finalKey(0, "first"), cam.getCheckpointKey(), "CAMs from the first stage's final model");
        assertEquals(Keys.generated(Keys.stage(RUN, 1, "cam")), cam.getOutputPrefix());
        assertEquals(StagePhase.STAGE_QUEUED, phase(1));
        assertEquals(1, trainJobs().size(), "no other training stage yet");

        assertEquals(1, evalJobs().size());
        EvalJob eval = evalJobs().get(0);
        assertEquals("first", eval.getStage());
        assertEquals(finalKey(0, "first"), eval.getCheckpointKey());
        assertEquals(MANIFEST, eval.getManifestKey());
        assertEquals(Keys.report(Keys.stage(RUN, 0, "first")), eval.getReportPrefix());
    }

    @Test
    void theCamStagesCompletionDispatchesTheNextTrainingStageOnOriginalAndGeneratedImages() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        completed("cam", GENERATED);

        assertEquals(2, trainJobs().size());
        TrainJob deferred = trainJobs().get(1);
        assertEquals(2, deferred.getStageIndex());
        assertEquals(submitted.getPlans(2).getTrain(), deferred.getPlan());
        assertEquals(finalKey(0, "first"), deferred.getInitKey(), "init: previous = the last training stage's model");
        assertEquals(GENERATED, deferred.getGeneratedKey(), "the generated set of the stage it names");
        assertEquals(Keys.stage(RUN, 2, "deferred"), deferred.getOutputPrefix());
        assertEquals(1, evalJobs().size(), "a generation stage is not evaluated");

        completed("deferred", finalKey(2, "deferred"));
        assertEquals(List.of("first", "deferred"), evalJobs().stream().map(EvalJob::getStage).toList());
        assertEquals(2, trainJobs().size());
        assertEquals(1, camJobs().size());
    }

    /**
     * maps_from: best_test_epoch: the cam job reads the first stage's best-test-epoch weights, a
     * recipe that went through the proto (the services' form) keeps the field, and the first stage's
     * plan, which the trainer gets, tests every epoch and keeps them.
     */
    @Test
    void aCamStageFromTheBestTestEpochReadsThatStagesBestWeights() {
        bus.clear();
        RunStatus run = runs.put(RunServiceImpl.newRun(RUN, RecipeMapper.resolve(RecipeMapper.toProto(Recipes.parseYaml(
                PIPELINE.replace("{name: cam, type: cam}", "{name: cam, type: cam, maps_from: best_test_epoch}")))),
                "lttricks", ""));
        handle(event().setSubmitted(RunSubmitted.newBuilder().setRun(run)));
        datasetReady();
        io.lttricks.core.plan.TrainPlan first = io.lttricks.platform.plan.PlanMapper.fromProto(trainJobs().get(0).getPlan());
        assertEquals(new io.lttricks.core.plan.EvalPlan(1, 0, true), first.eval());
        completed("first", finalKey(0, "first"));
        assertEquals(Keys.bestCheckpoint(Keys.stage(RUN, 0, "first")), camJobs().get(0).getCheckpointKey());
        assertEquals(finalKey(0, "first"), evalJobs().get(0).getCheckpointKey(), "the stage's report: its final model");
    }

    @Test
    void aCheckpointInitIsTheKeyOfItsObject() throws java.io.IOException {
        setUp();
        bus.clear();
        RunStatus run = runs.put(RunServiceImpl.newRun(RUN, RecipeMapper.resolve(RecipeMapper.toProto(Recipes.parseYaml("""
                name: pipe
                dataset: {name: cifar10, imbalance: 100}
                profile: quick
                stages: [{name: ft, epochs: 1, init: 's3://lttricks/runs/old/01-first/final.ckpt'}]
                """))), "lttricks", ""));
        handle(event().setSubmitted(RunSubmitted.newBuilder().setRun(run)));
        datasetReady();
        assertEquals("runs/old/01-first/final.ckpt", trainJobs().get(0).getInitKey());
    }

    @Test
    void theRunSucceedsOnlyWhenEveryTrainingStageHasItsMetrics() {
        everyStageDone();
        assertEquals(RunPhase.RUN_RUNNING, state().getPhase(), "every stage done, none evaluated");
        evaluated("deferred");
        assertEquals(RunPhase.RUN_RUNNING, state().getPhase(), "the first stage has no metrics yet");
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FINISHED));
        evaluated("first");
        assertEquals(RunPhase.RUN_SUCCEEDED, state().getPhase());
        assertTrue(state().getStages(0).hasMetrics() && state().getStages(2).hasMetrics());
        List<RunEvent> finished = bus.events(RunEvent.KindCase.FINISHED);
        assertEquals(1, finished.size());
        assertEquals(RunPhase.RUN_SUCCEEDED, finished.get(0).getFinished().getPhase());
    }

    @Test
    void aStagesEvaluationBeforeTheNextStagesEndDoesNotEndTheRun() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        evaluated("first");
        assertEquals(RunPhase.RUN_RUNNING, state().getPhase());
        assertEquals(StagePhase.STAGE_QUEUED, phase(1));
    }

    @Test
    void everyEventDeliveredTwiceIsActedOnOnce() {
        datasetReady();
        datasetReady();
        handle(event().setSubmitted(RunSubmitted.newBuilder().setRun(submitted)));
        completed("first", finalKey(0, "first"));
        completed("first", finalKey(0, "first"));
        completed("cam", GENERATED);
        completed("cam", GENERATED);
        completed("deferred", finalKey(2, "deferred"));
        completed("deferred", finalKey(2, "deferred"));
        evaluated("first");
        evaluated("first");
        evaluated("deferred");
        evaluated("deferred");
        // Dataset, train x2, cam, eval x2, queued x3, finished x1: as without the repeats.
        assertEquals(List.of(1, 2, 1, 2, 3, 1), jobCounts());
        assertEquals(RunPhase.RUN_SUCCEEDED, state().getPhase());
    }

    @Test
    void aFinishedStagesJobDeliveredAgainDoesNotReopenIt() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        handle(event().setStage("first").setStarted(StageStarted.newBuilder().setWorker("trainer/b").setTotal(2)));
        handle(event().setStage("first").setProgress(io.lttricks.proto.v1.TrainProgress.newBuilder().setEpoch(1)
                .setEpochs(2).setEpochEnd(true)));
        assertEquals(StagePhase.STAGE_SUCCEEDED, phase(0));
        assertEquals("", state().getStages(0).getWorker(), "the late start was not recorded");
        completed("first", finalKey(0, "first"));
        assertEquals(List.of(1, 1, 1, 1, 2, 0), jobCounts(), "no second evaluation, no stage dispatched again");
    }

    @Test
    void theWholeLogReplayedChangesNothing() {
        runToTheEnd();
        List<Integer> before = jobCounts();
        List<RunEvent> log = bus.events();
        for (RunEvent e : log) {
            coordinator.handle(e);
        }
        runToTheEnd();
        assertEquals(before, jobCounts());
        assertEquals(RunPhase.RUN_SUCCEEDED, state().getPhase());
    }

    @Test
    void aCompletionWhoseNextJobCouldNotBePublishedDispatchesItWhenHandledAgain() {
        datasetReady();
        bus.failNext(1, Topics.AUGMENT_JOBS);
        assertThrows(EventBus.UnavailableException.class, () -> completed("first", finalKey(0, "first")));
        assertEquals(List.of(), camJobs());
        // The loop hands the same event over again.
        completed("first", finalKey(0, "first"));
        assertEquals(1, camJobs().size(), "the next stage was dispatched, once");
        assertEquals(1, evalJobs().size(), "the evaluation was published before the completion was recorded, once");
        assertEquals(StagePhase.STAGE_QUEUED, phase(1));
    }

    @Test
    void aCompletionWhoseEvaluationCouldNotBePublishedPublishesItWhenHandledAgain() {
        datasetReady();
        bus.failNext(1, Topics.EVAL_JOBS);
        assertThrows(EventBus.UnavailableException.class, () -> completed("first", finalKey(0, "first")));
        completed("first", finalKey(0, "first"));
        assertEquals(1, evalJobs().size());
        assertEquals(1, camJobs().size());
    }

    @Test
    void anEndWhoseAnnouncementCouldNotBePublishedIsAnnouncedWhenHandledAgain() {
        datasetReady();
        bus.failNext(1, Topics.EVENTS);
        RunEvent.Builder failed = event().setStage("first").setFailed(StageFailed.newBuilder().setReason("disk full"));
        assertThrows(EventBus.UnavailableException.class, () -> coordinator.handle(failed.build()));
        assertEquals(RunPhase.RUN_FAILED, state().getPhase(), "the state was written before the announcement");
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FINISHED));
        // The loop hands the same event over again: the run has ended, and now says so, once.
        coordinator.handle(failed.build());
        coordinator.handle(failed.build());
        List<RunEvent> finished = bus.events(RunEvent.KindCase.FINISHED);
        assertEquals(1, finished.size());
        assertEquals(RunPhase.RUN_FAILED, finished.get(0).getFinished().getPhase());
        assertTrue(finished.get(0).getFinished().getMessage().contains("disk full"), finished.get(0).toString());
    }

    @Test
    void aSuccessWhoseAnnouncementCouldNotBePublishedIsAnnouncedWhenTheEvaluationIsHandledAgain() {
        everyStageDone();
        evaluated("first");
        bus.failNext(1, Topics.EVENTS);
        assertThrows(EventBus.UnavailableException.class, () -> evaluated("deferred"));
        assertEquals(RunPhase.RUN_SUCCEEDED, state().getPhase());
        assertEquals(List.of(), bus.events(RunEvent.KindCase.FINISHED));

        evaluated("deferred");
        List<RunEvent> finished = bus.events(RunEvent.KindCase.FINISHED);
        assertEquals(1, finished.size());
        assertEquals(RunPhase.RUN_SUCCEEDED, finished.get(0).getFinished().getPhase());

        // A coordinator started afresh (it does not know what the last one announced) says it once more.
        RunCoordinator restarted = new RunCoordinator(bus, new InMemoryObjectStore(), runs, new RecordingSampler());
        restarted.handle(event().setStage("deferred").setEvaluation(EvaluationCompleted.newBuilder()
                .setMetrics(Metrics.newBuilder().setTop1Error(0.5).setImages(100))).build());
        assertEquals(2, bus.events(RunEvent.KindCase.FINISHED).size());
        assertEquals(RunPhase.RUN_SUCCEEDED, state().getPhase(), "handled again, the run stays as it ended");
    }

    @Test
    void aDeadLetterIsRecordedOnTheRunOnceWhateverItsPhase() {
        datasetReady();
        handle(event().setStage("first").setFailed(StageFailed.newBuilder().setReason("storage unreachable")));
        assertEquals(RunPhase.RUN_FAILED, state().getPhase());
        RunEvent dead = event().setStage("first").setDeadLetter(JobDeadLettered.newBuilder().setTopic(Topics.TRAIN_JOBS)
                .setPartition(2).setOffset(17).setCause(DeadLetterCause.DEAD_LETTER_GAVE_UP).setStage("first")
                .setReason("failed 5 times, the last: storage unreachable")).build();
        coordinator.handle(dead);
        coordinator.handle(dead);   // delivered again

        assertEquals(List.of(dead.getDeadLetter()), state().getDeadLettersList(), "recorded after the run ended, once");
        assertEquals(RunPhase.RUN_FAILED, state().getPhase(), "a dead letter changes no phase");
        assertEquals(1, bus.events(RunEvent.KindCase.FINISHED).size(), "and announces nothing again");

        for (int i = 0; i < RunCoordinator.MAX_DEAD_LETTERS + 5; i++) {
            coordinator.handle(dead.toBuilder().setDeadLetter(dead.getDeadLetter().toBuilder().setOffset(100 + i)).build());
        }
        List<JobDeadLettered> kept = state().getDeadLettersList();
        assertEquals(RunCoordinator.MAX_DEAD_LETTERS, kept.size(), "bounded");
        assertEquals(100 + RunCoordinator.MAX_DEAD_LETTERS + 4, kept.get(kept.size() - 1).getOffset(), "the newest kept");
    }

    @Test
    void cancellingCancelsEveryUnfinishedStageAndDispatchesNothingMore() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        handle(event().setStage("cam").setStarted(StageStarted.newBuilder().setWorker("augment/a").setTotal(8)));
        handle(event().setCancel(CancelRequested.newBuilder().setReason("cancelled by a client")));

        assertEquals(RunPhase.RUN_CANCELLED, state().getPhase());
        assertEquals(List.of(StagePhase.STAGE_SUCCEEDED, StagePhase.STAGE_CANCELLED, StagePhase.STAGE_CANCELLED),
                state().getStagesList().stream().map(s -> s.getPhase()).toList());
        RunEvent finished = bus.events(RunEvent.KindCase.FINISHED).get(0);
        assertEquals(RunPhase.RUN_CANCELLED, finished.getFinished().getPhase());
        assertEquals("cancelled by a client", finished.getFinished().getMessage());

        List<Integer> before = jobCounts();
        completed("cam", GENERATED);   // a worker that had not heard of it yet
        handle(event().setCancel(CancelRequested.newBuilder().setReason("again")));
        assertEquals(before, jobCounts(), "nothing dispatched after a cancel");
        assertEquals(RunPhase.RUN_CANCELLED, state().getPhase());
        assertEquals(StagePhase.STAGE_CANCELLED, phase(1));
    }

    @Test
    void cancellingAQueuedRunCancelsAllItsStages() {
        handle(event().setCancel(CancelRequested.newBuilder().setReason("no")));
        assertEquals(RunPhase.RUN_CANCELLED, state().getPhase());
        assertTrue(state().getStagesList().stream().allMatch(s -> s.getPhase() == StagePhase.STAGE_CANCELLED));
        datasetReady();
        assertEquals(List.of(), trainJobs(), "a training set built after the cancel starts nothing");
    }

    @Test
    void aFailedStageFailsTheRunWithItsReason() {
        datasetReady();
        completed("first", finalKey(0, "first"));
        handle(event().setStage("cam").setFailed(StageFailed.newBuilder().setReason("out of memory").setPermanent(true)));

        assertEquals(RunPhase.RUN_FAILED, state().getPhase());
        assertEquals(StagePhase.STAGE_FAILED, phase(1));
        assertEquals("out of memory", state().getStages(1).getMessage());
        assertTrue(state().getMessage().contains("cam") && state().getMessage().contains("out of memory"), state().getMessage());
        RunEvent finished = bus.events(RunEvent.KindCase.FINISHED).get(0);
        assertEquals(RunPhase.RUN_FAILED, finished.getFinished().getPhase());

        List<Integer> before = jobCounts();
        completed("cam", GENERATED);
        assertEquals(before, jobCounts(), "nothing dispatched after a failure");
        assertEquals(StagePhase.STAGE_PENDING, phase(2));
    }

    @Test
    void aTrainingSetThatCannotBeBuiltFailsTheRun() {
        handle(event().setStage("dataset").setFailed(StageFailed.newBuilder().setReason("training set: no such file")));
        assertEquals(RunPhase.RUN_FAILED, state().getPhase());
        assertEquals(List.of(), trainJobs());
    }

    @Test
    void eventsOfUnknownRunsAreIgnored() {
        coordinator.handle(RunEvent.newBuilder().setRunId("other").setStage("x")
                .setCompleted(StageCompleted.newBuilder().setOutputKey("k")).build());
        assertTrue(runs.get("other").isEmpty());
        assertEquals(List.of(1, 0, 0, 0, 0, 0), jobCounts());
    }

    /**
     * Issue 26 item 1: sampling is the sampler's work. Each training stage's orders are asked for
     * before its job goes out, over its own training set: the long-tailed set, then for the
     * deferred stage the generated images the CAM stage added.
     */
    @Test
    void eachTrainingStageIsSampledBeforeItsJobGoesOut() {
        datasetReady();
        TrainJob first = trainJobs().get(0);
        assertTrue(first.getSampled(), "the trainer trains on the sampler's orders");
        Asked asked = sampler.asked.get(0);
        assertEquals(new EpochSampler.Stage(first.getOutputPrefix(), io.lttricks.platform.plan.PlanMapper.fromProto(first.getPlan()),
                MANIFEST, null, state().getRecipe().getSeed(), 0), asked.stage());
        assertEquals(2, asked.through(), "a 2-epoch stage: all of it");
        assertEquals(0, asked.trainJobsBefore(), "asked before the job went out");
        completed("first", finalKey(0, "first"));
        completed("cam", GENERATED);
        TrainJob deferred = trainJobs().get(1);
        Asked second = sampler.asked.get(sampler.asked.size() - 1);
        assertEquals(new EpochSampler.Stage(deferred.getOutputPrefix(),
                io.lttricks.platform.plan.PlanMapper.fromProto(deferred.getPlan()), MANIFEST, GENERATED,
                state().getRecipe().getSeed(), 2), second.stage());
        assertEquals(1, second.trainJobsBefore());
    }

    /**
     * The orders stay 20 epochs ahead of the trainer's progress (never past the stage's end); a
     * trainer that waits is heard and served; the run's end lets the sampler forget the run.
     */
    @Test
    void theOrdersStayAheadOfTheTrainerAndAWaitingTrainerIsServed() {
        runs = new InMemoryRunStateStore(bus);
        coordinator = new RunCoordinator(bus, store, runs, sampler);
        bus.clear();
        submit("name: long\ndataset: {name: cifar10, imbalance: 3}\nprofile: quick\nstages: [{name: main, epochs: 45}]\n");
        datasetReady();
        handle(event().setStage("main").setProgress(TrainProgress.newBuilder().setEpoch(5).setEpochs(45).setEpochEnd(true)));
        handle(event().setStage("main").setProgress(TrainProgress.newBuilder().setEpoch(41).setEpochs(45)
                .setWaitingForEpoch(41)));
        assertEquals(List.of(20, 25, 45), sampler.asked.stream().map(Asked::through).toList());
        assertEquals("waiting for the sampler's order of epoch 41", state().getStages(0).getMessage());
        assertTrue(sampler.forgotten.isEmpty());
        handle(event().setStage("main").setFailed(StageFailed.newBuilder().setReason("out of memory").setPermanent(true)));
        assertEquals(List.of(Keys.run(RUN)), sampler.forgotten, "the ended run is forgotten");
    }
}
