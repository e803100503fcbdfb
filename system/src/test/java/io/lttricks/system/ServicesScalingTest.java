package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 26, "show it": the services scaled out on the real embedded broker and store. Three
 * trainers (this JVM's and two processes), two augmenters, two evaluators (this JVM's and a
 * process); four runs submitted at once; while they run a fourth trainer is added, one trainer
 * process is stopped (SIGTERM: it finishes its epoch, stores it and hands the stage on) and one is
 * killed (SIGKILL: its stage goes to another trainer when its lock runs out). Every run must
 * succeed with the figures of the same recipe run alone; no stored epoch is trained twice; no
 * trainer is idle for more than {@value #IDLE_SLACK_S} s while a training stage waits; shards and
 * evaluations, shared the same way, reach every augmenter and evaluator.
 *
 * <p>Minutes of CPU, so not part of the default suite: {@code bench/services-scaling} runs it
 * ({@code -Dlt.scaling=true}) and prints the figures docs/RELIABILITY.md records.
 */
@ExtendWith(ServicesFixture.Resolver.class)
@EnabledIfSystemProperty(named = "lt.scaling", matches = "true")
class ServicesScalingTest {
    /**
     * A stage's StageStarted event comes after its trainer has taken the job and prepared the stage
     * (fetched and decoded the data set, listed checkpoints; on a fresh trainer also its first use of
     * PyTorch): up to about 15 s here under load, which the events cannot tell from idling.
     */
    static final int IDLE_SLACK_S = 15;
    /** The broker's acquisition lock: a killed trainer's stage waits this long before anyone may take it. */
    static final long LOCK_MS = 30_000;

    static final String RECIPE = "name: scale\n"
            + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
            + "backbone: resnet20\nseed: 3\nprofile: quick\nstages:\n"
            + "  - {name: first, role: first_stage, epochs: 20, batch_size: 16, lr: 0.05, checkpoint_every: 1}\n"
            + "  - {name: cam, type: cam, threshold_factor: 0.75}\n"
            + "  - {name: deferred, role: deferred, epochs: 2, batch_size: 16, generated: cam, sampler: class_balanced,"
            + " checkpoint_every: 1}\n";

    private final ServicesFixture system;

    ServicesScalingTest(ServicesFixture system) {
        this.system = system;
    }

    @Test
    void fourRunsOnScaledServicesWithATrainerAddedStoppedAndKilled() throws Exception {
        Path dir = Files.createTempDirectory("lt-scaling");
        RunStatus reference = finished(system.submit(RECIPE, "scale-ref").getRunId());
        System.out.println("reference run alone: " + figures(reference));

        Map<String, Process> workers = new TreeMap<>();
        Map<String, Long> joined = new ConcurrentHashMap<>();
        Map<String, Long> gone = new ConcurrentHashMap<>();
        try {
            workers.put("t2", start(dir, "io.lttricks.trainer.TrainerServer", "t2"));
            workers.put("t3", start(dir, "io.lttricks.trainer.TrainerServer", "t3"));
            workers.put("e2", start(dir, "io.lttricks.evaluator.EvaluatorServer", "e2"));
            awaitShareMembers(3);
            long t0 = System.currentTimeMillis();
            joined.put("t2", t0);
            joined.put("t3", t0);

            List<String> runIds = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                runIds.add(system.submit(RECIPE.replace("name: scale\n", "name: scale-" + i + "\n"), "scale-" + i).getRunId());
            }
            Map<String, List<RunEvent>> events = new ConcurrentHashMap<>();
            List<Thread> watchers = new ArrayList<>();
            for (String id : runIds) {
                List<RunEvent> into = new CopyOnWriteArrayList<>();
                events.put(id, into);
                Thread w = new Thread(() -> {
                    java.util.Iterator<RunEvent> it = system.runs().withDeadlineAfter(30, java.util.concurrent.TimeUnit.MINUTES)
                            .watch(io.lttricks.proto.v1.WatchRunRequest.newBuilder().setRunId(id).build());
                    while (it.hasNext()) {
                        into.add(it.next());   // as they come: the test steers by them
                    }
                }, "it-watch-" + id);
                w.setDaemon(true);
                w.start();
                watchers.add(w);
            }
            // The two trainer processes busy with first stages (the in-process one with a third);
            // the fourth run's waits for the trainer added next.
            awaitBusy(events, List.of("t2", "t3"), Duration.ofMinutes(6));
            workers.put("t4", start(dir, "io.lttricks.trainer.TrainerServer", "t4"));
            awaitShareMembers(4);
            joined.put("t4", System.currentTimeMillis());
            Thread.sleep(3_000);
            String stopped = awaitBusy(events, List.of("t2", "t3"), Duration.ofMinutes(2)).get(0);
            gone.put(stopped, System.currentTimeMillis());
            workers.get(stopped).destroy();                       // SIGTERM: drain and hand on
            String other = stopped.equals("t2") ? "t3" : "t2";
            Thread.sleep(4_000);
            awaitBusy(events, List.of(other), Duration.ofMinutes(2));
            gone.put(other, System.currentTimeMillis());
            workers.get(other).destroyForcibly();                 // SIGKILL
            System.out.println("stopped (SIGTERM) " + stopped + ", killed (SIGKILL) " + other);
            for (Thread w : watchers) {
                w.join(Duration.ofMinutes(20).toMillis());
            }

            for (String id : runIds) {
                RunStatus s = finished(id);
                assertEquals(figures(reference), figures(s), id + ": the same figures as the run alone");
            }
            List<RunEvent> all = new ArrayList<>();
            events.values().forEach(all::addAll);
            all.sort(java.util.Comparator.comparingLong(RunEvent::getTimeMs));
            System.out.print(timeline(events));
            checkNoStoredEpochTrainedTwice(events);
            checkNoTrainerIdledWhileAStageWaited(all, joined, gone, other, t0);
            checkShardsAndEvaluationsWentToEveryWorker(all);
        } finally {
            workers.values().forEach(Process::destroyForcibly);
        }
    }

    /**
     * Augment shards and evaluations go through share groups too: with four runs' jobs waiting,
     * each augmenter stored shards and each evaluator evaluated stages (no idle worker while a job
     * waited behind a busy one's partition). Prints the counts per worker.
     */
    private static void checkShardsAndEvaluationsWentToEveryWorker(List<RunEvent> all) {
        Map<String, Integer> shards = new TreeMap<>();
        Map<String, Integer> evaluations = new TreeMap<>();
        for (RunEvent e : all) {
            if (e.hasShard()) {
                shards.merge(e.getShard().getWorker().isEmpty() ? e.getSource() : e.getShard().getWorker(), 1, Integer::sum);
            } else if (e.hasEvaluation()) {
                evaluations.merge(e.getSource(), 1, Integer::sum);
            }
        }
        System.out.println("shards stored per augmenter: " + shards + "; evaluations per evaluator: " + evaluations);
        assertEquals(ServicesFixture.AUGMENT_WORKERS, shards.size(), "every augmenter took shards: " + shards);
        assertEquals(2, evaluations.size(), "both evaluators took evaluations: " + evaluations);
    }

    /** A run's status once it has ended, which must be a success. */
    private RunStatus finished(String runId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(20).toMillis();
        while (System.currentTimeMillis() < deadline) {
            RunStatus s = system.runs().get(GetRunRequest.newBuilder().setRunId(runId).build());
            if (s.getPhase() == RunPhase.RUN_SUCCEEDED) {
                return s;
            }
            assertTrue(s.getPhase() == RunPhase.RUN_RUNNING || s.getPhase() == RunPhase.RUN_QUEUED,
                    runId + " ended " + s.getPhase() + ": " + s.getMessage());
            Thread.sleep(500);
        }
        throw new AssertionError(runId + " did not end in 20 minutes");
    }

    /** Each evaluated stage's test error and per-class accuracies. */
    private static Map<String, String> figures(RunStatus s) {
        Map<String, String> out = new TreeMap<>();
        for (StageStatus st : s.getStagesList()) {
            if (st.hasMetrics()) {
                out.put(st.getName(), st.getMetrics().getTop1Error() + " " + st.getMetrics().getPerClassAccuracyList());
            }
        }
        return out;
    }

    private Process start(Path dir, String main, String instance) throws Exception {
        Config c = system.config();
        Map<String, String> env = new HashMap<>();
        env.put(Config.KAFKA_BOOTSTRAP, c.kafkaBootstrap());
        env.put(Config.S3_ENDPOINT, c.s3Endpoint());
        env.put(Config.S3_BUCKET, c.s3Bucket());
        env.put(Config.S3_ACCESS_KEY, c.s3AccessKey());
        env.put(Config.S3_SECRET_KEY, c.s3SecretKey());
        env.put(Config.S3_REGION, c.s3Region());
        env.put(Config.WORK_DIR, dir.resolve("work-" + instance).toString());
        env.put(Config.DATA_DIR, dir.resolve("data-" + instance).toString());
        env.put(Config.INSTANCE, instance);
        env.put(Config.GRPC_PORT, "0");
        env.put(Config.METRICS_PORT, "0");
        env.put(GrpcSecurity.BIND, "127.0.0.1");
        env.put(Config.DRAIN_SECONDS, "60");
        env.putAll(ServicesFixture.ENV);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", System.getProperty("java.class.path"), main);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve(instance + ".log").toFile());
        return pb.start();
    }

    private void awaitShareMembers(int members) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, system.config().kafkaBootstrap()))) {
            long deadline = System.currentTimeMillis() + 120_000;
            int seen = 0;
            while (System.currentTimeMillis() < deadline) {
                String id = Topics.group(Topics.GROUP_TRAINER, system.config());
                seen = admin.describeShareGroups(List.of(id)).all().get().get(id).members().size();
                if (seen >= members) {
                    return;
                }
                Thread.sleep(500);
            }
            throw new AssertionError("the trainers' share group has " + seen + " members, not " + members);
        }
    }

    /** The training stages of {@link #RECIPE}: their events' source is the trainer that trains them. */
    static final java.util.Set<String> TRAINING = java.util.Set.of("first", "deferred");

    /** The trainer an event of a training stage comes from: the instance (t2, ...; lt-up for the in-process one). */
    static String trainer(RunEvent e) {
        return TRAINING.contains(e.getStage()) && (e.hasStarted() || e.hasCompleted() || e.hasFailed() || e.hasCheckpoint()
                || e.hasProgress()) ? e.getSource().substring(e.getSource().lastIndexOf('/') + 1) : null;
    }

    /** Which of {@code candidates} train a stage now, from the runs' events. */
    private static List<String> busy(Map<String, List<RunEvent>> events, List<String> candidates) {
        List<String> out = new ArrayList<>();
        for (String c : candidates) {
            for (List<RunEvent> run : events.values()) {
                Map<String, String> ownerOf = new HashMap<>();
                for (RunEvent e : run) {
                    if (e.hasStarted() && trainer(e) != null) {
                        ownerOf.put(e.getStage(), trainer(e));
                    } else if ((e.hasCompleted() || e.hasFailed()) && trainer(e) != null) {
                        ownerOf.remove(e.getStage());
                    }
                }
                if (ownerOf.containsValue(c) && !out.contains(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** Waits until every one of {@code candidates} trains a stage; returns them. */
    private static List<String> awaitBusy(Map<String, List<RunEvent>> events, List<String> candidates, Duration max)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + max.toMillis();
        while (busy(events, candidates).size() < candidates.size()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not all of " + candidates + " train a stage within " + max + "; trainers' events:\n"
                        + timeline(events));
            }
            Thread.sleep(200);
        }
        return candidates;
    }

    /** The trainers' starts, completions and failures of every run, in time order. */
    static String timeline(Map<String, List<RunEvent>> events) {
        List<RunEvent> all = new ArrayList<>();
        events.values().forEach(all::addAll);
        all.sort(java.util.Comparator.comparingLong(RunEvent::getTimeMs));
        StringBuilder b = new StringBuilder();
        long t0 = all.isEmpty() ? 0 : all.get(0).getTimeMs();
        for (RunEvent e : all) {
            if (e.hasStarted() || e.hasCompleted() || e.hasFailed() || e.hasQueued()) {
                b.append(String.format("%7.1f s %s %s %s %s%n", (e.getTimeMs() - t0) / 1e3, e.getRunId(), e.getStage(),
                        e.getKindCase(), e.getSource()));
            }
        }
        return b.toString();
    }

    /**
     * At each hand-over of a training stage, the new owner resumes after the last epoch the former
     * owner stored: no epoch that was stored is trained again (checkpoint_every 1: a killed owner
     * loses only the epoch it was in).
     */
    private static void checkNoStoredEpochTrainedTwice(Map<String, List<RunEvent>> events) {
        int handovers = 0;
        for (Map.Entry<String, List<RunEvent>> run : events.entrySet()) {
            Map<String, List<RunEvent>> byStage = new TreeMap<>();
            for (RunEvent e : run.getValue()) {
                if (trainer(e) != null && (e.hasStarted() || e.hasCheckpoint())) {
                    byStage.computeIfAbsent(e.getStage(), k -> new ArrayList<>()).add(e);
                }
            }
            for (Map.Entry<String, List<RunEvent>> stage : byStage.entrySet()) {
                int stored = 0;
                String owner = null;
                for (RunEvent e : stage.getValue()) {
                    if (e.hasStarted()) {
                        if (owner != null) {
                            handovers++;
                            System.out.printf("%s %s: %s -> %s, stored through epoch %d, resumed after %d%n", run.getKey(),
                                    stage.getKey(), owner, trainer(e), stored, e.getStarted().getResumedAfterEpoch());
                            assertEquals(stored, e.getStarted().getResumedAfterEpoch(), run.getKey() + " " + stage.getKey()
                                    + ": the new owner resumes after the last stored epoch");
                        }
                        owner = trainer(e);
                    } else if (trainer(e).equals(owner) && !e.getCheckpoint().getBest()) {
                        stored = Math.max(stored, e.getCheckpoint().getEpoch());
                    }
                }
            }
        }
        assertTrue(handovers >= 2, "the stopped and the killed trainer each handed a stage on: " + handovers);
    }

    /**
     * From the events: whenever a training stage waited (queued, or handed on: from its drained
     * owner's last event, from a killed owner's death plus the lock time), a trainer that was up and
     * not training is idle time, which must stay under {@value #IDLE_SLACK_S} s per wait.
     */
    private static void checkNoTrainerIdledWhileAStageWaited(List<RunEvent> all, Map<String, Long> joined,
                                                             Map<String, Long> gone, String killed, long t0) {
        // Busy intervals per trainer, and waits per stage.
        Map<String, List<long[]>> busy = new HashMap<>();
        Map<String, Long> busySince = new HashMap<>();
        Map<String, String> ownerOf = new HashMap<>();
        Map<String, Long> lastEventOf = new HashMap<>();
        Map<String, Long> waitingSince = new HashMap<>();
        List<long[]> waits = new ArrayList<>();
        for (RunEvent e : all) {
            String stage = e.getRunId() + "/" + e.getStage();
            if (e.hasQueued() && TRAINING.contains(e.getStage())) {
                waitingSince.put(stage, e.getTimeMs());
            }
            String src = trainer(e);
            if (src != null) {
                lastEventOf.put(src, e.getTimeMs());
                if (e.hasStarted()) {
                    String former = ownerOf.put(stage, src);
                    if (former != null && !former.equals(src) && busySince.containsKey(former)) {
                        long end = former.equals(killed) ? gone.get(former) : lastEventOf.getOrDefault(former, e.getTimeMs());
                        busy.computeIfAbsent(former, k -> new ArrayList<>()).add(new long[] {busySince.remove(former), end});
                        if (former.equals(killed)) {
                            System.out.printf("%s: taken up again %.1f s after its trainer %s was killed%n", stage,
                                    (e.getTimeMs() - gone.get(former)) / 1e3, former);
                        }
                        waitingSince.put(stage, Math.min(e.getTimeMs(), former.equals(killed) ? gone.get(former) + LOCK_MS : end));
                    }
                    Long since = waitingSince.remove(stage);
                    if (since != null) {
                        waits.add(new long[] {since, e.getTimeMs()});
                    }
                    busySince.put(src, e.getTimeMs());
                } else if ((e.hasCompleted() || e.hasFailed()) && busySince.containsKey(src)) {
                    busy.computeIfAbsent(src, k -> new ArrayList<>()).add(new long[] {busySince.remove(src), e.getTimeMs()});
                }
            }
        }
        java.util.Set<String> trainers = new java.util.TreeSet<>(busy.keySet());
        trainers.addAll(busySince.keySet());
        trainers.addAll(joined.keySet());
        long longest = 0;
        for (long[] w : waits) {
            long idle = 0;
            for (long t = w[0]; t < w[1]; t += 250) {
                for (String trainer : trainers) {
                    long up = joined.getOrDefault(trainer, t0);
                    long down = gone.getOrDefault(trainer, Long.MAX_VALUE);
                    final long now = t;
                    boolean isBusy = busy.getOrDefault(trainer, List.of()).stream().anyMatch(iv -> iv[0] <= now && now <= iv[1])
                            || busySince.containsKey(trainer) && busySince.get(trainer) <= now;
                    if (now >= up && now < down && !isBusy) {
                        idle += 250;
                        break;
                    }
                }
            }
            longest = Math.max(longest, idle);
            System.out.printf("a training stage waited %.1f s; a trainer was idle meanwhile for %.1f s%n",
                    (w[1] - w[0]) / 1e3, idle / 1e3);
        }
        assertTrue(longest <= IDLE_SLACK_S * 1000L, "a trainer idled " + longest / 1e3 + " s while a stage waited");
    }
}
