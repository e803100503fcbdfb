package io.lttricks.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.augment.AugmentServer;
import io.lttricks.dashboard.DashboardServer;
import io.lttricks.embedded.EmbeddedKafka;
import io.lttricks.embedded.EmbeddedS3;
import io.lttricks.embedded.Owner;
import io.lttricks.evaluator.EvaluatorServer;
import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.Platform;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.bus.Topics;
import io.lttricks.sampler.SamplerServer;
import io.lttricks.trainer.TrainerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole system in one process: an embedded Kafka broker and S3 server keeping their data in
 * a state directory, and the four services, each on its own gRPC port on the loopback interface
 * (127.0.0.1: reachable from this machine only, so no tokens). Data sets found in the data
 * directory are uploaded to storage under {@code datasets/} on the first start. The endpoints are
 * written to {@code endpoints.json} in the state directory, where the client commands find them.
 *
 * <p>The services share one meter registry, served on one port ({@link Ports#metrics}: 9400 for
 * {@code lt up}, a free one for {@code lt run}) at {@code http://127.0.0.1:PORT/metrics};
 * {@value Config#METRICS_PORT} is not used here.
 *
 * <p>Storage credentials are made afresh at each start (there are no built-in ones) and written,
 * for tools that want to read the bucket, to {@value #CREDENTIALS}. The state directory is the
 * owner's only (700; the files 600). Stopping is bounded: when the process exits with the system
 * still running, a shutdown hook stops it and halts the process if that takes longer than
 * {@link #STOP_LIMIT}.
 */
public final class AllInOne implements AutoCloseable {
    public static final String ENDPOINTS = "endpoints.json";
    /** Storage credentials of the running system (JSON: s3, access_key, secret_key, bucket). */
    public static final String CREDENTIALS = "credentials.json";
    /** How long stopping at exit may take before the process halts. */
    static final java.time.Duration STOP_LIMIT = java.time.Duration.ofSeconds(45);
    private static final java.time.Duration KAFKA_STOP_LIMIT = java.time.Duration.ofSeconds(25);
    private static final List<String> DATASET_FILES = List.of("cifar-10-binary.tar.gz", "cifar-100-binary.tar.gz",
            "cifar-10-jpeg.tar.gz", "cifar-100-jpeg.tar.gz");

    /**
     * Ports to listen on; 0 picks a free one.
     *
     * @param metrics the process's Prometheus metrics, all services together (default 9400: beside the
     *                standalone services' 9401-9404, as 50051-50054 are the same for both)
     * @param dashboard the web dashboard of the run service (default 8080, as the sampler service's; -1: none)
     */
    public record Ports(int kafka, int s3, int sampler, int augment, int trainer, int evaluator, int metrics,
                        int dashboard) {
        public static final int METRICS_PORT = 9400;
        public static final Ports DEFAULT = new Ports(0, 0, Config.SAMPLER_PORT, Config.AUGMENT_PORT, Config.TRAINER_PORT,
                Config.EVALUATOR_PORT, METRICS_PORT, DashboardServer.DEFAULT_PORT);
        public static final Ports ANY = new Ports(0, 0, 0, 0, 0, 0, 0, 0);

        /** The same, with the dashboard on {@code port} (0: a free one; -1: none). */
        public Ports withDashboard(int port) {
            return new Ports(kafka, s3, sampler, augment, trainer, evaluator, metrics, port);
        }
    }

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Thread exitHook = new Thread(this::stopAtExit, "lt-up-exit");
    private boolean closed;
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;
    private String[] s3Keys;
    private final Config config;
    private final Map<String, Object> endpoints = new LinkedHashMap<>();
    private final Path stateDir;

    private AllInOne(Path stateDir, Config config) {
        this.stateDir = stateDir;
        this.config = config;
    }

    /**
     * @param augmentWorkers augment replicas in the process (each a member of the shards' group)
     */
    public static AllInOne start(Path stateDir, Path dataDir, Ports ports, int augmentWorkers,
                                 Map<String, String> extraEnv) throws IOException {
        // The owner's only: a directory made here, or one that is already a state directory (never
        // a shared one like /tmp or a home directory given as --state-dir).
        if (!Files.exists(stateDir) || Files.exists(stateDir.resolve(ENDPOINTS)) || Files.isDirectory(stateDir.resolve("kafka"))) {
            Owner.only(stateDir);
        }
        Files.createDirectories(stateDir);
        EmbeddedKafka kafka = EmbeddedKafka.start(stateDir.resolve("kafka"), ports.kafka());
        String accessKey = "lt-" + random(12);
        String secretKey = random(32);
        EmbeddedS3 s3;
        try {
            s3 = EmbeddedS3.start(stateDir.resolve("s3"), ports.s3(), accessKey, secretKey);
        } catch (IOException | RuntimeException e) {
            kafka.close(KAFKA_STOP_LIMIT);
            throw e;
        }
        Map<String, String> env = new HashMap<>(Map.of(
                Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                Config.S3_ENDPOINT, s3.endpoint(),
                Config.WORK_DIR, stateDir.resolve("work").toString(),
                Config.DATA_DIR, dataDir.toString(),
                Config.INSTANCE, "lt-up"));
        env.putAll(extraEnv);
        Config config = Config.from(env, 0).withS3Credentials(accessKey, secretKey).withGrpc(GrpcSecurity.LOOPBACK);
        // One process: a consumer of a process that was killed is taken for gone after 10 s, not Kafka's 45.
        config = config.withKafkaClients(config.kafkaClients().with(Map.of("session.timeout.ms", "10000")));
        AllInOne all = new AllInOne(stateDir, config);
        all.kafka = kafka;
        all.s3 = s3;
        all.s3Keys = new String[] {accessKey, secretKey};
        all.parts.add((AutoCloseable) () -> all.s3.close());
        all.parts.add((AutoCloseable) () -> {
            if (!all.kafka.close(KAFKA_STOP_LIMIT)) {
                all.kafkaStuck = true;
                System.err.println("lt: the embedded Kafka broker did not stop within " + KAFKA_STOP_LIMIT.toSeconds() + " s");
            }
        });
        Runtime.getRuntime().addShutdownHook(all.exitHook);
        try {
            all.startServices(ports, augmentWorkers, dataDir);
            all.endpoints.put("kafka", kafka.bootstrapServers());
            all.endpoints.put("s3", s3.endpoint());
            all.endpoints.put("bucket", config.s3Bucket());
            ObjectMapper json = new ObjectMapper();
            Owner.write(stateDir.resolve(ENDPOINTS), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(all.endpoints));
            Map<String, String> credentials = new LinkedHashMap<>();
            credentials.put("s3", s3.endpoint());
            credentials.put("bucket", config.s3Bucket());
            credentials.put("access_key", accessKey);
            credentials.put("secret_key", secretKey);
            Owner.write(stateDir.resolve(CREDENTIALS), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(credentials));
        } catch (IOException | RuntimeException e) {
            all.close();
            throw e;
        }
        return all;
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private void startServices(Ports ports, int augmentWorkers, Path dataDir) throws IOException {
        ServiceMetrics metrics = ServiceMetrics.start();
        parts.add(0, metrics);
        String bind = config.grpc().bind();
        String metricsUrl = "http://" + bind + ":" + metrics.serve(bind, ports.metrics()) + ServiceMetrics.PATH;
        ObjectStore store = ObjectStore.connect(config);
        parts.add(0, store);
        store.ensureBucket();
        Topics.ensure(config);
        seedDatasets(store, dataDir);
        EventBus bus = EventBus.connect(config, "lt-up");
        parts.add(0, bus);
        SamplerServer sampler = new SamplerServer(new Platform(config.withGrpcPort(ports.sampler())
                .withInstance("lt-up-sampler"), store, bus, metrics), ports.dashboard());
        parts.add(0, sampler);
        endpoints.put("sampler", "127.0.0.1:" + sampler.port());
        if (sampler.dashboardUrl() != null) {
            endpoints.put("dashboard", sampler.dashboardUrl());
        }
        for (int i = 0; i < Math.max(1, augmentWorkers); i++) {
            Config c = config.withGrpcPort(ports.augment()).withInstance("lt-up-augment-" + i);
            AugmentServer augment = new AugmentServer(new Platform(c, store, bus, metrics), i == 0);
            parts.add(0, augment);
            if (i == 0) {
                endpoints.put("augment", "127.0.0.1:" + augment.port());
            }
        }
        TrainerServer trainer = new TrainerServer(new Platform(config.withGrpcPort(ports.trainer())
                .withInstance("lt-up-trainer"), store, bus, metrics));
        parts.add(0, trainer);
        endpoints.put("trainer", "127.0.0.1:" + trainer.port());
        EvaluatorServer evaluator = new EvaluatorServer(new Platform(config.withGrpcPort(ports.evaluator())
                .withInstance("lt-up-evaluator"), store, bus, metrics));
        parts.add(0, evaluator);
        endpoints.put("evaluator", "127.0.0.1:" + evaluator.port());
        endpoints.put("metrics", metricsUrl);
    }

    private static void seedDatasets(ObjectStore store, Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dataDir)) {
            for (Path f : files.filter(p -> DATASET_FILES.contains(p.getFileName().toString())).toList()) {
                String key = Keys.DATASETS + f.getFileName();
                if (!store.exists(key)) {
                    store.putFile(key, f, "application/gzip");
                }
            }
        }
    }

    public Config config() {
        return config;
    }

    /** host:port of each service, Kafka and S3. */
    public Map<String, Object> endpoints() {
        return endpoints;
    }

    public String samplerTarget() {
        return (String) endpoints.get("sampler");
    }

    /** Where the web dashboard is (http://127.0.0.1:PORT/), null when it is not served. */
    public String dashboardUrl() {
        return (String) endpoints.get("dashboard");
    }

    /** Where the process's Prometheus metrics are served: http://127.0.0.1:PORT/metrics. */
    public String metricsUrl() {
        return (String) endpoints.get("metrics");
    }

    public Path stateDir() {
        return stateDir;
    }

    private volatile boolean kafkaStuck;

    /**
     * Takes the storage server away for {@code down} and brings it back on the same port with the
     * same objects: a storage outage as the services see one (fault tests).
     */
    synchronized void storageOutage(java.time.Duration down) throws IOException, InterruptedException {
        int port = java.net.URI.create(s3.endpoint()).getPort();
        s3.close();
        Thread.sleep(down.toMillis());
        s3 = EmbeddedS3.start(stateDir.resolve("s3"), port, s3Keys[0], s3Keys[1]);
    }

    /** Stops the broker, waits {@code down}, and starts it again on the same port and log (fault tests). */
    synchronized void brokerRestart(java.time.Duration down) throws IOException, InterruptedException {
        int port = Integer.parseInt(kafka.bootstrapServers().substring(kafka.bootstrapServers().lastIndexOf(':') + 1));
        if (!kafka.close(KAFKA_STOP_LIMIT)) {
            throw new IllegalStateException("the embedded broker did not stop within " + KAFKA_STOP_LIMIT.toSeconds() + " s");
        }
        Thread.sleep(down.toMillis());
        kafka = EmbeddedKafka.start(stateDir.resolve("kafka"), port);
    }

    /** Stops everything (services first, the broker last); the broker is given {@code 25 s}. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException | IllegalArgumentException exiting) {
            // The process is exiting: the hook is running or has run.
        }
        closeParts();
    }

    private synchronized void closeParts() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception ignored) {
                // Best effort: shut down everything else.
            }
        }
        parts.clear();
    }

    /** At exit with the system running: stop it, halting the process when that does not end in time. */
    private void stopAtExit() {
        Thread stopper = new Thread(this::closeParts, "lt-up-stop");
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(STOP_LIMIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive() || kafkaStuck) {
            System.err.println("lt: the embedded system did not stop in time; halting");
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
    }
}
