package io.lttricks.platform.grpc;

import io.lttricks.platform.Config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.testing.TestCertificates;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC server's transport security and authentication: TLS with bearer tokens (and roles),
 * mutual TLS, health checks open to probes, and no unauthenticated server beyond loopback.
 */
public class GrpcServerSecurityTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    static final String READ_TOKEN = "read-token-0123456789abcdef";

    @TempDir
    static Path dir;
    static TestCertificates.Ca ca;
    static Path caFile;
    static Path[] server;
    static Path[] client;
    static Path[] stranger;

    /** A run service that answers Get and Submit with a fixed run. */
    public static class Runs extends RunServiceGrpc.RunServiceImplBase {
        @Override
        public void get(GetRunRequest request, StreamObserver<RunStatus> response) {
            response.onNext(RunStatus.newBuilder().setRunId(request.getRunId()).build());
            response.onCompleted();
        }

        @Override
        public void submit(SubmitRunRequest request, StreamObserver<RunStatus> response) {
            response.onNext(RunStatus.newBuilder().setRunId("new").build());
            response.onCompleted();
        }
    }

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.ca("lttricks test CA");
        caFile = ca.write(dir.resolve("ca.crt"));
        server = ca.server("sampler", "localhost", "127.0.0.1").write(dir, "server");
        client = ca.client("lt").write(dir, "client");
        stranger = TestCertificates.ca("another CA").client("mallory").write(dir, "stranger");
    }

    static GrpcSecurity security(Path clientCa, List<GrpcSecurity.Token> tokens) {
        return new GrpcSecurity("127.0.0.1", server[0], server[1], clientCa, tokens, false);
    }

    public static ManagedChannel channel(int port, ChannelCredentials credentials, String token) {
        var b = Grpc.newChannelBuilderForAddress("localhost", port, credentials);
        if (token != null) {
            b.intercept(bearer(token));
        }
        return b.build();
    }

    static ClientInterceptor bearer(String token) {
        Metadata.Key<String> key = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(key, "Bearer " + token);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    static ChannelCredentials trusting() throws Exception {
        return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
    }

    public static Status.Code get(ManagedChannel channel) {
        try {
            RunServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .get(GetRunRequest.newBuilder().setRunId("r1").build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    public static Status.Code submit(ManagedChannel channel) {
        try {
            RunServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .submit(SubmitRunRequest.getDefaultInstance());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    /** A read token reads: result files and predictions too (they write nothing); it starts no evaluation. */
    @Test
    void aReadTokenMayFetchResultFilesAndPredictButNotEvaluate() {
        assertTrue(AuthInterceptor.isRead("GetResultFile", "lttricks.v1.RunService"));
        assertTrue(AuthInterceptor.isRead("Predict", "lttricks.v1.EvaluatorService"));
        assertTrue(AuthInterceptor.isRead("Results", "lttricks.v1.RunService"));
        assertFalse(AuthInterceptor.isRead("Evaluate", "lttricks.v1.EvaluatorService"));
        assertFalse(AuthInterceptor.isRead("Submit", "lttricks.v1.RunService"));
    }

    @Test
    void tlsAndTokenAcceptTheClientWithBothAndRefuseTheOthers() throws Exception {
        GrpcSecurity s = security(null, List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL),
                GrpcSecurity.Token.of(READ_TOKEN, GrpcSecurity.Role.READ)));
        try (GrpcServer grpc = new GrpcServer(s, 0, List.of(new Runs()))) {
            int port = grpc.port();
            assertEquals(Status.Code.OK, get(channel(port, trusting(), TOKEN)), "TLS + token");
            assertEquals(Status.Code.OK, submit(channel(port, trusting(), TOKEN)));
            assertEquals(Status.Code.UNAUTHENTICATED, get(channel(port, trusting(), null)), "no token");
            assertEquals(Status.Code.UNAUTHENTICATED, get(channel(port, trusting(), "wrong-token-0123456789abcdef")));
            assertEquals(Status.Code.UNAUTHENTICATED, get(channel(port, trusting(), TOKEN.substring(1))));
            assertEquals(Status.Code.UNAVAILABLE, get(channel(port, InsecureChannelCredentials.create(), TOKEN)),
                    "plaintext does not reach a TLS server");
            assertEquals(Status.Code.UNAVAILABLE, get(channel(port, TlsChannelCredentials.create(), TOKEN)),
                    "a client that does not trust the CA refuses the server");
            assertEquals(Status.Code.OK, get(channel(port, trusting(), READ_TOKEN)), "a read token reads");
            assertEquals(Status.Code.PERMISSION_DENIED, submit(channel(port, trusting(), READ_TOKEN)), "but submits nothing");

            ManagedChannel probe = channel(port, trusting(), null);
            try {
                assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(probe).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.newBuilder().setService("lttricks.v1.RunService").build()).getStatus(),
                        "health checks need no token (Kubernetes probes carry none)");
            } finally {
                probe.shutdownNow();
            }
        }
    }

    @Test
    void mutualTlsRefusesClientsWithoutACertificateOfTheClientCa() throws Exception {
        try (GrpcServer grpc = new GrpcServer(security(caFile, List.of()), 0, List.of(new Runs()))) {
            int port = grpc.port();
            ChannelCredentials withCert = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile())
                    .keyManager(client[0].toFile(), client[1].toFile()).build();
            assertEquals(Status.Code.OK, get(channel(port, withCert, null)));
            assertEquals(Status.Code.UNAVAILABLE, get(channel(port, trusting(), null)), "no client certificate");
            ChannelCredentials foreign = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile())
                    .keyManager(stranger[0].toFile(), stranger[1].toFile()).build();
            assertEquals(Status.Code.UNAVAILABLE, get(channel(port, foreign, null)), "a certificate of another CA");
        }
    }

    @Test
    void aServerBeyondLoopbackWithoutAuthenticationRefusesToStart() throws Exception {
        GrpcSecurity open = new GrpcSecurity("0.0.0.0", null, null, null, List.of(), false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new GrpcServer(open, 0, List.of(new Runs())));
        assertTrue(e.getMessage().contains(GrpcSecurity.ALLOW_UNAUTHENTICATED) && e.getMessage().contains(GrpcSecurity.TOKENS)
                && e.getMessage().contains("0.0.0.0"), e.getMessage());

        GrpcSecurity fromEnv = GrpcSecurity.from(Map.of());
        assertEquals("0.0.0.0", fromEnv.bind(), "a service listens on every interface by default (a pod)");
        assertThrows(IllegalStateException.class, () -> fromEnv.checkExposure(50051));

        try (GrpcServer allowed = new GrpcServer(open.withBind("0.0.0.0").allowingUnauthenticated(), 0, List.of(new Runs()))) {
            assertEquals(Status.Code.OK, get(channel(allowed.port(), InsecureChannelCredentials.create(), null)),
                    GrpcSecurity.ALLOW_UNAUTHENTICATED + "=true lets it serve");
        }
        GrpcSecurity withToken = new GrpcSecurity("0.0.0.0", null, null, null,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (GrpcServer tokens = new GrpcServer(withToken, 0, List.of(new Runs()))) {
            assertEquals(Status.Code.UNAUTHENTICATED, get(channel(tokens.port(), InsecureChannelCredentials.create(), null)));
            assertEquals(Status.Code.OK, get(channel(tokens.port(), InsecureChannelCredentials.create(), TOKEN)));
        }
        try (GrpcServer loopback = new GrpcServer(GrpcSecurity.LOOPBACK, 0, List.of(new Runs()))) {
            assertEquals(Status.Code.OK, get(channel(loopback.port(), InsecureChannelCredentials.create(), null)),
                    "loopback needs no authentication");
        }
    }

    /** A run service that refuses every Get as a bad recipe would be refused. */
    static class Refusing extends RunServiceGrpc.RunServiceImplBase {
        @Override
        public void get(GetRunRequest request, StreamObserver<RunStatus> response) {
            throw new io.lttricks.core.recipe.RecipeException("stages[0] (warmup).lr: must lie in (0, 10], got 20.0");
        }
    }

    /**
     * Every refusal carries google.rpc details a program can read: an ErrorInfo with a stable
     * reason, and for a bad field a BadRequest field violation with its path (issue 25).
     */
    @Test
    void refusalsCarryErrorInfoAndTheFieldViolation() throws Exception {
        GrpcSecurity withToken = new GrpcSecurity("127.0.0.1", null, null, null,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (GrpcServer grpc = new GrpcServer(withToken, 0, List.of(new Refusing()))) {
            ManagedChannel ch = channel(grpc.port(), InsecureChannelCredentials.create(), TOKEN);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> RunServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).get(GetRunRequest.newBuilder().setRunId("r").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertEquals("stages[0] (warmup).lr: must lie in (0, 10], got 20.0", e.getStatus().getDescription(),
                    "the message is as before");
            com.google.rpc.Status rich = io.grpc.protobuf.StatusProto.fromThrowable(e);
            assertEquals(Status.Code.INVALID_ARGUMENT.value(), rich.getCode());
            com.google.rpc.ErrorInfo info = rich.getDetails(0).unpack(com.google.rpc.ErrorInfo.class);
            assertEquals("INVALID_REQUEST", info.getReason());
            assertEquals(ErrorDetails.DOMAIN, info.getDomain());
            com.google.rpc.BadRequest bad = rich.getDetails(1).unpack(com.google.rpc.BadRequest.class);
            assertEquals("stages[0].lr", bad.getFieldViolations(0).getField());
            ManagedChannel anonymous = channel(grpc.port(), InsecureChannelCredentials.create(), null);
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> RunServiceGrpc
                    .newBlockingStub(anonymous).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .get(GetRunRequest.newBuilder().setRunId("r").build()));
            com.google.rpc.Status auth = io.grpc.protobuf.StatusProto.fromThrowable(refused);
            assertEquals("UNAUTHENTICATED", auth.getDetails(0).unpack(com.google.rpc.ErrorInfo.class).getReason(),
                    "an interceptor's refusal gets the details too");
            assertEquals(1, auth.getDetailsCount());
            ch.shutdownNow();
            anonymous.shutdownNow();
        }
        assertEquals("dataset.imbalance", ErrorDetails.field("dataset.imbalance: must be >= 1, got 0.5"));
        assertEquals("request_id", ErrorDetails.field("request_id: at most 128 characters, got 300"));
        assertEquals(null, ErrorDetails.field("manifest_key and output_prefix are required"));
        assertEquals(null, ErrorDetails.field("Recipe: x"));
    }

    /** Both reflection versions answer (grpcurl before 1.8.8 and grpc_cli ask for v1alpha), behind the same tokens. */
    @Test
    void reflectionV1AndV1AlphaListTheServices() throws Exception {
        GrpcSecurity withToken = new GrpcSecurity("127.0.0.1", null, null, null,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (GrpcServer grpc = new GrpcServer(withToken, 0, List.of(new Runs()))) {
            ManagedChannel ch = channel(grpc.port(), InsecureChannelCredentials.create(), TOKEN);
            java.util.concurrent.LinkedBlockingQueue<Object> v1 = new java.util.concurrent.LinkedBlockingQueue<>();
            var call1 = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(ch).serverReflectionInfo(collect(v1));
            call1.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
            call1.onCompleted();
            Object r1 = v1.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(r1 instanceof io.grpc.reflection.v1.ServerReflectionResponse, String.valueOf(r1));
            assertTrue(r1.toString().contains(RunServiceGrpc.SERVICE_NAME), r1.toString());
            java.util.concurrent.LinkedBlockingQueue<Object> alpha = new java.util.concurrent.LinkedBlockingQueue<>();
            @SuppressWarnings("deprecation")
            var call2 = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(ch).serverReflectionInfo(collect(alpha));
            call2.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
            call2.onCompleted();
            Object r2 = alpha.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(r2 instanceof io.grpc.reflection.v1alpha.ServerReflectionResponse, String.valueOf(r2));
            assertTrue(r2.toString().contains(RunServiceGrpc.SERVICE_NAME), r2.toString());
            ManagedChannel anonymous = channel(grpc.port(), InsecureChannelCredentials.create(), null);
            java.util.concurrent.LinkedBlockingQueue<Object> refused = new java.util.concurrent.LinkedBlockingQueue<>();
            var call3 = io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(anonymous).serverReflectionInfo(collect(refused));
            call3.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
            call3.onCompleted();
            Object r3 = refused.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable((Throwable) r3).getCode());
            ch.shutdownNow();
            anonymous.shutdownNow();
        }
    }

    /** A stream observer that puts the first response, or the error, into {@code out}. */
    static <T> StreamObserver<T> collect(java.util.concurrent.BlockingQueue<Object> out) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                out.offer(value);
            }

            @Override
            public void onError(Throwable t) {
                out.offer(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    @Test
    void tokensComeFromTheEnvironmentOrAFileAndAreNeverShown() throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"), "# operators\n" + TOKEN + "\n" + READ_TOKEN + " read  # dashboards\n\n");
        GrpcSecurity s = GrpcSecurity.from(Map.of(GrpcSecurity.TOKENS_FILE, file.toString(),
                GrpcSecurity.TOKENS, "env-token-0123456789abcdef", GrpcSecurity.BIND, "127.0.0.1"));
        assertEquals(3, s.tokens().size());
        assertEquals(GrpcSecurity.Role.ALL, s.roleOf(TOKEN));
        assertEquals(GrpcSecurity.Role.READ, s.roleOf(READ_TOKEN));
        assertEquals(GrpcSecurity.Role.ALL, s.roleOf("env-token-0123456789abcdef"));
        assertEquals(null, s.roleOf("nope"));
        assertFalse(s.toString().contains(TOKEN) || s.toString().contains("env-token"), s.toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GrpcSecurity.from(Map.of(GrpcSecurity.TOKENS, "short")))
                .getMessage().contains("16"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GrpcSecurity.from(Map.of(GrpcSecurity.TLS_CERT, "/x.crt")))
                .getMessage().contains(GrpcSecurity.TLS_KEY));
        Config c = Config.from(Map.of(GrpcSecurity.TOKENS, TOKEN, Config.S3_SECRET_KEY, "very-secret-key"), 1);
        assertFalse(c.toString().contains(TOKEN) || c.toString().contains("very-secret-key"), c.toString());
    }
}
