package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.Exposition;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.ShardJob;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A recipe through all four services on the real broker and S3 server: data set, training, CAM
 * generation by two augment workers, training on original + generated images, evaluations, ending
 * in reports; and duplicate job deliveries change nothing.
 */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesRunTest {
    private final ServicesFixture system;

    ServicesRunTest(ServicesFixture system) {
        this.system = system;
    }

    @Test
    void aRecipeRunsThroughAllFourServicesToItsReports() throws Exception {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(system.channel())
                .check(HealthCheckRequest.newBuilder().setService("lttricks.v1.RunService").build()).getStatus());
        ServicesFixture.Finished run = system.pipeline();
        assertEquals(run.runId(), system.submit(ServicesFixture.PIPELINE, "it-1").getRunId(), "same request id, same run");

        ObjectStore store = system.store();
        RunResults results = system.runs().results(GetRunRequest.newBuilder().setRunId(run.runId()).build());
        assertEquals(List.of("first", "deferred"), results.getStagesList().stream().map(StageResult::getStage).toList());
        for (StageResult s : results.getStagesList()) {
            assertEquals(100, s.getMetrics().getImages());
            for (String key : s.getMetrics().getPlotKeysList()) {
                assertTrue(store.get(key).length > 1000, key);
            }
            assertTrue(new String(store.get(s.getMetrics().getTableKey())).contains("Top-1 error"));
        }

        // Every expected generated image exactly once, made by both augment workers.
        String generated = Keys.generated(Keys.stage(run.runId(), 1, "cam"));
        // The CAM stage's preview (what the dashboard shows), listed by Results and served to a client.
        assertEquals(List.of("cam"), results.getCamStagesList().stream().map(StageResult::getStage).toList());
        assertEquals(List.of(Keys.camPreview(generated)), results.getCamStages(0).getFileKeysList());
        byte[] preview = store.get(Keys.camPreview(generated));
        java.awt.image.BufferedImage grid = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(preview));
        assertTrue(grid.getWidth() > 4 * 32 * 3 && grid.getHeight() > 4 * 32 * 3,
                "rows of four enlarged tiles, two for each class generated for: " + grid.getWidth() + "x" + grid.getHeight());
        java.io.ByteArrayOutputStream served = new java.io.ByteArrayOutputStream();
        system.runs().getResultFile(io.lttricks.proto.v1.GetResultFileRequest.newBuilder().setRunId(run.runId())
                .setKey(Keys.camPreview(generated)).build()).forEachRemaining(c -> served.writeBytes(c.getData().toByteArray()));
        assertTrue(java.util.Arrays.equals(preview, served.toByteArray()));
        JsonNode manifest = new ObjectMapper().readTree(store.get(Keys.generatedManifest(generated)));
        int expected = 0;
        for (JsonNode n : manifest.get("perClass")) {
            expected += n.asInt();
        }
        Set<Long> indices = new HashSet<>();
        for (JsonNode e : manifest.get("images")) {
            assertTrue(indices.add(e.get("index").asLong()), "image " + e.get("index") + " twice");
        }
        assertEquals(expected, indices.size());
        assertEquals(expected - 1, indices.stream().mapToLong(Long::longValue).max().orElseThrow());
        String best = Keys.bestCheckpoint(Keys.stage(run.runId(), 0, "first"));
        assertEquals(best, manifest.get("checkpoint").asText(), "the maps come from the first stage's best test epoch");
        assertTrue(store.exists(best));
        assertTrue(run.events().stream().anyMatch(e -> e.hasCheckpoint() && e.getCheckpoint().getBest()
                && e.getCheckpoint().getKey().equals(best)), "the trainer said it kept them");
        assertEquals(16, store.list(Keys.shards(generated)).size());
        Set<String> workers = new HashSet<>();
        for (RunEvent e : run.events()) {
            if (e.hasShard()) {
                workers.add(e.getShard().getWorker());
            }
        }
        assertEquals(2, workers.size(), "both augment workers took shards: " + workers);
        assertTrue(run.events().stream().anyMatch(e -> e.hasProgress() && e.getProgress().getEpochEnd()));
        assertEquals(3, run.events().stream().filter(RunEvent::hasQueued).count(), "each stage queued once");
    }

    /**
     * Prometheus' view of the same run, scraped over HTTP while it ran: the first stage's epoch gauge
     * rises through its 2 epochs with a loss beside it; afterwards the calls, jobs, consumers, CAM
     * images and memory of the four services are on the one endpoint of lt up, every series the
     * Grafana dashboard queries among them.
     */
    @Test
    void theMetricsEndpointFollowsTheRun() throws Exception {
        ServicesFixture.Finished run = system.pipeline();
        Map<String, String> first = Map.of("run", run.runId(), "stage", "first");
        List<Double> epochs = new ArrayList<>();
        boolean loss = false;
        for (String scrape : run.trainingScrapes()) {
            Exposition.value(scrape, "lt_train_epoch", first).ifPresent(epochs::add);
            loss |= Exposition.value(scrape, "lt_train_loss", first).stream().anyMatch(v -> v > 0 && v < 100);
        }
        assertTrue(epochs.contains(1.0) && epochs.contains(2.0), "epochs seen in " + run.trainingScrapes().size()
                + " scrapes: " + epochs);
        for (int i = 1; i < epochs.size(); i++) {
            assertTrue(epochs.get(i) >= epochs.get(i - 1), "the epoch gauge never goes back: " + epochs);
        }
        assertTrue(loss, "a training loss beside the epoch");

        String text = run.finalScrape();
        Map<String, String> deferred = Map.of("run", run.runId(), "stage", "deferred");
        assertEquals(1.0, value(text, "lt_train_epoch", deferred), "the last stage's gauges stay after it");
        assertEquals(1.0, value(text, "lt_train_epochs", deferred));
        assertTrue(value(text, "lt_train_images_per_second", deferred) > 0);
        assertTrue(value(text, "lt_train_learning_rate", deferred) > 0);
        assertTrue(Exposition.value(text, "lt_train_epoch", first).isEmpty(), "a new stage replaces the last one's gauges");
        assertTrue(value(text, "lt_jobs_seconds_count", Map.of("topic", Topics.TRAIN_JOBS, "outcome", "done")) >= 2);
        assertTrue(value(text, "lt_jobs_seconds_count", Map.of("topic", Topics.SHARD_JOBS, "outcome", "done")) >= 16);
        assertTrue(value(text, "lt_grpc_server_calls_seconds_count",
                Map.of("service", "lttricks.v1.RunService", "method", "Submit", "code", "OK")) >= 1);
        assertTrue(value(text, "lt_cam_images_generated_total", Map.of("method", "cam")) > 0);
        assertTrue(value(text, "process_resident_memory_bytes", Map.of()) > 0);
        for (String group : List.of(Topics.GROUP_AUGMENT_PLANNER, Topics.GROUP_COORDINATOR)) {
            assertTrue(Exposition.value(text, "kafka_consumer_fetch_manager_records_lag_max", Map.of("group", group))
                    .isPresent(), "consumer lag of " + group);
        }
        // The trainers share their stages in a share group (no consumer lag): the stages queued and
        // running are counted from the run state instead, and nothing waits once the run is over.
        assertEquals(0.0, value(text, "lt_stages", Map.of("type", "train", "state", "queued")));
        assertEquals(0.0, value(text, "lt_stages", Map.of("type", "train", "state", "running")));
        // The Grafana dashboard asks only for series the services serve.
        Matcher m = Pattern.compile("\\b((?:lt|process|jvm|kafka)_[a-z_]+)\\b").matcher(Files.readString(dashboard()));
        Set<String> names = new java.util.TreeSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        assertTrue(names.size() > 10, names.toString());
        for (String name : names) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")),
                    "the dashboard's " + name + " is not served");
        }
    }

    /** deploy/grafana's dashboard, found from the module's directory up. */
    private static Path dashboard() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("deploy/grafana/lttricks-services.json");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new AssertionError("no deploy/grafana/lttricks-services.json above " + Path.of("").toAbsolutePath());
    }

    private static double value(String text, String name, Map<String, String> labels) {
        OptionalDouble v = Exposition.value(text, name, labels);
        assertTrue(v.isPresent(), "no " + name + labels + " in\n" + text);
        return v.getAsDouble();
    }

    @Test
    void aShardJobAndATrainingJobDeliveredAgainChangeNothing() throws Exception {
        ServicesFixture.Finished run = system.pipeline();
        ObjectStore store = system.store();
        String generated = Keys.generated(Keys.stage(run.runId(), 1, "cam"));
        byte[] shardBefore = store.get(Keys.shard(generated, 0, 16));
        byte[] manifestBefore = store.get(Keys.generatedManifest(generated));
        byte[] finalBefore = store.get(Keys.finalCheckpoint(Keys.stage(run.runId(), 0, "first")));
        long since = System.currentTimeMillis();

        // The jobs as a redelivery of a live run would bring them (the run id of a run the workers do not know
        // as ended: those of ended runs are committed without running, ReplayAfterIdleTest), same outputs.
        String again = run.runId() + "-again";
        system.redeliver(Topics.SHARD_JOBS, ShardJob.parser(),
                j -> j.getStage().getRunId().equals(run.runId()) && j.getShard() == 0,
                j -> j.toBuilder().setStage(j.getStage().toBuilder().setRunId(again)).build());
        system.redeliver(Topics.TRAIN_JOBS, TrainJob.parser(), j -> j.getRunId().equals(run.runId()) && j.getStageIndex() == 0,
                j -> j.toBuilder().setRunId(again).build());
        // Each redelivered job ends by announcing its stage complete again (the shard after rewriting the manifest).
        system.awaitEvents(again, e -> e.hasCompleted() && e.getTimeMs() >= since && e.getStage().equals("cam"), 1,
                Duration.ofMinutes(2));
        system.awaitEvents(again, e -> e.hasCompleted() && e.getTimeMs() >= since && e.getStage().equals("first"), 1,
                Duration.ofMinutes(2));

        assertArrayEquals(shardBefore, store.get(Keys.shard(generated, 0, 16)));
        assertArrayEquals(manifestBefore, store.get(Keys.generatedManifest(generated)));
        assertArrayEquals(finalBefore, store.get(Keys.finalCheckpoint(Keys.stage(run.runId(), 0, "first"))));
        assertEquals(RunPhase.RUN_SUCCEEDED, system.runs().get(GetRunRequest.newBuilder().setRunId(run.runId()).build())
                .getPhase());
        assertEquals(3, system.watch(run.runId()).stream().filter(RunEvent::hasQueued).count(), "no stage was dispatched again");
    }
}
