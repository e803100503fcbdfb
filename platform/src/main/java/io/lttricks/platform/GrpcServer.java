package io.lttricks.platform;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a service's gRPC server: its services, gRPC health checking (serving once started) and
 * server reflection (so grpcurl and other tools can discover the API).
 */
public final class GrpcServer implements AutoCloseable {
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();

    public GrpcServer(int port, List<BindableService> services) throws IOException {
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(port));
        for (BindableService s : services) {
            b.addService(ServerInterceptors.intercept(s, new StatusInterceptor()));
        }
        b.addService(health.getHealthService());
        b.addService(ProtoReflectionServiceV1.newInstance());
        server = b.build().start();
        for (BindableService s : services) {
            health.setStatus(s.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING);
        }
        health.setStatus("", ServingStatus.SERVING);
    }

    public int port() {
        return server.getPort();
    }

    public HealthStatusManager health() {
        return health;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        health.enterTerminalState();
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
