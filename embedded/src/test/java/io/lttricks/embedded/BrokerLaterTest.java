package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.Platform;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26 item 6: a service started before its broker does not exit with a stack trace: it waits,
 * answering health checks NOT_SERVING on its port (liveness SERVING), and starts when the broker
 * comes; a setting that cannot work (an unknown security protocol) still ends the start at once.
 */
class BrokerLaterTest {
    @TempDir
    Path dir;

    /**
     * A free port below the kernel's ephemeral range. The ports here are ones clients keep
     * connecting to before anything listens; in the ephemeral range the kernel can give such a
     * client the same port as its source, and it connects to itself (TCP simultaneous open),
     * holding the port the broker is about to listen on ("Address already in use", seen once in
     * CI on 2026-12-08).
     */
    static int freePort() throws Exception {
        int low = 32768;
        try {
            low = Integer.parseInt(java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim().split("\\s+")[0]);
        } catch (java.io.IOException | RuntimeException unknown) {
            // Linux's default range starts there.
        }
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200 && low > 10_100; attempt++) {
            int port = 10_000 + random.nextInt(low - 10_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (java.io.IOException taken) {
                // Try another.
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aServiceStartedBeforeItsBrokerWaitsNotServingAndStartsWhenItComes() throws Exception {
        int kafkaPort = freePort();
        int grpcPort = freePort();
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "ak", "sk-secret")) {
            Config config = Config.from(Map.of(Config.KAFKA_BOOTSTRAP, "127.0.0.1:" + kafkaPort,
                    Config.S3_ENDPOINT, s3.endpoint(), Config.S3_ACCESS_KEY, "ak", Config.S3_SECRET_KEY, "sk-secret",
                    Config.WORK_DIR, dir.resolve("work").toString(), Config.GRPC_PORT, String.valueOf(grpcPort),
                    Config.METRICS_PORT, "0", GrpcSecurity.BIND, "127.0.0.1", Config.TOPIC_PARTITIONS, "1"), 0);
            CompletableFuture<Platform> opening = CompletableFuture.supplyAsync(() -> {
                try {
                    return Platform.open(config, "test");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            try {
                ServingStatus ready = null;
                long deadline = System.currentTimeMillis() + 60_000;
                while (System.currentTimeMillis() < deadline) {
                    try {
                        ready = health(channel, "");
                        break;
                    } catch (io.grpc.StatusRuntimeException e) {
                        Thread.sleep(200);   // not listening yet
                    }
                }
                assertEquals(ServingStatus.NOT_SERVING, ready, "readiness while the broker is away");
                assertEquals(ServingStatus.SERVING, health(channel, io.lttricks.platform.grpc.GrpcServer.LIVENESS), "alive: a restart would not help");
                assertFalse(opening.isDone(), "still waiting");
                try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), kafkaPort);
                     Platform platform = opening.get(120, TimeUnit.SECONDS)) {
                    assertTrue(platform.bus() != null);
                    assertTrue(kafka.bootstrapServers().endsWith(":" + kafkaPort));
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            java.util.Map<String, String> bogus = new java.util.HashMap<>(Map.of(Config.KAFKA_BOOTSTRAP,
                    "127.0.0.1:" + freePort(), Config.S3_ENDPOINT, s3.endpoint(), Config.S3_ACCESS_KEY, "ak",
                    Config.S3_SECRET_KEY, "sk-secret", Config.WORK_DIR, dir.resolve("work2").toString(),
                    Config.GRPC_PORT, String.valueOf(freePort()), Config.METRICS_PORT, "0", GrpcSecurity.BIND, "127.0.0.1"));
            bogus.put("LT_KAFKA_SECURITY_PROTOCOL", "BOGUS");
            long t0 = System.nanoTime();
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> Platform.open(Config.from(bogus, 0), "test"));
            assertTrue(String.valueOf(e.getMessage()).contains("security.protocol"), e.toString());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "what waiting cannot cure is not waited for");
        }
    }

    static ServingStatus health(ManagedChannel channel, String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }
}
