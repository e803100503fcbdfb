package io.lttricks.platform.grpc;

import io.lttricks.platform.Platform;
import io.lttricks.platform.ops.ServiceHealth;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a service's gRPC server: its services, gRPC health checking and server reflection (so
 * grpcurl and other tools can discover the API), with the transport security and authentication
 * of {@link GrpcSecurity}: TLS (mutual with a client CA), bearer tokens checked on every call but
 * health checks, and a refusal to listen beyond loopback with nobody authenticated.
 *
 * <p>Health: every service name and the server as a whole ({@code ""}) report SERVING while the
 * process works and its dependencies answer ({@link ServiceHealth} says otherwise); {@value #LIVENESS}
 * reports NOT_SERVING only when a part of the process has died (what a restart cures), for
 * Kubernetes' liveness probe.
 */
public final class GrpcServer implements AutoCloseable {
    /** Health service name that is NOT_SERVING only when a part of this process died. */
    public static final String LIVENESS = "lttricks.liveness";
    /** Largest request a service accepts unless it asks for more: gRPC's own default. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private final Server server;
    /**
     * The same services, interceptors included, without a network: for a part of this process that
     * acts as a client of them (the dashboard), so that a call from it is authenticated, authorised
     * and timed as one from outside.
     */
    private final Server inProcess;
    private final String inProcessName;
    private ManagedChannel inProcessChannel;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<String> serviceNames = new ArrayList<>();
    private final GrpcSecurity security;

    /**
     * The service's server as its configuration says (port, address, TLS, tokens), its calls timed
     * on the platform's meters.
     */
    public GrpcServer(Platform platform, List<BindableService> services) throws IOException {
        this(platform, services, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** {@link #GrpcServer(Platform, List)} accepting requests up to {@code maxMessageBytes} (larger: RESOURCE_EXHAUSTED). */
    public GrpcServer(Platform platform, List<BindableService> services, int maxMessageBytes) throws IOException {
        this(platform.config().grpc(), platform.config().grpcPort(), services, platform.metrics().registry(), maxMessageBytes);
    }

    /** On loopback, without TLS or tokens (tests, tools), not timed. */
    public GrpcServer(int port, List<BindableService> services) throws IOException {
        this(GrpcSecurity.LOOPBACK, port, services);
    }

    /** Not timed (tests of security). */
    public GrpcServer(GrpcSecurity security, int port, List<BindableService> services) throws IOException {
        this(security, port, services, null, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** Timed on {@code meters} (tests of the metrics). */
    public GrpcServer(GrpcSecurity security, int port, List<BindableService> services, MeterRegistry meters)
            throws IOException {
        this(security, port, services, meters, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** Not timed, accepting requests up to {@code maxMessageBytes} (tests of a service with large requests). */
    public GrpcServer(GrpcSecurity security, int port, List<BindableService> services, int maxMessageBytes)
            throws IOException {
        this(security, port, services, null, maxMessageBytes);
    }

    /**
     * @param meters          where calls are timed ({@link MetricsInterceptor}); null: nowhere
     * @param maxMessageBytes requests larger than this are refused (RESOURCE_EXHAUSTED)
     */
    public GrpcServer(GrpcSecurity security, int port, List<BindableService> services, MeterRegistry meters,
                      int maxMessageBytes)
            throws IOException {
        this.security = security;
        security.checkExposure(port);
        ServerCredentials credentials = InsecureServerCredentials.create();
        if (security.tls()) {
            TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder();
            try {
                tls.keyManager(security.tlsCert().toFile(), security.tlsKey().toFile());
                if (security.clientCa() != null) {
                    tls.trustManager(security.clientCa().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
                }
            } catch (IOException | RuntimeException e) {
                throw new IOException("cannot load the gRPC TLS files (" + GrpcSecurity.TLS_CERT + ", "
                        + GrpcSecurity.TLS_KEY + (security.clientCa() != null ? ", " + GrpcSecurity.TLS_CLIENT_CA : "")
                        + "; the key must be PKCS#8 PEM, 'BEGIN PRIVATE KEY'): " + e.getMessage(), e);
            }
            credentials = tls.build();
        }
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(security.bind(), port), credentials)
                .maxInboundMessageSize(maxMessageBytes);
        List<ServerInterceptor> interceptors = new ArrayList<>();
        interceptors.add(new StatusInterceptor());
        if (!security.tokens().isEmpty()) {
            interceptors.add(new AuthInterceptor(security));   // the last one added runs first
        }
        if (meters != null) {
            interceptors.add(new MetricsInterceptor(meters));  // sees every status, refusals included
        }
        interceptors.add(new ErrorDetails());                  // outermost: details on every refusal
        inProcessName = "lt-grpc-" + java.util.UUID.randomUUID();
        InProcessServerBuilder local = InProcessServerBuilder.forName(inProcessName).maxInboundMessageSize(maxMessageBytes);
        for (BindableService s : services) {
            b.addService(ServerInterceptors.intercept(s, interceptors));
            local.addService(ServerInterceptors.intercept(s, interceptors));
            serviceNames.add(s.bindService().getServiceDescriptor().getName());
        }
        b.addService(health.getHealthService());
        b.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), interceptors));
        // v1alpha as well: grpcurl before 1.8.8 and grpc_cli ask for it (the same answers).
        @SuppressWarnings("deprecation")
        BindableService alpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
        b.addService(ServerInterceptors.intercept(alpha, interceptors));
        try {
            server = b.build().start();
        } catch (IOException e) {
            throw new IOException("cannot listen for gRPC on " + security.bind() + ":" + port + ": " + e.getMessage(), e);
        }
        inProcess = local.build().start();
        report(true, true);
    }

    public int port() {
        return server.getPort();
    }

    public GrpcSecurity security() {
        return security;
    }

    /** The names of the services served (without health and reflection). */
    public List<String> serviceNames() {
        return List.copyOf(serviceNames);
    }

    public HealthStatusManager health() {
        return health;
    }

    /**
     * Sets what the health service reports: {@code serving} for every service and the server as a
     * whole, {@code alive} for {@value #LIVENESS}.
     */
    public synchronized void report(boolean serving, boolean alive) {
        if (server.isShutdown()) {
            return;
        }
        ServingStatus s = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        for (String name : serviceNames) {
            health.setStatus(name, s);
        }
        health.setStatus("", s);
        health.setStatus(LIVENESS, alive ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    /**
     * A channel to these services inside this process (no network, no TLS): calls go through the
     * same interceptors as calls on the port, so they carry a bearer token where the server wants
     * one. Closed with the server.
     */
    public synchronized ManagedChannel inProcessChannel() {
        if (inProcessChannel == null) {
            inProcessChannel = InProcessChannelBuilder.forName(inProcessName).build();
        }
        return inProcessChannel;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public synchronized void close() {
        health.enterTerminalState();
        if (inProcessChannel != null) {
            inProcessChannel.shutdownNow();
        }
        inProcess.shutdownNow();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }
}
