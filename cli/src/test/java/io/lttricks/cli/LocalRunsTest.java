package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.lttricks.dashboard.DashboardServer;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lt dashboard's RunService over run directories: a run lt train finished reads as the services
 * would answer for it (phase, stages, the report's figures, its files), a run that stopped says
 * how to resume it, a run that trains streams an event per epoch, and the dashboard serves them.
 */
class LocalRunsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Path finished;
    static Server server;
    static ManagedChannel channel;

    @BeforeAll
    static void trainAndServe() throws Exception {
        finished = LtTest.trainedRun(dir, new Random(7));
        String name = "local-runs-test";
        server = InProcessServerBuilder.forName(name).addService(new LocalRuns(List.of(dir))).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow();
    }

    static RunServiceGrpc.RunServiceBlockingStub runs() {
        return RunServiceGrpc.newBlockingStub(channel);
    }

    @Test
    void aFinishedRunReadsAsTheServicesWouldAnswerForIt() throws Exception {
        List<RunStatus> all = runs().list(ListRunsRequest.getDefaultInstance()).getRunsList();
        RunStatus run = all.stream().filter(r -> r.getRunId().equals("run")).findFirst().orElseThrow();
        assertEquals(RunPhase.RUN_SUCCEEDED, run.getPhase());
        assertEquals(1, run.getStagesCount());
        assertEquals(StagePhase.STAGE_SUCCEEDED, run.getStages(0).getPhase());
        assertEquals(1, run.getStages(0).getDone());
        assertEquals(1, run.getStages(0).getTotal());
        assertTrue(run.getRecipe().getStagesCount() > 0, "the recipe, as the API's message");

        RunResults results = runs().results(GetRunRequest.newBuilder().setRunId("run").build());
        StageResult stage = results.getStages(0);
        Path reportFile = finished.resolve(stage.getMetrics().getReportKey());
        JsonNode report = JSON.readTree(reportFile.toFile());
        assertEquals(report.get("top1Error").asDouble(), stage.getMetrics().getTop1Error(), 1e-12);
        assertEquals(report.get("perClassAccuracy").size(), stage.getMetrics().getPerClassAccuracyCount());
        assertTrue(stage.getFileKeysList().contains(stage.getMetrics().getReportKey()));
        assertTrue(stage.getFileKeysList().stream().anyMatch(k -> k.endsWith("history.jsonl")), stage.getFileKeysList().toString());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        runs().getResultFile(GetResultFileRequest.newBuilder().setRunId("run").setKey(stage.getMetrics().getReportKey())
                .build()).forEachRemaining(c -> bytes.writeBytes(c.getData().toByteArray()));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(reportFile), bytes.toByteArray()));
        StatusRuntimeException outside = assertThrows(StatusRuntimeException.class, () -> runs().getResultFile(
                GetResultFileRequest.newBuilder().setRunId("run").setKey("../data/cifar-10-batches-bin/test_batch.bin").build())
                .hasNext());
        assertEquals(Status.Code.INVALID_ARGUMENT, outside.getStatus().getCode(), "only the run's result files");
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> runs().get(GetRunRequest.newBuilder().setRunId("nothing").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    @Test
    void aStoppedRunSaysHowToResumeAndARunningOneStreamsItsEpochs() throws Exception {
        // A copy of the run without its end, quiet for longer than a running run is: stopped.
        Path stopped = dir.resolve("stopped");
        copy(finished, stopped);
        Files.delete(stopped.resolve("report.json"));
        Path stage = Files.list(stopped).filter(p -> p.getFileName().toString().startsWith("01-")).findFirst().orElseThrow();
        Files.delete(stage.resolve("final.ckpt"));
        Files.delete(stage.resolve("report.json"));
        age(stopped, LocalRuns.QUIET_MS + 60_000);
        RunStatus s = runs().get(GetRunRequest.newBuilder().setRunId("stopped").build());
        assertEquals(RunPhase.RUN_CANCELLED, s.getPhase());
        assertTrue(s.getMessage().contains("lt train --resume --out"), s.getMessage());
        assertEquals(StagePhase.STAGE_CANCELLED, s.getStages(0).getPhase());

        // Touched now: running; an epoch appended while watching arrives as an event.
        Path live = dir.resolve("live");
        copy(stopped, live);
        Path history = Files.list(live).filter(p -> p.getFileName().toString().startsWith("01-")).findFirst()
                .orElseThrow().resolve("history.jsonl");
        Files.writeString(history, "");
        assertEquals(RunPhase.RUN_RUNNING, runs().get(GetRunRequest.newBuilder().setRunId("live").build()).getPhase());
        Iterator<RunEvent> events = runs().withDeadlineAfter(60, TimeUnit.SECONDS)
                .watch(WatchRunRequest.newBuilder().setRunId("live").build());
        Files.writeString(history, "{\"stage\":\"train\",\"epoch\":1,\"epochs\":1,\"loss\":1.5,\"accuracy\":0.25,"
                + "\"lr\":0.1,\"imagesPerSecond\":100,\"seconds\":1}\n");
        RunEvent first = events.next();
        assertEquals(1, first.getProgress().getEpoch());
        assertEquals(0.25, first.getProgress().getAccuracy(), 1e-12);
        age(live, LocalRuns.QUIET_MS + 60_000);
        List<RunEvent> rest = new ArrayList<>();
        events.forEachRemaining(rest::add);
        assertTrue(rest.get(rest.size() - 1).hasFinished(), "the stream ends once the run has stopped: " + rest);
    }

    @Test
    void theDashboardServesTheRunDirectories() throws Exception {
        try (DashboardServer d = DashboardServer.start(GrpcSecurity.LOOPBACK, 0, channel)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(d.url() + "api/runs")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, list.statusCode());
            assertTrue(list.body().contains("\"runId\":\"run\""), list.body());
            HttpResponse<String> submit = http.send(HttpRequest.newBuilder(URI.create(d.url() + "api/runs/run")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertFalse(JSON.readTree(submit.body()).get("stages").isEmpty());
        }
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /** Makes every file under {@code run} look last changed {@code ms} ago. */
    private static void age(Path run, long ms) throws Exception {
        FileTime then = FileTime.fromMillis(System.currentTimeMillis() - ms);
        try (var walk = Files.walk(run)) {
            for (Path p : walk.toList()) {
                Files.setLastModifiedTime(p, then);
            }
        }
    }
}
