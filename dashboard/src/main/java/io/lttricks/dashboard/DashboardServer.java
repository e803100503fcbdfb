package io.lttricks.dashboard;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard: a page (written here, served from this jar, nothing from the internet) and a
 * JSON API over HTTP that answers from the {@link RunServiceGrpc RunService}, so a browser shows
 * what {@code lt runs}, {@code lt watch} and {@code lt results} show, with charts.
 *
 * <p>Served by the run service's process (the sampler service; {@code lt up}) on its own port
 * ({@value #PORT}, default {@value #DEFAULT_PORT}), on the gRPC server's address and with its
 * transport security: TLS with the same certificate and key (HTTPS; with a client CA, a browser
 * must present a client certificate as a gRPC client must), and the same refusal to listen beyond
 * loopback with nobody authenticated. Where the gRPC API wants bearer tokens, the page asks for one
 * and every call it makes carries it to the RunService, whose own interceptor decides: a read-only
 * token may look (the dashboard only reads); a token that is not accepted gets 401. The token is
 * kept server-side in a session whose cookie is {@code HttpOnly}, {@code SameSite=Strict} and,
 * under TLS, {@code Secure}; API clients may send {@code Authorization: Bearer TOKEN} instead.
 *
 * <p>The API, all JSON in protobuf's JSON mapping (field names in lowerCamelCase, 64-bit integers
 * as strings):
 * <ul>
 *   <li>{@code GET api/session}: whether a token is needed and given, its role, whether TLS is on</li>
 *   <li>{@code POST api/login} ({@code {"token": "..."}}, content type {@code application/json}),
 *       {@code POST api/logout}</li>
 *   <li>{@code GET api/runs}: ListRunsResponse, newest first</li>
 *   <li>{@code GET api/runs/ID}: RunResults (the run, and each evaluated stage's metrics and files)</li>
 *   <li>{@code GET api/runs/ID/file?key=KEY}: one of those files (GetResultFile), as it is stored</li>
 *   <li>{@code GET api/runs/ID/events[?fromNow=true]}: the run's events as server-sent events
 *       ({@code event: run}, data one RunEvent), then {@code event: end} when the run has ended
 *       (its data {@code {}}, or {@code {"error": ...}} when the stream failed)</li>
 * </ul>
 * Errors are {@code {"error": "..."}} with the HTTP status of the gRPC one (404 for NOT_FOUND, 400
 * for INVALID_ARGUMENT, 401, 403, 503 for UNAVAILABLE).
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    /** The environment variable of the port; 0 serves no dashboard. */
    public static final String PORT = "LT_DASHBOARD_PORT";
    public static final int DEFAULT_PORT = 8080;
    static final String COOKIE = "lt_dashboard";
    /** How long a signed-in browser stays signed in. */
    static final long SESSION_MS = TimeUnit.HOURS.toMillis(12);
    /** Event streams open at once; more get 503 (each holds a thread and a Watch call). */
    static final int MAX_EVENT_STREAMS = 32;
    /** A comment line on idle event streams, so that a closed browser is noticed and proxies keep the stream. */
    static final long HEARTBEAT_SECONDS = 15;
    private static final long CALL_SECONDS = 30;
    private static final int MAX_BODY = 4096;
    private static final String WEB = "/io/lttricks/dashboard/web/";
    private static final Map<String, String> ASSETS = Map.of("/", "index.html", "/index.html", "index.html",
            "/app.js", "app.js", "/app.css", "app.css");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final JsonFormat.Printer JSON = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();

    private final GrpcSecurity security;
    private final Channel channel;
    private final HttpServer server;
    private final ExecutorService requests;
    private final ScheduledExecutorService heartbeats;
    private final Semaphore streams = new Semaphore(MAX_EVENT_STREAMS);
    private final Sessions sessions = new Sessions(SESSION_MS);
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final long heartbeatSeconds;

    private DashboardServer(GrpcSecurity security, Channel channel, HttpServer server, long heartbeatSeconds)
            throws IOException {
        this.heartbeatSeconds = heartbeatSeconds;
        this.security = security;
        this.channel = channel;
        this.server = server;
        for (String name : ASSETS.values()) {
            try (InputStream in = DashboardServer.class.getResourceAsStream(WEB + name)) {
                if (in == null) {
                    throw new IOException("the dashboard's " + name + " is missing from the jar (" + WEB + name + ")");
                }
                assets.put(name, in.readAllBytes());
            }
        }
        this.requests = Executors.newCachedThreadPool(daemon("lt-dashboard-http"));
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("lt-dashboard-heartbeat"));
        server.setExecutor(requests);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Serves the dashboard of the RunService reached through {@code runService} (in the run
     * service's process: {@code GrpcServer.inProcessChannel()}), on {@code security}'s address and
     * {@code port} (0: a free one), with its TLS.
     *
     * @throws IOException when the port cannot be had or the TLS files cannot be read, naming the setting
     */
    public static DashboardServer start(GrpcSecurity security, int port, Channel runService) throws IOException {
        return start(security, port, runService, HEARTBEAT_SECONDS);
    }

    /** {@link #start(GrpcSecurity, int, Channel)} with idle event streams written to every {@code heartbeatSeconds} (tests). */
    static DashboardServer start(GrpcSecurity security, int port, Channel runService, long heartbeatSeconds)
            throws IOException {
        security.checkExposure(port);
        InetSocketAddress address = new InetSocketAddress(security.bind(), port);
        HttpServer server;
        try {
            if (security.tls()) {
                HttpsServer https = HttpsServer.create(address, 64);
                SSLContext context = TlsFiles.context(security);
                https.setHttpsConfigurator(new HttpsConfigurator(context) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = context.getDefaultSSLParameters();
                        p.setNeedClientAuth(security.clientCa() != null);
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(address, 64);
            }
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve the dashboard on " + security.bind() + ":" + port + " (" + PORT
                    + "; 0 serves none): " + e.getMessage(), e);
        }
        try {
            return new DashboardServer(security, runService, server, heartbeatSeconds);
        } catch (IOException | RuntimeException e) {
            server.stop(0);
            throw e;
        }
    }

    /** The port of {@value #PORT} in {@code env}: {@code fallback} when unset, 0 for none. */
    public static int port(Map<String, String> env, int fallback) {
        String v = env.get(PORT);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // Said below.
        }
        throw new IllegalArgumentException(PORT + " must be a port number (0: no dashboard), got '" + v + "'");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where a browser on this machine opens it: {@code http(s)://HOST:PORT/}. */
    public String url() {
        String host = security.bind();
        if ("0.0.0.0".equals(host) || "::".equals(host)) {
            host = "localhost";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (security.tls() ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        requests.shutdownNow();
        heartbeats.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            headers(ex);
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            if (!path.startsWith("/api/")) {
                if (path.equals("/favicon.ico")) {
                    // Browsers ask for it unbidden; the page has no icon (a 404 would be a console error).
                    ex.sendResponseHeaders(204, -1);
                    return;
                }
                String asset = ASSETS.get(path);
                if (asset == null) {
                    error(ex, 404, "no page " + path + "; the dashboard is at /");
                } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                    notAllowed(ex, "GET, HEAD");
                } else {
                    send(ex, 200, contentType(asset), assets.get(asset));
                }
                return;
            }
            try {
                api(ex, path.substring("/api/".length()), method);
            } catch (StatusRuntimeException e) {
                error(ex, httpStatus(e.getStatus()), message(e.getStatus()));
            } catch (MethodNotAllowed e) {
                error(ex, 405, e.getMessage());
            } catch (IllegalArgumentException e) {
                error(ex, 400, e.getMessage());
            }
        } catch (IOException | UncheckedIOException e) {
            // The browser went away mid-answer: nothing to tell it.
            LOG.debug("dashboard request ended early: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.error("dashboard request {} failed", ex.getRequestURI().getPath(), e);
        }
    }

    private void api(HttpExchange ex, String path, String method) throws IOException {
        switch (path) {
            case "session" -> {
                requireMethod(ex, method, "GET");
                Caller caller = caller(ex);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("needsToken", needsToken());
                s.put("authenticated", !needsToken() || caller != null);
                s.put("role", caller == null ? (needsToken() ? null : "all") : caller.role());
                s.put("tls", security.tls());
                sendJson(ex, 200, Json.write(s));
            }
            case "login" -> login(ex, method);
            case "logout" -> {
                requireMethod(ex, method, "POST");
                requireJson(ex);
                String id = cookie(ex);
                if (id != null) {
                    sessions.end(id);
                }
                ex.getResponseHeaders().add("Set-Cookie", cookie("", 0));
                sendJson(ex, 200, "{}");
            }
            default -> runs(ex, path, method);
        }
    }

    private void runs(HttpExchange ex, String path, String method) throws IOException {
        if (!path.equals("runs") && !path.startsWith("runs/")) {
            error(ex, 404, "no API api/" + path + " (there are api/session, api/runs, api/runs/ID,"
                    + " api/runs/ID/file?key=KEY, api/runs/ID/events)");
            return;
        }
        requireMethod(ex, method, "GET");
        Caller caller = caller(ex);
        if (needsToken() && caller == null) {
            error(ex, 401, "sign in with an access token (a token of the run service, LT_GRPC_TOKENS)");
            return;
        }
        RunServiceGrpc.RunServiceBlockingStub stub = RunServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(credentials(caller));
        Map<String, String> query = query(ex);
        String[] parts = path.split("/", -1);
        if (parts.length == 1) {
            sendJson(ex, 200, json(stub.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
                    .list(ListRunsRequest.getDefaultInstance())));
            return;
        }
        String runId = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        if (runId.isBlank()) {
            throw new IllegalArgumentException("a run id is missing: api/runs/ID");
        }
        if (parts.length == 2) {
            sendJson(ex, 200, json(stub.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
                    .results(GetRunRequest.newBuilder().setRunId(runId).build())));
        } else if (parts.length == 3 && parts[2].equals("file")) {
            file(ex, stub, runId, query.get("key"));
        } else if (parts.length == 3 && parts[2].equals("events")) {
            events(ex, caller, runId, "true".equalsIgnoreCase(query.get("fromNow")));
        } else {
            error(ex, 404, "no API api/" + path + " (there are api/runs/ID, api/runs/ID/file?key=KEY, api/runs/ID/events)");
        }
    }

    private void login(HttpExchange ex, String method) throws IOException {
        requireMethod(ex, method, "POST");
        requireJson(ex);
        byte[] body = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            error(ex, 413, "the sign-in request is larger than " + MAX_BODY + " bytes");
            return;
        }
        String token = Json.stringField(new String(body, StandardCharsets.UTF_8), "token");
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the sign-in request needs {\"token\": \"...\"}");
        }
        token = token.trim();
        if (!needsToken()) {
            sendJson(ex, 200, "{\"role\":\"all\",\"note\":\"this server needs no token\"}");
            return;
        }
        GrpcSecurity.Role role = security.roleOf(token);
        if (role == null) {
            error(ex, 401, "the token is not accepted by this server");
            return;
        }
        String id = sessions.begin(token, role.name().toLowerCase(Locale.ROOT));
        ex.getResponseHeaders().add("Set-Cookie", cookie(id, SESSION_MS / 1000));
        sendJson(ex, 200, "{\"role\":\"" + role.name().toLowerCase(Locale.ROOT) + "\"}");
    }

    /** One of the run's result files, streamed as it arrives; errors before the first byte are JSON. */
    private void file(HttpExchange ex, RunServiceGrpc.RunServiceBlockingStub stub, String runId, String key) throws IOException {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("which file? api/runs/ID/file?key=KEY, KEY one of the run's files"
                    + " (stages[].fileKeys of api/runs/ID)");
        }
        Iterator<FileChunk> chunks = stub.withDeadlineAfter(5 * CALL_SECONDS, TimeUnit.SECONDS)
                .getResultFile(GetResultFileRequest.newBuilder().setRunId(runId).setKey(key).build());
        FileChunk first = chunks.hasNext() ? chunks.next() : FileChunk.getDefaultInstance();
        String name = key.substring(key.lastIndexOf('/') + 1);
        String type = contentType(name);
        ex.getResponseHeaders().set("Content-Type", type);
        if (type.startsWith("application/octet-stream")) {
            ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + name.replace("\"", "") + "\"");
        }
        if (!chunks.hasNext()) {
            byte[] bytes = first.getData().toByteArray();
            ex.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
            ex.getResponseBody().write(bytes);
            return;
        }
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        first.getData().writeTo(out);
        while (chunks.hasNext()) {
            chunks.next().getData().writeTo(out);
        }
    }

    /**
     * The run's events as server-sent events, until the run ends, the browser goes away or the
     * server stops. The Watch call is cancelled when writing to the browser fails.
     */
    private void events(HttpExchange ex, Caller caller, String runId, boolean fromNow) throws IOException {
        if (!streams.tryAcquire()) {
            error(ex, 503, MAX_EVENT_STREAMS + " event streams are open; close a page or try again later");
            return;
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("X-Accel-Buffering", "no");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            CountDownLatch ended = new CountDownLatch(1);
            Object lock = new Object();
            ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
            Runnable cancel = () -> {
                if (call[0] != null) {
                    call[0].cancel("the browser closed the event stream", null);
                }
                ended.countDown();
            };
            java.util.function.Consumer<String> write = text -> {
                synchronized (lock) {
                    if (ended.getCount() == 0) {
                        return;
                    }
                    try {
                        out.write(text.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (IOException e) {
                        cancel.run();
                    }
                }
            };
            write.accept("retry: 3000\n\n");
            ScheduledFuture<?> beat = heartbeats.scheduleAtFixedRate(() -> write.accept(": alive\n\n"),
                    heartbeatSeconds, heartbeatSeconds, TimeUnit.SECONDS);
            RunServiceGrpc.newStub(channel).withCallCredentials(credentials(caller)).watch(
                    WatchRunRequest.newBuilder().setRunId(runId).setFromNow(fromNow).build(),
                    new ClientResponseObserver<WatchRunRequest, RunEvent>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<WatchRunRequest> requestStream) {
                            call[0] = requestStream;
                        }

                        @Override
                        public void onNext(RunEvent event) {
                            write.accept("event: run\ndata: " + json(event) + "\n\n");
                        }

                        @Override
                        public void onError(Throwable t) {
                            Status s = Status.fromThrowable(t);
                            if (s.getCode() != Status.Code.CANCELLED) {
                                write.accept("event: end\ndata: {\"error\":" + Json.quote(message(s)) + "}\n\n");
                            }
                            ended.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            write.accept("event: end\ndata: {}\n\n");
                            ended.countDown();
                        }
                    });
            try {
                ended.await();
            } catch (InterruptedException e) {
                cancel.run();
                Thread.currentThread().interrupt();
            } finally {
                beat.cancel(false);
            }
        } finally {
            streams.release();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Who calls: the token of the session cookie or of an Authorization header; null when none. */
    private record Caller(String token, String role) {
    }

    private boolean needsToken() {
        return !security.tokens().isEmpty();
    }

    private Caller caller(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = header.substring(7).trim();
            GrpcSecurity.Role role = needsToken() ? security.roleOf(token) : GrpcSecurity.Role.ALL;
            return role == null ? null : new Caller(token, role.name().toLowerCase(Locale.ROOT));
        }
        String id = cookie(ex);
        Sessions.Session s = id == null ? null : sessions.get(id);
        return s == null ? null : new Caller(s.token(), s.role());
    }

    /** The caller's token on every call to the RunService (none where the server wants none). */
    private static CallCredentials credentials(Caller caller) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                if (caller != null) {
                    m.put(AUTHORIZATION, "Bearer " + caller.token());
                }
                applier.apply(m);
            }
        };
    }

    private static String cookie(HttpExchange ex) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(COOKIE + "=")) {
                    return p.substring(COOKIE.length() + 1);
                }
            }
        }
        return null;
    }

    private String cookie(String value, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (security.tls() ? "; Secure" : "");
    }

    /**
     * A state-changing request must say it is JSON: a form on another site cannot send that
     * content type without the browser asking this server first (CORS), which it never allows.
     */
    private static void requireJson(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new IllegalArgumentException("send this request with Content-Type: application/json");
        }
    }

    private static void requireMethod(HttpExchange ex, String method, String allowed) {
        if (!allowed.equals(method)) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw new MethodNotAllowed(allowed);
        }
    }

    /** Thrown by {@link #requireMethod}; answered 405. */
    private static final class MethodNotAllowed extends IllegalArgumentException {
        MethodNotAllowed(String allowed) {
            super("this API takes " + allowed);
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    static int httpStatus(Status s) {
        return switch (s.getCode()) {
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }

    private static String message(Status s) {
        String d = s.getDescription();
        return d == null || d.isBlank() ? "the run service answered " + s.getCode() : d;
    }

    static String json(MessageOrBuilder m) {
        try {
            return JSON.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot write " + m.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static void headers(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        // Scripts and styles from this server only; the charts set inline SVG attributes.
        h.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline';"
                + " script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    }

    private static void notAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        error(ex, 405, "this page takes " + allowed);
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        sendJson(ex, status, "{\"error\":" + Json.quote(message) + "}");
    }

    private static void sendJson(HttpExchange ex, int status, String json) throws IOException {
        send(ex, status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        ex.getResponseBody().write(body);
    }

    static String contentType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (n.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (n.endsWith(".css")) {
            return "text/css; charset=utf-8";
        } else if (n.endsWith(".json")) {
            return "application/json; charset=utf-8";
        } else if (n.endsWith(".jsonl")) {
            return "application/x-ndjson; charset=utf-8";
        } else if (n.endsWith(".txt")) {
            return "text/plain; charset=utf-8";
        } else if (n.endsWith(".png")) {
            return "image/png";
        }
        return "application/octet-stream";
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
