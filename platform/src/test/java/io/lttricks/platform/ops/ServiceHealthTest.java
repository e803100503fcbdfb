package io.lttricks.platform.ops;

import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.Platform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.RunServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health service tells the truth: NOT_SERVING when a worker loop died (liveness too), or when
 * Kafka or storage has not answered for longer than the grace period (readiness only); SERVING again
 * when they answer. With the in-memory bus and store told to fail, and a clock the test moves.
 */
class ServiceHealthTest {
    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong();
    final InMemoryEventBus bus = new InMemoryEventBus();
    final InMemoryObjectStore store = new InMemoryObjectStore();

    ServiceHealth health(AtomicBoolean worker) {
        Platform p = TestPlatform.of(dir, "test", store, bus, Map.of(Config.HEALTH_GRACE_SECONDS, "30"));
        assertEquals(30, p.config().healthGraceSeconds());
        return new ServiceHealth(Duration.ofSeconds(p.config().healthGraceSeconds()), Duration.ofSeconds(1), now::get)
                .dependency("kafka", () -> p.bus().probe())
                .dependency("storage", () -> p.store().exists(ServiceHealth.STORAGE_PROBE_KEY))
                .part("the job worker", worker::get);
    }

    static ServingStatus check(ManagedChannel channel, String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    void advance(int seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void aDeadWorkerIsNotServingAndNotAlive() throws Exception {
        AtomicBoolean worker = new AtomicBoolean(true);
        try (GrpcServer grpc = new GrpcServer(0, List.of(new RunServiceGrpc.RunServiceImplBase() { }));
             ServiceHealth health = health(worker).attach(grpc)) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
            try {
                assertTrue(health.checkNow().serving());
                assertEquals(ServingStatus.SERVING, check(channel, "lttricks.v1.RunService"));
                worker.set(false);
                ServiceHealth.Status s = health.checkNow();
                assertFalse(s.serving());
                assertFalse(s.alive());
                assertTrue(s.problems().get(0).contains("the job worker"), s.problems().toString());
                assertEquals(ServingStatus.NOT_SERVING, check(channel, "lttricks.v1.RunService"));
                assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
                assertEquals(ServingStatus.NOT_SERVING, check(channel, GrpcServer.LIVENESS), "a restart cures it");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void kafkaLostLongerThanTheGracePeriodIsNotServingUntilItAnswers() throws Exception {
        AtomicBoolean worker = new AtomicBoolean(true);
        try (GrpcServer grpc = new GrpcServer(0, List.of(new RunServiceGrpc.RunServiceImplBase() { }));
             ServiceHealth health = health(worker).attach(grpc)) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
            try {
                bus.failNext(Integer.MAX_VALUE, null);
                assertTrue(health.checkNow().serving(), "a short outage is tolerated");
                advance(20);
                assertTrue(health.checkNow().serving(), "20 s < the 30 s grace period");
                advance(15);
                ServiceHealth.Status s = health.checkNow();
                assertFalse(s.serving());
                assertTrue(s.alive(), "restarting the process would not bring Kafka back");
                assertTrue(s.problems().get(0).startsWith("kafka has not answered for 35 s"), s.problems().toString());
                assertEquals(ServingStatus.NOT_SERVING, check(channel, "lttricks.v1.RunService"));
                assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
                assertEquals(ServingStatus.SERVING, check(channel, GrpcServer.LIVENESS));

                bus.failNext(0, null);
                advance(1);
                assertTrue(health.checkNow().serving());
                assertEquals(ServingStatus.SERVING, check(channel, "lttricks.v1.RunService"), "back on recovery");
                assertEquals(ServingStatus.SERVING, check(channel, ""));
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void storageLostLongerThanTheGracePeriodIsNotServingUntilItAnswers() {
        try (ServiceHealth health = health(new AtomicBoolean(true))) {
            store.failNext(Integer.MAX_VALUE, null);
            assertTrue(health.checkNow().serving());
            advance(31);
            ServiceHealth.Status s = health.checkNow();
            assertFalse(s.serving());
            assertTrue(s.problems().get(0).startsWith("storage has not answered"), s.problems().toString());
            store.failNext(0, null);
            assertTrue(health.checkNow().serving());
            // An outage that starts again counts from its own start.
            store.failNext(Integer.MAX_VALUE, null);
            advance(100);
            assertTrue(health.checkNow().serving());
            advance(29);
            assertTrue(health.checkNow().serving());
            advance(2);
            assertFalse(health.checkNow().serving());
        }
    }

    @Test
    void aDependencyThatHangsCountsAsNotAnsweringAndIsNotAskedTwiceAtOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (ServiceHealth health = new ServiceHealth(Duration.ofSeconds(30), Duration.ofSeconds(1), now::get,
                Duration.ofMillis(200)).dependency("storage", () -> {
                    calls.incrementAndGet();
                    while (release.getCount() > 0) {   // deaf to interruption, as a stuck socket read
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            // keep hanging
                        }
                    }
                })) {
            assertTrue(health.checkNow().serving());
            advance(31);
            ServiceHealth.Status s = health.checkNow();
            assertFalse(s.serving());
            assertTrue(s.problems().get(0).contains("storage has not answered"), s.problems().toString());
            assertEquals(1, calls.get(), "one hanging check at a time, not one more thread per check");
            release.countDown();
            long deadline = System.currentTimeMillis() + 5000;
            while (!health.checkNow().serving() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(health.status().serving(), "it answers again");
        }
    }

    @Test
    void theServicesCheckOnTheirOwnEverySecondsAndReport() throws Exception {
        AtomicBoolean worker = new AtomicBoolean(true);
        try (GrpcServer grpc = new GrpcServer(0, List.of(new RunServiceGrpc.RunServiceImplBase() { }));
             ServiceHealth health = new ServiceHealth(Duration.ofSeconds(1), Duration.ofMillis(100), System::nanoTime)
                     .part("the job worker", worker::get).attach(grpc).start()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
            try {
                worker.set(false);
                long deadline = System.currentTimeMillis() + 10_000;
                while (check(channel, "") == ServingStatus.SERVING && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(ServingStatus.NOT_SERVING, check(channel, ""));
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
