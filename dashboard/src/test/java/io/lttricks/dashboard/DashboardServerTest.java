package io.lttricks.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.testing.TestCertificates;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.ListRunsResponse;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.TrainProgress;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's HTTP side against a run service behind the real gRPC interceptors (tokens,
 * roles): pages, the JSON API, files, the event stream, sign-in, TLS, and refusals.
 */
class DashboardServerTest {
    static final String TOKEN = "all-token-0123456789abcdef";
    static final String READ_TOKEN = "read-token-0123456789abcdef";
    static final String KEY = "runs/r-1/01-train/report/report.json";
    /** Larger than one chunk of the fake service, so that the file arrives in pieces. */
    static final byte[] REPORT = ("{\"top1Error\":0.2960,\"pad\":\"" + "x".repeat(3000) + "\"}").getBytes(StandardCharsets.UTF_8);
    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCertificates.Ca ca;
    static Path[] serverFiles;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.ca("dashboard test CA");
        serverFiles = ca.server("sampler", "localhost", "127.0.0.1").write(dir, "server");
    }

    /** Two runs; files and events of r-1; watches counted, so a test can see one was cancelled. */
    static final class Runs extends RunServiceGrpc.RunServiceImplBase {
        final AtomicInteger watchesOpen = new AtomicInteger();

        static RunStatus run(String id, RunPhase phase) {
            return RunStatus.newBuilder().setRunId(id).setName("it " + id).setPhase(phase).setSubmittedMs(1765151234567L).build();
        }

        @Override
        public void list(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
            response.onNext(ListRunsResponse.newBuilder().addRuns(run("r-2", RunPhase.RUN_RUNNING))
                    .addRuns(run("r-1", RunPhase.RUN_SUCCEEDED)).build());
            response.onCompleted();
        }

        @Override
        public void results(GetRunRequest request, StreamObserver<RunResults> response) {
            if (!request.getRunId().equals("r-1")) {
                response.onError(Status.NOT_FOUND.withDescription("no run " + request.getRunId()).asRuntimeException());
                return;
            }
            response.onNext(RunResults.newBuilder().setRun(run("r-1", RunPhase.RUN_SUCCEEDED))
                    .addStages(StageResult.newBuilder().setStage("train")
                            .setMetrics(Metrics.newBuilder().setTop1Error(0.296).setManyShot(0.72).setReportKey(KEY))
                            .addFileKeys(KEY))
                    .build());
            response.onCompleted();
        }

        @Override
        public void getResultFile(GetResultFileRequest request, StreamObserver<FileChunk> response) {
            if (!request.getKey().equals(KEY)) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("key: not one of the run's files").asRuntimeException());
                return;
            }
            for (int at = 0; at < REPORT.length; at += 1000) {
                response.onNext(FileChunk.newBuilder().setData(ByteString.copyFrom(REPORT, at,
                        Math.min(1000, REPORT.length - at))).build());
            }
            response.onCompleted();
        }

        @Override
        public void watch(WatchRunRequest request, StreamObserver<RunEvent> response) {
            if (request.getRunId().equals("r-2")) {
                // A run that goes on: one event, then nothing until the browser leaves.
                var call = (io.grpc.stub.ServerCallStreamObserver<RunEvent>) response;
                watchesOpen.incrementAndGet();
                call.setOnCancelHandler(watchesOpen::decrementAndGet);
                response.onNext(progress("r-2", 1));
                return;
            }
            for (int e = 1; e <= 3; e++) {
                response.onNext(progress("r-1", e));
            }
            response.onCompleted();
        }

        static RunEvent progress(String run, int epoch) {
            return RunEvent.newBuilder().setRunId(run).setStage("train").setTimeMs(1765151234567L + epoch)
                    .setProgress(TrainProgress.newBuilder().setEpoch(epoch).setEpochs(30).setEpochEnd(true)).build();
        }
    }

    /** The run service with {@code security}'s interceptors and a dashboard on it. */
    record Served(GrpcServer grpc, DashboardServer dashboard, Runs runs) implements AutoCloseable {
        static Served start(GrpcSecurity security) throws IOException {
            Runs runs = new Runs();
            GrpcServer grpc = new GrpcServer(security, 0, List.of(runs));
            return new Served(grpc, DashboardServer.start(security, 0, grpc.inProcessChannel(), 1), runs);
        }

        @Override
        public void close() {
            dashboard.close();
            grpc.close();
        }
    }

    static final GrpcSecurity OPEN = GrpcSecurity.LOOPBACK;

    static GrpcSecurity withTokens() {
        return new GrpcSecurity("127.0.0.1", null, null, null, List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL),
                GrpcSecurity.Token.of(READ_TOKEN, GrpcSecurity.Role.READ)), false);
    }

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(DashboardServer d, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.url() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(DashboardServer d, String path, String type, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(d.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", type);
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return MAPPER.readTree(r.body());
    }

    @Test
    void servesThePageAndTheRunsOfTheRunService() throws Exception {
        try (Served s = Served.start(OPEN)) {
            HttpResponse<String> page = get(s.dashboard(), "");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.body().contains("app.js"), "the page loads its script");
            String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.contains("script-src 'self'"), csp);
            assertEquals(200, get(s.dashboard(), "app.js").statusCode());
            assertEquals(200, get(s.dashboard(), "app.css").statusCode());
            HttpResponse<String> none = get(s.dashboard(), "secrets.txt");
            assertEquals(404, none.statusCode());
            assertTrue(json(none).get("error").asText().contains("the dashboard is at /"));

            JsonNode session = json(get(s.dashboard(), "api/session"));
            assertFalse(session.get("needsToken").asBoolean());
            assertTrue(session.get("authenticated").asBoolean());

            JsonNode runs = json(get(s.dashboard(), "api/runs"));
            assertEquals(2, runs.get("runs").size());
            assertEquals("r-2", runs.get("runs").get(0).get("runId").asText());
            assertEquals("RUN_RUNNING", runs.get("runs").get(0).get("phase").asText());
            assertEquals("1765151234567", runs.get("runs").get(0).get("submittedMs").asText(), "int64 as a string");
            assertTrue(runs.get("runs").get(0).has("message"), "fields without presence are always printed");

            JsonNode results = json(get(s.dashboard(), "api/runs/r-1"));
            assertEquals(0.296, results.get("stages").get(0).get("metrics").get("top1Error").asDouble(), 1e-12);
            assertEquals(KEY, results.get("stages").get(0).get("fileKeys").get(0).asText());
            HttpResponse<String> missing = get(s.dashboard(), "api/runs/r-9");
            assertEquals(404, missing.statusCode());
            assertEquals("no run r-9", json(missing).get("error").asText());
            assertEquals(405, post(s.dashboard(), "api/runs", "application/json", "{}").statusCode());
            assertEquals(404, get(s.dashboard(), "api/nothing").statusCode());
        }
    }

    @Test
    void filesArriveWholeWithTheirTypeAndRefusalsAreJson() throws Exception {
        try (Served s = Served.start(OPEN)) {
            HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(s.dashboard().url() + "api/runs/r-1/file?key="
                    + java.net.URLEncoder.encode(KEY, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, file.statusCode());
            assertTrue(Arrays.equals(REPORT, file.body()), "the file as stored, from its chunks");
            assertTrue(file.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));

            HttpResponse<String> other = get(s.dashboard(), "api/runs/r-1/file?key=datasets/cifar.tar.gz");
            assertEquals(400, other.statusCode());
            assertTrue(json(other).get("error").asText().contains("not one of the run's files"));
            HttpResponse<String> noKey = get(s.dashboard(), "api/runs/r-1/file");
            assertEquals(400, noKey.statusCode());
            assertTrue(json(noKey).get("error").asText().contains("fileKeys"));
        }
    }

    @Test
    void eventsStreamUntilTheRunEndsAndAClosedPageCancelsTheWatch() throws Exception {
        try (Served s = Served.start(OPEN)) {
            HttpResponse<String> events = get(s.dashboard(), "api/runs/r-1/events");
            assertEquals(200, events.statusCode());
            assertTrue(events.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            String body = events.body();
            assertEquals(3, body.split("event: run\n", -1).length - 1, body);
            assertTrue(body.contains("\"epoch\":3"), body);
            assertTrue(body.endsWith("event: end\ndata: {}\n\n"), body);

            // A running run: read the first event, then leave; the dashboard must cancel its Watch.
            HttpResponse<InputStream> live = HTTP.send(HttpRequest.newBuilder(URI.create(s.dashboard().url()
                    + "api/runs/r-2/events?fromNow=true")).build(), HttpResponse.BodyHandlers.ofInputStream());
            InputStream in = live.body();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("\"epoch\":1")) {
                int c = in.read();
                assertTrue(c >= 0, "the stream ended early: " + seen);
                seen.append((char) c);
            }
            assertEquals(1, s.runs().watchesOpen.get());
            in.close();
            long until = System.currentTimeMillis() + 20_000;
            while (s.runs().watchesOpen.get() > 0 && System.currentTimeMillis() < until) {
                Thread.sleep(100);
            }
            assertEquals(0, s.runs().watchesOpen.get(), "the Watch call is cancelled once the page is gone");
        }
    }

    @Test
    void tokensGateTheApiAndASessionCarriesTheTokenToTheRunService() throws Exception {
        try (Served s = Served.start(withTokens())) {
            DashboardServer d = s.dashboard();
            assertEquals(200, get(d, "").statusCode(), "the page itself is open: it asks for a token");
            JsonNode session = json(get(d, "api/session"));
            assertTrue(session.get("needsToken").asBoolean());
            assertFalse(session.get("authenticated").asBoolean());
            HttpResponse<String> refused = get(d, "api/runs");
            assertEquals(401, refused.statusCode());
            assertTrue(json(refused).get("error").asText().contains("sign in"));

            assertEquals(401, post(d, "api/login", "application/json", "{\"token\":\"wrong\"}").statusCode());
            HttpResponse<String> form = post(d, "api/login", "application/x-www-form-urlencoded", "token=" + READ_TOKEN);
            assertEquals(400, form.statusCode(), "a form from another site cannot sign in");
            assertEquals(400, post(d, "api/login", "application/json", "not json").statusCode());

            HttpResponse<String> login = post(d, "api/login", "application/json", "{\"token\":\"" + READ_TOKEN + "\"}");
            assertEquals(200, login.statusCode());
            String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
            assertFalse(setCookie.contains(READ_TOKEN), "the cookie is a session id, not the token");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));

            assertEquals("read", json(get(d, "api/session", "Cookie", cookie)).get("role").asText());
            assertEquals(2, json(get(d, "api/runs", "Cookie", cookie)).get("runs").size(), "a read token may look");
            assertEquals(200, get(d, "api/runs/r-1/events", "Cookie", cookie).statusCode());
            assertEquals(200, get(d, "api/runs", "Authorization", "Bearer " + TOKEN).statusCode());
            assertEquals(401, get(d, "api/runs", "Authorization", "Bearer nope").statusCode());

            assertEquals(200, post(d, "api/logout", "application/json", "{}", "Cookie", cookie).statusCode());
            assertEquals(401, get(d, "api/runs", "Cookie", cookie).statusCode(), "signed out");
        }
    }

    @Test
    void servesHttpsWithTheGrpcServersCertificate() throws Exception {
        GrpcSecurity tls = new GrpcSecurity("127.0.0.1", serverFiles[0], serverFiles[1], null,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (Served s = Served.start(tls)) {
            assertTrue(s.dashboard().url().startsWith("https://127.0.0.1:"), s.dashboard().url());
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(context).build();
            HttpResponse<String> session = https.send(HttpRequest.newBuilder(URI.create(s.dashboard().url() + "api/session"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(json(session).get("tls").asBoolean());
            HttpResponse<String> login = https.send(HttpRequest.newBuilder(URI.create(s.dashboard().url() + "api/login"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"token\":\"" + TOKEN + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(login.headers().firstValue("Set-Cookie").orElseThrow().contains("Secure"));
            // Plain HTTP to the TLS port gets nothing.
            assertThrows(IOException.class, () -> HTTP.send(HttpRequest.newBuilder(URI.create(
                    s.dashboard().url().replace("https", "http") + "api/session")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void refusesToServeBeyondLoopbackWithoutAuthenticationAndNamesABusyPort() throws Exception {
        GrpcSecurity open = new GrpcSecurity("0.0.0.0", null, null, null, List.of(), false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DashboardServer.start(open, 0,
                io.grpc.inprocess.InProcessChannelBuilder.forName("none").build()));
        assertTrue(e.getMessage().contains(GrpcSecurity.TOKENS), e.getMessage());
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IOException taken = assertThrows(IOException.class, () -> DashboardServer.start(OPEN, busy.getLocalPort(),
                    io.grpc.inprocess.InProcessChannelBuilder.forName("none").build()));
            assertTrue(taken.getMessage().contains(DashboardServer.PORT), taken.getMessage());
        }
        assertEquals(DashboardServer.DEFAULT_PORT, DashboardServer.port(Map.of(), DashboardServer.DEFAULT_PORT));
        assertEquals(0, DashboardServer.port(Map.of(DashboardServer.PORT, "0"), DashboardServer.DEFAULT_PORT));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DashboardServer.port(Map.of(DashboardServer.PORT, "http"), 1));
        assertTrue(bad.getMessage().contains(DashboardServer.PORT));
        assertNotNull(bad.getMessage());
    }
}
