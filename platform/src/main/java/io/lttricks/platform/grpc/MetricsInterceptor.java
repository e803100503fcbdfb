package io.lttricks.platform.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Times every call a service answers, from its arrival to the status it ends with:
 * {@value #CALLS} (Prometheus: {@code lt_grpc_server_calls_seconds_count}, {@code _sum}, {@code _bucket})
 * tagged {@code service} (e.g. lttricks.v1.RunService), {@code method} (e.g. SubmitRun) and
 * {@code code} (OK, INVALID_ARGUMENT, UNAUTHENTICATED, ...; CANCELLED when the client gave up
 * first). Installed outermost, so that it sees the codes the other interceptors give (a refused
 * token, an exception turned into a status).
 */
public final class MetricsInterceptor implements ServerInterceptor {
    static final String CALLS = "lt.grpc.server.calls";
    /** Bucket bounds: unary calls take milliseconds to seconds; a WatchRun stream lasts a run. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private final MeterRegistry registry;

    MetricsInterceptor(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        AtomicBoolean recorded = new AtomicBoolean();
        Consumer<Status.Code> record = code -> {
            if (recorded.compareAndSet(false, true)) {
                Timer.builder(CALLS).description("gRPC calls answered, by service, method and status code")
                        .tag("service", String.valueOf(method.getServiceName()))
                        .tag("method", String.valueOf(method.getBareMethodName()))
                        .tag("code", code.name())
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry).record(Duration.ofNanos(System.nanoTime() - start));
            }
        };
        ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                record.accept(status.getCode());
                super.close(status, trailers);
            }
        }, headers);
        // A call the client gave up on (a deadline, a watch stopped) ends without a close.
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                record.accept(Status.Code.CANCELLED);
                super.onCancel();
            }
        };
    }
}
