package io.lttricks.platform.ops;

import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.MetricsInterceptor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lttricks.core.train.ResidentMemory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The meters of a process, for Prometheus: one registry (the four services of {@code lt up} share
 * it), the JVM's memory, GC, threads and CPU, the resident set size ({@code process_resident_memory_bytes},
 * native tensors included), and, when {@link #serve served}, the text exposition on
 * {@code GET /metrics} of a plain HTTP port ({@value Config#METRICS_PORT}).
 *
 * <p>What the services record on it: gRPC calls ({@link MetricsInterceptor}), jobs
 * ({@link JobMetrics}), Kafka consumers ({@link #bindConsumer}), and their own (training progress,
 * CAM images). The endpoint serves no secret and takes no input; who may reach it is the network's
 * business (deploy/base/network-policies.yaml lets Prometheus in only).
 */
public final class ServiceMetrics implements AutoCloseable {
    /** The endpoint's path. */
    public static final String PATH = "/metrics";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Listens to the JVM's GC notifications until closed; null in a bare registry. */
    private JvmGcMetrics gc;
    private HttpServer server;
    private final java.util.Map<String, java.util.function.Supplier<String>> documents = new java.util.concurrent.ConcurrentHashMap<>();
    private ExecutorService serverThread;

    private ServiceMetrics() {
    }

    /** A registry with the JVM and process meters, not served yet. */
    public static ServiceMetrics start() {
        ServiceMetrics m = new ServiceMetrics();
        new JvmMemoryMetrics().bindTo(m.registry);
        m.gc = new JvmGcMetrics();
        m.gc.bindTo(m.registry);
        new JvmThreadMetrics().bindTo(m.registry);
        new ProcessorMetrics().bindTo(m.registry);
        new UptimeMetrics().bindTo(m.registry);
        Gauge.builder("process.resident.memory", ResidentMemory::bytes).baseUnit("bytes")
                .description("Resident set size (VmRSS of /proc/self/status): heap, native tensors, libraries")
                .register(m.registry);
        return m;
    }

    /** A bare registry without JVM meters or endpoint, for tests of what a component records. */
    public static ServiceMetrics inMemory() {
        return new ServiceMetrics();
    }

    /**
     * The process's meters as its configuration says: served on {@code bind}:{@value Config#METRICS_PORT}
     * (the gRPC server's address), or not served when that port is 0.
     */
    public static ServiceMetrics start(Config config) throws IOException {
        ServiceMetrics m = start();
        if (config.metricsPort() > 0) {
            try {
                m.serve(config.grpc().bind(), config.metricsPort());
            } catch (IOException e) {
                m.close();
                throw e;
            }
        }
        return m;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The exposition text, as {@code GET /metrics} returns it. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Serves {@code GET /metrics} on {@code bind}:{@code port} (0: a free port); returns the port.
     *
     * @throws IOException when the port cannot be had, naming the address and the setting
     */
    public synchronized int serve(String bind, int port) throws IOException {
        if (server != null) {
            throw new IllegalStateException("the metrics endpoint is already served on port " + port());
        }
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + bind + ":" + port + " (" + Config.METRICS_PORT
                    + "; 0 turns the endpoint off): " + e.getMessage(), e);
        }
        s.createContext("/", this::handle);
        serverThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lt-metrics-http");
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(serverThread);
        s.start();
        server = s;
        return port();
    }

    /** The port {@code /metrics} is served on, -1 when it is not. */
    public synchronized int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    /**
     * Serves {@code json()} as an {@code application/json} document at {@code path} beside
     * {@code /metrics} (for autoscalers that read a value from JSON, as KEDA's metrics-api scaler).
     */
    public void document(String path, java.util.function.Supplier<String> json) {
        if (!path.startsWith("/") || PATH.equals(path)) {
            throw new IllegalArgumentException("a document's path starts with / and is not " + PATH + ": " + path);
        }
        documents.put(path, json);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            java.util.function.Supplier<String> document = documents.get(path);
            if (!PATH.equals(path) && document == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = (document == null ? scrape() : document.get()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", document == null ? CONTENT_TYPE : "application/json");
            if ("HEAD".equals(method)) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * Kafka's own metrics of {@code consumer} (among them {@code kafka_consumer_fetch_manager_records_lag_max}
     * and the lag of each partition), tagged {@code group}; close the result before the consumer.
     */
    public KafkaClientMetrics bindConsumer(Consumer<?, ?> consumer, String group) {
        KafkaClientMetrics m = new KafkaClientMetrics(consumer, Tags.of("group", group));
        m.bindTo(registry);
        return m;
    }

    /** Stops serving and releases the JVM listeners; the meters stay readable. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            serverThread.shutdownNow();
            server = null;
        }
        if (gc != null) {
            gc.close();
            gc = null;
        }
    }
}
