package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lttricks.core.data.Archives;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.util.Progress;
import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.EventTail;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.Exposition;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.WatchRunRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The whole system in this JVM for the Services*Test classes, started once and shared (starting it
 * costs about 15 s): a real Kafka broker and S3 server, the four services with two augment workers,
 * and a small ImageFolder data set in storage. A test class gets it as a constructor parameter with
 * {@code @ExtendWith(ServicesFixture.Resolver.class)}; JUnit closes it after the last test.
 *
 * <p>The pipeline run ({@link #pipeline()}: first stage, CAM generation, deferred stage on original
 * + generated images) is made once too, by whichever test asks first.
 */
public final class ServicesFixture implements ExtensionContext.Store.CloseableResource {
    static final String[] CLASSES = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
    /** Downloads off: a test never reaches for the network, and a missing CIFAR is refused at submission. */
    static final Map<String, String> ENV = Map.of(Config.AUGMENT_SHARDS, "16", Config.TOPIC_PARTITIONS, "8",
            Config.DOWNLOADS, "off");
    static final int AUGMENT_WORKERS = 2;

    /**
     * The pipeline: a first stage, CAM-based sampling from its best test epoch's weights (the
     * trainer keeps them, the augment service reads them), a deferred stage on original + generated
     * images.
     */
    static final String PIPELINE = "name: it\n"
            + "dataset: {name: imagefolder, source: 's3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 10}\n"
            + "backbone: resnet20\nseed: 1\nprofile: quick\nstages:\n"
            + "  - {name: first, role: first_stage, epochs: 2, batch_size: 16, lr: 0.05}\n"
            + "  - {name: cam, type: cam, threshold_factor: 0.75, maps_from: best_test_epoch}\n"
            + "  - {name: deferred, role: deferred, epochs: 1, batch_size: 16, generated: cam, sampler: class_balanced}\n";

    /**
     * A finished run, what its watcher saw, and what {@code /metrics} said: the training series
     * ({@code lt_train_*} lines) of each scrape made while it ran, and a whole scrape after its end.
     */
    public record Finished(RunStatus submitted, List<RunEvent> events, List<String> trainingScrapes, String finalScrape) {
        public String runId() {
            return submitted.getRunId();
        }
    }

    private final Path dir;
    private AllInOne all;
    private ManagedChannel channel;
    private ObjectStore store;
    private Finished pipeline;

    private ServicesFixture(Path dir) throws Exception {
        this.dir = dir;
        start();
        store.put("datasets/mini-cifar.tar.gz", miniCifar(dir.resolve("mini-src")), "application/gzip");
    }

    /** Gives test classes the one fixture of this JVM. */
    public static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
            return p.getParameter().getType() == ServicesFixture.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(ServicesFixture.class,
                    k -> {
                        try {
                            return new ServicesFixture(Files.createTempDirectory("lt-services-it"));
                        } catch (Exception e) {
                            throw new IllegalStateException("cannot start the embedded system: " + e, e);
                        }
                    }, ServicesFixture.class);
        }
    }

    private void start() throws Exception {
        org.apache.kafka.common.utils.internals.Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked to halt (" + code + "): " + message);
        });
        org.apache.kafka.common.utils.internals.Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka asked to exit (" + code + "): " + message);
        });
        System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, dir.resolve("cache").toString());
        all = AllInOne.start(dir.resolve("state"), dir.resolve("no-data"), AllInOne.Ports.ANY, AUGMENT_WORKERS, ENV);
        store = ObjectStore.connect(all.config());
        channel = ManagedChannelBuilder.forTarget(all.samplerTarget()).usePlaintext().build();
        awaitGroupMembers(Topics.GROUP_AUGMENT, AUGMENT_WORKERS);
    }

    /** Stops the whole system and starts it again on the same state (what a machine restart does). */
    synchronized void restart() throws Exception {
        stop();
        start();
    }

    private void stop() {
        channel.shutdownNow();
        store.close();
        all.close();
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // Best effort: it is a temporary directory.
        }
    }

    ManagedChannel channel() {
        return channel;
    }

    public RunServiceGrpc.RunServiceBlockingStub runs() {
        return RunServiceGrpc.newBlockingStub(channel);
    }

    public ObjectStore store() {
        return store;
    }

    Config config() {
        return all.config();
    }

    /** The run service's web dashboard: http://127.0.0.1:PORT/. */
    public String dashboardUrl() {
        return all.dashboardUrl();
    }

    public String endpoint(String service) {
        return (String) all.endpoints().get(service);
    }

    /** Storage away for {@code down}, then back with the same objects (see {@link AllInOne#storageOutage}). */
    void storageOutage(Duration down) throws Exception {
        all.storageOutage(down);
    }

    /** The broker stopped for {@code down}, then started again on its port and log. */
    void brokerRestart(Duration down) throws Exception {
        all.brokerRestart(down);
    }

    /** The pipeline run, finished (run once per JVM). */
    public synchronized Finished pipeline() {
        if (pipeline == null) {
            List<String> scrapes = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread scraper = new Thread(() -> scrapeTraining(scrapes), "it-metrics-scraper");
            scraper.setDaemon(true);
            scraper.start();
            RunStatus submitted = submit(PIPELINE, "it-1");
            List<RunEvent> events;
            String finalScrape;
            try {
                events = watch(submitted.getRunId());
            } finally {
                scraper.interrupt();
            }
            try {
                scraper.join(5_000);
                finalScrape = Exposition.scrape(all.metricsUrl());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot read " + all.metricsUrl(), e);
            }
            RunEvent last = events.get(events.size() - 1);
            assertTrue(last.hasFinished(), "watch ends with the run");
            assertEquals(RunPhase.RUN_SUCCEEDED, last.getFinished().getPhase(),
                    last.getFinished().getMessage() + "\n" + failures(events));
            pipeline = new Finished(submitted, events, List.copyOf(scrapes), finalScrape);
        }
        return pipeline;
    }

    /** Scrapes {@code /metrics} as Prometheus would, every 200 ms until interrupted, keeping the training lines. */
    private void scrapeTraining(List<String> into) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                String text = Exposition.scrape(all.metricsUrl());
                into.add(text.lines().filter(l -> l.startsWith("lt_train_"))
                        .collect(java.util.stream.Collectors.joining("\n")));
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                into.add("# scrape failed: " + e);
            }
        }
    }

    RunStatus submit(String yaml, String requestId) {
        return runs().submit(SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml)))
                .setRequestId(requestId).build());
    }

    /** The run's events from its start until it ends, as lt watch shows them. */
    List<RunEvent> watch(String runId) {
        List<RunEvent> events = new ArrayList<>();
        Iterator<RunEvent> it = runs().withDeadlineAfter(10, TimeUnit.MINUTES)
                .watch(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (it.hasNext()) {
            events.add(it.next());
        }
        return events;
    }

    /**
     * Reads the run's event log from its beginning (past its end, unlike watch) until {@code count}
     * events match, and returns those; fails after {@code timeout}.
     */
    List<RunEvent> awaitEvents(String runId, Predicate<RunEvent> match, int count, Duration timeout) {
        List<RunEvent> seen = new ArrayList<>();
        long until = System.currentTimeMillis() + timeout.toMillis();
        try (EventTail tail = new EventTail(all.config(), runId, false)) {
            tail.follow(e -> {
                if (match.test(e)) {
                    seen.add(e);
                }
                return seen.size() < count;
            }, () -> System.currentTimeMillis() > until);
        }
        assertTrue(seen.size() >= count, "only " + seen.size() + " of " + count + " events in " + timeout + ": " + seen);
        return seen;
    }

    static String failures(List<RunEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (RunEvent e : events) {
            if (e.hasFailed()) {
                sb.append(e.getStage()).append(": ").append(e.getFailed().getReason()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Publishes again the first job on {@code topic} that {@code which} accepts, as a redelivery after a crash would. */
    <T extends com.google.protobuf.Message> T redeliver(String topic, com.google.protobuf.Parser<T> parser, Predicate<T> which)
            throws com.google.protobuf.InvalidProtocolBufferException {
        return redeliver(topic, parser, which, j -> j);
    }

    /**
     * {@link #redeliver(String, com.google.protobuf.Parser, Predicate)} of the job as {@code as} makes it;
     * e.g. under another run id, which the workers do not know as ended, so that it runs as a redelivered
     * job of a live run would (the workers commit jobs of ended runs without running them).
     */
    <T extends com.google.protobuf.Message> T redeliver(String topic, com.google.protobuf.Parser<T> parser, Predicate<T> which,
                                                        java.util.function.UnaryOperator<T> as)
            throws com.google.protobuf.InvalidProtocolBufferException {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, all.config().kafkaBootstrap(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "it-redeliver-" + topic + "-" + System.nanoTime()),
                new StringDeserializer(), new ByteArrayDeserializer());
             EventBus bus = EventBus.connect(all.config(), "it")) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    T job = parser.parseFrom(r.value());
                    if (which.test(job)) {
                        T again = as.apply(job);
                        bus.publish(topic, r.key(), again);
                        return again;
                    }
                }
            }
        }
        throw new AssertionError("no such job on " + topic);
    }

    void awaitGroupMembers(String group, int members) throws Exception {
        String id = Topics.group(group, all.config());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, all.config().kafkaBootstrap()))) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                if (Topics.membersWithPartitions(admin, id).size() >= members) {
                    return;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("group " + Topics.group(group, all.config()) + " never had " + members
                + " members with partitions");
    }

    /** 40 training and 10 test images per class: real CIFAR-10 when the workspace has it, otherwise coloured noise. */
    static byte[] miniCifar(Path dir) throws Exception {
        Path shared = SharedDataLocator.cifar10Jpeg();
        Path root = dir.resolve("mini-cifar");
        Random r = new Random(3);
        for (String split : new String[] {"train", "test"}) {
            int n = split.equals("train") ? 40 : 10;
            for (int c = 0; c < CLASSES.length; c++) {
                Path classDir = root.resolve(split).resolve(CLASSES[c]);
                Files.createDirectories(classDir);
                for (int i = 0; i < n; i++) {
                    Path out = classDir.resolve(String.format("%04d.jpg", i));
                    if (shared != null) {
                        Path extracted = Archives.extractOnce(shared, Progress.SILENT);
                        Files.copy(extracted.resolve("cifar-10-jpeg").resolve(split).resolve(CLASSES[c])
                                .resolve(String.format("%04d.jpg", i)), out);
                    } else {
                        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                        for (int y = 0; y < 32; y++) {
                            for (int x = 0; x < 32; x++) {
                                img.setRGB(x, y, (c * 25 << 16) ^ r.nextInt(1 << 16));
                            }
                        }
                        ImageIO.write(img, "jpg", out.toFile());
                    }
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted().toList()) {
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                    TarArchiveEntry e = new TarArchiveEntry(p.toFile(), root.getParent().relativize(p).toString());
                    tar.putArchiveEntry(e);
                    Files.copy(p, tar);
                    tar.closeArchiveEntry();
                }
            }
        }
        return bytes.toByteArray();
    }
}
