package io.lttricks.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.StageStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What the autoscalers read: the stages of live runs queued or running, by kind, and the workers they want. */
class StageQueueTest {
    static StageStatus stage(String type, StagePhase phase) {
        return StageStatus.newBuilder().setName(type + phase.getNumber()).setType(type).setPhase(phase).build();
    }

    @Test
    void countsTheStagesOfLiveRunsOnlyAndServesThemAsJson() throws Exception {
        InMemoryRunStateStore runs = new InMemoryRunStateStore();
        // a: its first stage trained and evaluated, 8 shards of its CAM stage, 3 stored; its second
        // stage trained and waiting for its evaluation
        runs.put(RunStatus.newBuilder().setRunId("a").setPhase(RunPhase.RUN_RUNNING)
                .addStages(stage("train", StagePhase.STAGE_SUCCEEDED).toBuilder()
                        .setMetrics(io.lttricks.proto.v1.Metrics.newBuilder().setTop1Error(0.3)))
                .addStages(stage("cam", StagePhase.STAGE_RUNNING).toBuilder().setTotal(8).setDone(3))
                .addStages(stage("train", StagePhase.STAGE_PENDING)).build());
        runs.put(RunStatus.newBuilder().setRunId("f").setPhase(RunPhase.RUN_RUNNING)
                .addStages(stage("train", StagePhase.STAGE_SUCCEEDED)).addStages(stage("cam", StagePhase.STAGE_QUEUED))
                .build());
        runs.put(RunStatus.newBuilder().setRunId("b").setPhase(RunPhase.RUN_RUNNING)
                .addStages(stage("train", StagePhase.STAGE_RUNNING)).build());
        runs.put(RunStatus.newBuilder().setRunId("c").setPhase(RunPhase.RUN_RUNNING)
                .addStages(stage("train", StagePhase.STAGE_QUEUED)).build());
        runs.put(RunStatus.newBuilder().setRunId("d").setPhase(RunPhase.RUN_QUEUED)
                .addStages(stage("", StagePhase.STAGE_QUEUED)).build());
        // An ended run whose last status still says running (a failure elsewhere) wants no trainer.
        runs.put(RunStatus.newBuilder().setRunId("e").setPhase(RunPhase.RUN_FAILED)
                .addStages(stage("train", StagePhase.STAGE_RUNNING)).build());
        StageQueue q = new StageQueue(runs);
        assertEquals(2, q.count("train", StagePhase.STAGE_QUEUED), "c, and d's stage of no stated type (train)");
        assertEquals(1, q.count("train", StagePhase.STAGE_RUNNING));
        assertEquals(1, q.count("cam", StagePhase.STAGE_RUNNING));

        try (ServiceMetrics metrics = ServiceMetrics.inMemory()) {
            q.publishOn(metrics);
            int port = metrics.serve("127.0.0.1", 0);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + StageQueue.PATH)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
            com.fasterxml.jackson.databind.JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            assertEquals(3, doc.path("train").path("wanted").asInt(), r.body());
            assertEquals(2, doc.path("train").path("queued").asInt(), r.body());
            assertEquals(1, doc.path("cam").path("running").asInt(), r.body());
            assertEquals(5 + 1, doc.path("augment").path("wanted").asInt(), "a's 5 shards not stored, f's stage to plan: "
                    + r.body());
            assertEquals(1, doc.path("eval").path("wanted").asInt(), "f's first stage, not a's evaluated one: " + r.body());
            String scrape = metrics.scrape();
            assertTrue(scrape.contains("lt_stages{state=\"queued\",type=\"train\"} 2.0"), scrape);
            assertTrue(scrape.contains("lt_workers_wanted{service=\"augment\"} 6.0"), scrape);
            assertTrue(scrape.contains("lt_workers_wanted{service=\"trainer\"} 3.0"), scrape);
            assertEquals(404, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/other")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
    }
}
