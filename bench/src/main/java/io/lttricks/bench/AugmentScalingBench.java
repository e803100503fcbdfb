package io.lttricks.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.util.Progress;
import io.lttricks.embedded.EmbeddedKafka;
import io.lttricks.embedded.EmbeddedS3;
import io.lttricks.platform.Config;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.AugmentServiceGrpc;
import io.lttricks.proto.v1.GenerateRequest;
import io.lttricks.proto.v1.GenerationStatus;
import io.lttricks.proto.v1.GetGenerationRequest;
import io.lttricks.proto.v1.Stage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * How a CAM stage speeds up with augment replicas: an embedded Kafka broker and S3 server in this
 * process, and N augment-service processes started exactly as a container starts them (their own
 * {@code main}, configured by environment variables), each held to a fixed number of CPUs the way
 * a pod's CPU limit holds a JVM ({@code -XX:ActiveProcessorCount}, libtorch threads). A gRPC client
 * asks one replica to generate the set; the time is from the request to the set's manifest.
 */
@Command(name = "augment-scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times one CAM generation stage with 1, 2, ... augment-service replicas; used by bench/augment-scaling.")
final class AugmentScalingBench implements Callable<Integer> {
    private static final Path TASKSET = Path.of("/usr/bin/taskset");
    private static final String ACCESS_KEY = "lttricks-bench";
    private static final String SECRET_KEY = "lttricks-bench-secret";

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "An lt train run directory: its last stage's final.ckpt"
            + " makes the maps, its manifest.json is the training set.")
    Path runDir;

    @Option(names = "--replicas", split = ",", defaultValue = "1,2", description = "Replica counts to time (default 1,2).")
    List<Integer> replicas;

    @Option(names = "--cpus", defaultValue = "1", description = "CPUs each replica may use (default 1).")
    int cpus;

    @Option(names = "--shards", defaultValue = "8", description = "Shard jobs per stage (default 8).")
    int shards;

    @Option(names = "--rounds", defaultValue = "1", description = "Times each replica count is timed (default 1).")
    int rounds;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        RunLayout run = new RunLayout(runDir);
        Path manifest = run.manifest();
        if (!Files.exists(manifest)) {
            throw new IllegalArgumentException(runDir + " has no manifest.json: give the directory of an lt train run");
        }
        Path checkpoint = lastFinalCheckpoint(runDir);
        Recipe recipe = TrainingRun.readRunRecipe(runDir).recipe();
        // Extract the data set into the shared cache now, so that no timed replica pays for it.
        new Datasets(data.dataDir(), false, Progress.SILENT).load(recipe.dataset().withManifest(manifest.toString()));
        Path jar = Path.of(AugmentScalingBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path state = Files.createTempDirectory("lt-bench-augment");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("kafka"), 0);
             EmbeddedS3 s3 = EmbeddedS3.start(state.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY)) {
            Map<String, String> env = new HashMap<>(Map.of(
                    Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.S3_ENDPOINT, s3.endpoint(),
                    Config.S3_ACCESS_KEY, ACCESS_KEY,
                    Config.S3_SECRET_KEY, SECRET_KEY,
                    Config.DATA_DIR, data.dataDir().toAbsolutePath().toString(),
                    Config.TOPIC_PARTITIONS, String.valueOf(Math.max(shards, 1))));
            env.put(io.lttricks.platform.grpc.GrpcSecurity.BIND, "127.0.0.1");   // replicas on this machine only: no tokens needed
            Config config = Config.from(env, 0);
            try (ObjectStore store = ObjectStore.connect(config)) {
                store.ensureBucket();
                Topics.ensure(config);
                store.putFile("bench/manifest.json", manifest, "application/json");
                store.putFile("bench/first.ckpt", checkpoint, "application/zip");
            }
            var dataset = RecipeMapper.toProto(recipe).getDataset();
            int most = replicas.stream().mapToInt(Integer::intValue).max().orElse(1);
            System.out.printf("machine: %d cores; each replica %d CPU(s)%s; %d shards; model %s%n",
                    Runtime.getRuntime().availableProcessors(), cpus, Files.isExecutable(TASKSET)
                            ? " (taskset)" : " (no taskset: thread counts only)", shards, checkpoint);
            if (Files.isExecutable(TASKSET) && most * cpus > allowedCores().size()) {
                System.out.printf("note: %d replicas x %d CPU(s) exceed the %d cores here: replicas share cores%n",
                        most, cpus, allowedCores().size());
            }
            Map<Integer, List<Double>> cold = new java.util.TreeMap<>();
            Map<Integer, List<Double>> warm = new java.util.TreeMap<>();
            int job = 0;
            for (int round = 1; round <= rounds; round++) {
                for (int n : replicas) {
                    double[] s = timeStages(jar, env, state, n, dataset, "bench/out-" + (job++));
                    cold.computeIfAbsent(n, k -> new ArrayList<>()).add(s[0]);
                    warm.computeIfAbsent(n, k -> new ArrayList<>()).add(s[1]);
                    System.out.printf(Locale.ROOT, "round %d: %d replica(s): cold %.1f s, warm %.1f s%n", round, n, s[0], s[1]);
                }
            }
            int first = replicas.get(0);
            System.out.printf("%nreplicas  cold s (median)  speed-up  warm s (median)  speed-up   (vs %d replica(s))%n", first);
            for (int n : cold.keySet()) {
                System.out.printf(Locale.ROOT, "%8d  %15.1f  %8.2f  %15.1f  %8.2f%n", n, median(cold.get(n)),
                        median(cold.get(first)) / median(cold.get(n)), median(warm.get(n)),
                        median(warm.get(first)) / median(warm.get(n)));
            }
        } finally {
            if (System.getenv("LT_BENCH_KEEP") == null) {
                LtBench.deleteTree(state);
            } else {
                System.out.println("kept " + state);
            }
        }
        return 0;
    }

    /**
     * Starts n replicas and times two stages on them: "cold", the first after they start (each
     * replica loads the data set and the model with its first shard), and "warm", a second stage
     * from the same model and data (cached), as long-running replicas see most stages.
     */
    private double[] timeStages(Path jar, Map<String, String> env, Path state, int n, io.lttricks.proto.v1.Dataset dataset,
                                String prefix) throws Exception {
        List<Process> procs = new ArrayList<>();
        int port = -1;
        try {
            for (int i = 0; i < n; i++) {
                int p = freePort();
                port = i == 0 ? p : port;
                List<String> cmd = new ArrayList<>();
                List<Integer> cores = coresFor(i);
                if (!cores.isEmpty()) {
                    cmd.addAll(List.of(TASKSET.toString(), "-c", cores.stream().map(String::valueOf)
                            .collect(java.util.stream.Collectors.joining(","))));
                }
                cmd.addAll(List.of(javaBin(), "-XX:ActiveProcessorCount=" + cpus,
                        "-Dai.djl.pytorch.num_threads=" + cpus, "-Dai.djl.pytorch.num_interop_threads=1",
                        "-cp", jar.toString(), "io.lttricks.augment.AugmentServer"));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().putAll(env);
                pb.environment().put(Config.GRPC_PORT, String.valueOf(p));
                pb.environment().put(Config.METRICS_PORT, "0");   // replicas on one machine: no metrics endpoints
                pb.environment().put(Config.INSTANCE, instance(prefix, i));
                pb.environment().put(Config.WORK_DIR, state.resolve("work-" + i).toString());
                pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        state.resolve("replica-" + i + ".log").toFile()));
                procs.add(pb.start());
            }
            List<String> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(Topics.group(Topics.GROUP_AUGMENT, Config.from(env, 0)) + "-" + instance(prefix, i));
            }
            awaitGroup(env.get(Config.KAFKA_BOOTSTRAP), Topics.group(Topics.GROUP_AUGMENT, Config.from(env, 0)), clients,
                    procs);
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                awaitServing(channel, procs);
                var stub = AugmentServiceGrpc.newBlockingStub(channel);
                return new double[] {timeStage(stub, env, procs, state, dataset, prefix + "-cold"),
                    timeStage(stub, env, procs, state, dataset, prefix + "-warm")};
            } catch (StatusRuntimeException e) {
                throw new IllegalStateException("augment service: " + e.getStatus(), e);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private double timeStage(AugmentServiceGrpc.AugmentServiceBlockingStub stub, Map<String, String> env,
                             List<Process> procs, Path state, io.lttricks.proto.v1.Dataset dataset, String prefix)
            throws Exception {
        long start = System.nanoTime();
        long startMs = System.currentTimeMillis();
        GenerationStatus submitted = stub.withDeadlineAfter(30, TimeUnit.SECONDS).generate(GenerateRequest.newBuilder()
                .setDataset(dataset).setStage(Stage.newBuilder().setName("cam").setMethod("cam"))
                .setManifestKey("bench/manifest.json").setCheckpointKey("bench/first.ckpt").setOutputPrefix(prefix)
                .setShards(shards).build());
        long deadline = System.currentTimeMillis() + 20 * 60_000;
        while (System.currentTimeMillis() < deadline) {
            GenerationStatus st = stub.withDeadlineAfter(30, TimeUnit.SECONDS).getGeneration(
                    GetGenerationRequest.newBuilder().setOutputPrefix(prefix).build());
            if (!st.getManifestKey().isEmpty()) {
                double seconds = (System.nanoTime() - start) / 1e9;
                printShards(env, submitted.getRunId(), startMs);
                return seconds;
            }
            for (Process p : procs) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("an augment replica exited (" + p.exitValue() + "); see its log in "
                            + state + " (LT_BENCH_KEEP=1 keeps it)");
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the stage did not finish in 20 minutes");
    }

    /** Which replica made which shard, and when (seconds after the request), from the run's events. */
    private void printShards(Map<String, String> env, String runId, long startMs) {
        Map<String, List<String>> byWorker = new java.util.TreeMap<>();
        int[] seen = {0};
        long until = System.currentTimeMillis() + 10_000;
        try (io.lttricks.platform.bus.EventTail tail = new io.lttricks.platform.bus.EventTail(Config.from(env, 0), runId, false)) {
            tail.follow(e -> {
                if (e.hasShard()) {
                    byWorker.computeIfAbsent(e.getShard().getWorker(), k -> new ArrayList<>()).add(String.format(Locale.ROOT,
                            "%d@%.1fs", e.getShard().getShard(), (e.getTimeMs() - startMs) / 1e3));
                    seen[0]++;
                }
                return seen[0] < shards;
            }, () -> System.currentTimeMillis() > until);
        }
        byWorker.forEach((w, list) -> System.out.println("    " + w + ": shards " + String.join(" ", list)));
    }

    /** The final model of the run's last finished stage (stage directories sort by their position). */
    private static Path lastFinalCheckpoint(Path runDir) throws IOException {
        try (Stream<Path> dirs = Files.list(runDir)) {
            return dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder())
                    .map(d -> new RunLayout.Stage(d).finalCheckpoint()).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(runDir + " holds no finished stage (no final.ckpt)"));
        }
    }

    private static String instance(String prefix, int replica) {
        return prefix.substring(prefix.lastIndexOf('/') + 1) + "-replica-" + replica;
    }

    /** Waits until the replica behind the channel answers its health check. */
    private static void awaitServing(ManagedChannel channel, List<Process> procs) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                var status = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus();
                if (status == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                // not listening yet
            }
            if (procs.stream().anyMatch(p -> !p.isAlive())) {
                throw new IllegalStateException("an augment replica exited before serving");
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the first augment replica did not serve in a minute");
    }

    /**
     * Waits until exactly these replicas (client ids) form the shard consumer group and own
     * partitions: members of an earlier round may linger until their session times out.
     */
    private static void awaitGroup(String bootstrap, String groupId, List<String> clients, List<Process> procs)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline) {
                if (Topics.membersWithPartitions(admin, groupId).stream().sorted().toList()
                        .equals(clients.stream().sorted().toList())) {
                    return;
                }
                if (procs.stream().anyMatch(p -> !p.isAlive())) {
                    throw new IllegalStateException("an augment replica exited before joining its consumer group");
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException(clients.size() + " augment replicas did not form the consumer group in 2 minutes");
    }

    /**
     * The cores replica i is pinned to (a pod's CPU limit, on one machine): {@code cpus} of the
     * cores this process may use, replica after replica, wrapping round when there are more
     * replicas than cores. Empty where taskset is missing: then only the JVM's and libtorch's
     * thread counts hold a replica back, and a "1-CPU" replica can use more.
     */
    private List<Integer> coresFor(int replica) throws IOException {
        if (!Files.isExecutable(TASKSET)) {
            return List.of();
        }
        List<Integer> allowed = allowedCores();
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < cpus; k++) {
            out.add(allowed.get((replica * cpus + k) % allowed.size()));
        }
        return out;
    }

    private static List<Integer> allowedCores() throws IOException {
        List<Integer> cores = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                for (String part : line.substring(line.indexOf(':') + 1).trim().split(",")) {
                    String[] ends = part.split("-");
                    int from = Integer.parseInt(ends[0].trim());
                    int to = Integer.parseInt(ends[ends.length - 1].trim());
                    for (int c = from; c <= to; c++) {
                        cores.add(c);
                    }
                }
            }
        }
        if (cores.isEmpty()) {
            for (int c = 0; c < Runtime.getRuntime().availableProcessors(); c++) {
                cores.add(c);
            }
        }
        return cores;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }
}
