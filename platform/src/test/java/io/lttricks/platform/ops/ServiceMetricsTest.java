package io.lttricks.platform.ops;

import io.lttricks.platform.grpc.GrpcServerSecurityTest;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.bus.JobAttempts;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.bus.Topics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.testing.Exposition;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.WatchRunRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the services' meters say, read as Prometheus reads them (a scrape of {@code /metrics} over
 * HTTP): gRPC calls by service, method and status code, jobs by topic and outcome with their
 * retries, the process's memory, and the port setting.
 */
class ServiceMetricsTest {
    static final String TOKEN = "metrics-test-token-0123456789";

    /**
     * Get answers; Submit fails as a bad recipe does (an exception the status interceptor turns
     * into INVALID_ARGUMENT); Watch never ends, until its client gives up.
     */
    static final class BadRecipes extends GrpcServerSecurityTest.Runs {
        @Override
        public void submit(SubmitRunRequest request, StreamObserver<RunStatus> response) {
            throw new IllegalArgumentException("recipe.stages: at least one stage");
        }

        @Override
        public void watch(WatchRunRequest request, StreamObserver<RunEvent> response) {
        }
    }

    static double value(String text, String name, Map<String, String> labels) {
        OptionalDouble v = Exposition.value(text, name, labels);
        assertTrue(v.isPresent(), "no " + name + labels + " in\n" + text);
        return v.getAsDouble();
    }

    @Test
    void grpcCallsAreCountedByServiceMethodAndStatusCode() throws Exception {
        GrpcSecurity security = new GrpcSecurity("127.0.0.1", null, null, null,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (ServiceMetrics metrics = ServiceMetrics.inMemory();
             GrpcServer grpc = new GrpcServer(security, 0, List.of(new BadRecipes()), metrics.registry())) {
            int port = metrics.serve("127.0.0.1", 0);
            ChannelCredentials plain = InsecureChannelCredentials.create();
            assertEquals(Status.Code.OK, GrpcServerSecurityTest.get(GrpcServerSecurityTest.channel(grpc.port(), plain, TOKEN)));
            assertEquals(Status.Code.OK, GrpcServerSecurityTest.get(GrpcServerSecurityTest.channel(grpc.port(), plain, TOKEN)));
            assertEquals(Status.Code.INVALID_ARGUMENT,
                    GrpcServerSecurityTest.submit(GrpcServerSecurityTest.channel(grpc.port(), plain, TOKEN)));
            assertEquals(Status.Code.UNAUTHENTICATED,
                    GrpcServerSecurityTest.get(GrpcServerSecurityTest.channel(grpc.port(), plain, null)));
            ManagedChannel watcher = GrpcServerSecurityTest.channel(grpc.port(), plain, TOKEN);
            try {
                StatusRuntimeException gaveUp = assertThrows(StatusRuntimeException.class, () -> RunServiceGrpc
                        .newBlockingStub(watcher).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                        .watch(WatchRunRequest.newBuilder().setRunId("r1").build()).hasNext());
                assertEquals(Status.Code.DEADLINE_EXCEEDED, gaveUp.getStatus().getCode());
            } finally {
                watcher.shutdownNow();
            }
            Map<String, String> watch = Map.of("service", "lttricks.v1.RunService", "method", "Watch", "code", "CANCELLED");
            for (long until = System.currentTimeMillis() + 5000; System.currentTimeMillis() < until
                    && Exposition.value(metrics.scrape(), "lt_grpc_server_calls_seconds_count", watch).isEmpty(); ) {
                Thread.sleep(50);   // the server hears of the cancellation after the client
            }
            String text = Exposition.scrape("http://127.0.0.1:" + port + ServiceMetrics.PATH);
            String calls = "lt_grpc_server_calls_seconds_count";
            Map<String, String> get = Map.of("service", "lttricks.v1.RunService", "method", "Get");
            assertEquals(2, value(text, calls, with(get, "code", "OK")));
            assertEquals(1, value(text, calls, with(get, "code", "UNAUTHENTICATED")), "refused before the method ran");
            assertEquals(1, value(text, calls, Map.of("service", "lttricks.v1.RunService", "method", "Submit",
                    "code", "INVALID_ARGUMENT")), "the code the status interceptor gave");
            assertEquals(1, value(text, calls, watch), "a call its client gave up on");
            assertTrue(value(text, "lt_grpc_server_calls_seconds_sum", with(get, "code", "OK")) > 0, "latency recorded");
            assertTrue(Exposition.value(text, "lt_grpc_server_calls_seconds_bucket", with(with(get, "code", "OK"), "le",
                    "0.1")).isPresent(), "latency histogram buckets");
        }
    }

    @Test
    void jobsAreCountedByTopicAndOutcomeWithTheirRetries() throws Exception {
        InMemoryEventBus bus = new InMemoryEventBus();
        ServiceMetrics metrics = ServiceMetrics.inMemory();
        // Each job publishes its event; the bus fails as an unreachable broker when told to.
        JobWorker.Handler<String> handler = (key, job) -> {
            if (job.equals("broken")) {
                throw new IllegalStateException("a bug");
            }
            try {
                bus.publish(Topics.EVENTS, key, RunEvent.newBuilder().setRunId(key).build());
            } catch (RuntimeException e) {
                JobWorker.Retry.throwIfTransient(e);
                throw e;
            }
        };
        JobAttempts<String> attempts = new JobAttempts<>(handler, (key, job, last) -> { },
                new JobAttempts.RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1)), d -> { })
                .observedBy(new JobMetrics(metrics.registry(), Topics.TRAIN_JOBS));
        assertEquals(JobAttempts.Outcome.DONE, attempts.run("r1", "job").outcome());
        bus.failNext(1, Topics.EVENTS);
        assertEquals(JobAttempts.Outcome.DONE, attempts.run("r2", "job").outcome(), "done at the second attempt");
        bus.failNext(3, Topics.EVENTS);
        assertEquals(JobAttempts.Outcome.GAVE_UP, attempts.run("r3", "job").outcome());
        assertEquals(JobAttempts.Outcome.FAILED, attempts.run("r4", "broken").outcome());

        String text = metrics.scrape();
        Map<String, String> topic = Map.of("topic", Topics.TRAIN_JOBS);
        assertEquals(2, value(text, "lt_jobs_seconds_count", with(topic, "outcome", "done")));
        assertEquals(1, value(text, "lt_jobs_seconds_count", with(topic, "outcome", "gave_up")));
        assertEquals(1, value(text, "lt_jobs_seconds_count", with(topic, "outcome", "failed")));
        assertEquals(0, value(text, "lt_jobs_seconds_count", with(topic, "outcome", "unreported")), "present from the start");
        assertEquals(1 + 2, value(text, "lt_job_retries_total", topic), "r2 tried again once, r3 twice before giving up");
        assertEquals(2, bus.events().size(), "r1 and r2 published");
    }

    @Test
    void theEndpointServesTheProcessMetricsAndNothingElse() throws Exception {
        try (ServiceMetrics metrics = ServiceMetrics.start()) {
            int port = metrics.serve("127.0.0.1", 0);
            String text = Exposition.scrape("http://127.0.0.1:" + port + "/metrics");
            assertTrue(value(text, "process_resident_memory_bytes", Map.of()) > 1 << 20, "VmRSS, in bytes");
            assertTrue(value(text, "jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
            assertTrue(Exposition.value(text, "jvm_threads_live_threads", Map.of()).isPresent());
            assertTrue(Exposition.value(text, "system_cpu_count", Map.of()).isPresent());
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/other")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode());
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> metrics.serve("127.0.0.1", 0));
            assertTrue(twice.getMessage().contains(String.valueOf(port)));
        }
    }

    @Test
    void thePortIsASettingWithADefaultPerServiceAndZeroForNone() {
        assertEquals(Config.TRAINER_METRICS_PORT, Config.from(Map.of(), Config.TRAINER_PORT, Config.TRAINER_METRICS_PORT)
                .metricsPort());
        assertEquals(9999, Config.from(Map.of(Config.METRICS_PORT, "9999"), 0, Config.TRAINER_METRICS_PORT).metricsPort());
        assertEquals(0, Config.from(Map.of(), 0).metricsPort(), "tests and lt up: no endpoint of the configuration's");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Config.from(Map.of(Config.METRICS_PORT, "70000"), 0));
        assertTrue(bad.getMessage().contains(Config.METRICS_PORT), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Config.from(Map.of(Config.METRICS_PORT, "50053"),
                Config.TRAINER_PORT, Config.TRAINER_METRICS_PORT), "the gRPC port taken twice");
    }

    private static Map<String, String> with(Map<String, String> m, String key, String value) {
        Map<String, String> out = new java.util.HashMap<>(m);
        out.put(key, value);
        return out;
    }
}
