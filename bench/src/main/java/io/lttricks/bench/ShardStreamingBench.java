package io.lttricks.bench;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.ImageFolder;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.LongTailProfile;
import io.lttricks.core.data.ShardCache;
import io.lttricks.core.data.ShardSet;
import io.lttricks.core.data.ShardSetWriter;
import io.lttricks.core.data.ShardStream;
import io.lttricks.core.data.ShardedImages;
import io.lttricks.core.data.Split;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.run.RunListener;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.BatchLoader;
import io.lttricks.core.transform.ImageNetTransforms;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.util.Progress;
import io.lttricks.embedded.EmbeddedS3;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.store.S3ObjectStore;
import io.lttricks.platform.store.StoreShardSource;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A data set of ImageNet-LT's shape streamed from object storage through a shard cache a quarter
 * of its size, against the same images read from a local directory: decode-and-augment
 * throughput, peak disk use of the cache, resident memory over the epochs, and a short training
 * run and an evaluation on the streamed set. Prints one JSON line per measurement and a summary;
 * bench/shard-streaming runs it.
 */
@Command(name = "shard-streaming", mixinStandardHelpOptions = true,
        description = "An ImageNet-LT-shaped set streamed from storage through a bounded shard cache, against a local"
                + " directory; used by bench/shard-streaming.")
final class ShardStreamingBench implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "Work directory: the generated ImageFolder, storage, cache.")
    Path dir;

    @Option(names = "--classes", defaultValue = "1000", description = "Classes (ImageNet-LT: 1000).")
    int classes;

    @Option(names = "--head", defaultValue = "1280", description = "Images of the largest class (ImageNet-LT: 1280).")
    int head;

    @Option(names = "--tail", defaultValue = "5", description = "Images of the smallest class (ImageNet-LT: 5).")
    int tail;

    @Option(names = "--pareto-alpha", defaultValue = "3",
            description = "Shape of the counts (3: about 116,000 images for 1000 classes, 1280 to 5, as ImageNet-LT's 115,846).")
    double alpha;

    @Option(names = "--test-per-class", defaultValue = "10", description = "Test images a class (ImageNet-LT: 50).")
    int testPerClass;

    @Option(names = "--cache-fraction", defaultValue = "0.25", description = "Shard cache limit as a share of the set.")
    double cacheFraction;

    @Option(names = "--shard-size", defaultValue = "16Mi", description = "Largest shard.")
    String shardSize;

    @Option(names = "--size", defaultValue = "64", description = "Side of the augmented crop (the trainer's is 224).")
    int size;

    @Option(names = "--threads", defaultValue = "2", description = "Loader threads.")
    int threads;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per batch.")
    int batchSize;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of local then streamed epochs.")
    int rounds;

    @Option(names = "--train-steps", defaultValue = "300", description = "Steps of the short training run (0: none).")
    int trainSteps;

    @Option(names = "--train-batch", defaultValue = "16", description = "Batch of the short training run (ResNet-10, 224).")
    int trainBatch;

    @Option(names = "--endpoint", description = "An S3 server already running (bench/lt-bench s3-server), so that its CPU"
            + " time is not this process's; default: one in this process.")
    String endpoint;

    private final List<long[]> samples = new ArrayList<>();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    @Override
    public Integer call() throws Exception {
        Path folder = dir.resolve("imagefolder");
        int[] counts = new LongTailProfile.Pareto((double) head / tail, alpha).counts(classes, head);
        if (!Files.exists(folder.resolve("done"))) {
            generate(folder, counts);
        }
        FileImages train = ImageFolder.open(folder.resolve("train"));
        FileImages test = ImageFolder.open(folder.resolve("test"));
        long localBytes = 0;
        for (int i = 0; i < train.size(); i++) {
            localBytes += Files.size(train.path(i));
        }
        System.out.printf(Locale.ROOT, "{\"set\": \"imagenet-lt-shaped\", \"classes\": %d, \"train_images\": %d,"
                        + " \"largest\": %d, \"smallest\": %d, \"test_images\": %d, \"train_bytes\": %d}%n",
                classes, train.size(), counts[0], counts[counts.length - 1], test.size(), localBytes);

        Path storage = dir.resolve("s3");
        String access = "bench-access";
        String secret = "bench-secret-key";
        try (EmbeddedS3 s3 = endpoint == null ? EmbeddedS3.start(storage, 0, access, secret) : null;
             ObjectStore store = new S3ObjectStore(endpoint == null ? s3.endpoint() : endpoint, access, secret,
                     "us-east-1", "lttricks")) {
            store.ensureBucket();
            String prefix = "datasets/imagenet-lt-shaped/";
            ShardSet index;
            if (!store.exists(prefix + ShardSet.INDEX)) {
                long t0 = System.nanoTime();
                Path scratch = Files.createDirectories(dir.resolve("scratch"));
                index = new ShardSetWriter(ShardCache.parseSize(shardSize, "--shard-size"), scratch, Progress.SILENT)
                        .write(train, test, folder.toString(), sink(store, prefix));
                System.out.printf(Locale.ROOT, "{\"sharded_seconds\": %.1f, \"shards\": %d, \"bytes\": %d}%n",
                        (System.nanoTime() - t0) / 1e9, index.shards().size(), index.bytes());
            } else {
                index = ShardSet.parse(store.get(prefix + ShardSet.INDEX), prefix + ShardSet.INDEX);
            }
            long trainShardBytes = index.shards().stream().filter(s -> s.name().startsWith("train"))
                    .mapToLong(ShardSet.Shard::bytes).sum();
            long limit = (long) (cacheFraction * index.bytes());
            Path cacheDir = dir.resolve("cache");
            deleteTree(cacheDir);
            ShardCache cache = new ShardCache(cacheDir, limit);
            Thread sampler = startSampler(cacheDir);
            try (ShardStream stream = ShardStream.open(new StoreShardSource(store, prefix), cache, false)) {
                ShardedImages streamed = ShardedImages.open(stream, Split.TRAIN);
                ImageTransform transform = ImageNetTransforms.train(size, true);
                int[] instance = permutation(train.size(), 1);
                int[] balanced = classBalanced(train, 2);
                List<Double> ratios = new ArrayList<>();
                // Warm-up (the JIT), unmeasured: the first 64 batches of another order, from each side.
                int[] warm = Arrays.copyOf(permutation(train.size(), 9), Math.min(train.size(), 64 * batchSize));
                epoch("warm-up local", train, warm, transform, 9, null);
                epoch("warm-up streamed", streamed, warm, transform, 9, stream);
                rssByRound.clear();
                long rss0 = rss();
                for (int r = 0; r < rounds; r++) {
                    double local = epoch("local", train, instance, transform, r, null);
                    double remote = epoch("streamed", streamed, instance, transform, r, stream);
                    ratios.add(remote / local);
                }
                double balancedRate = epoch("streamed class-balanced", streamed, balanced, transform, 0, stream);
                double balancedLocal = epoch("local class-balanced", train, balanced, transform, 0, null);
                List<Double> cpuRatios = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    cpuRatios.add(cpuPerImage.get("streamed " + r) / cpuPerImage.get("local " + r));
                }
                Collections.sort(cpuRatios);
                Collections.sort(ratios);
                List<long[]> seen;
                synchronized (samples) {
                    seen = new ArrayList<>(samples);
                }
                long peakDisk = seen.stream().mapToLong(s -> s[1]).max().orElse(0);
                long peakRss = seen.stream().mapToLong(s -> s[0]).max().orElse(0);
                System.out.printf(Locale.ROOT, "{\"summary\": true, \"set_bytes\": %d, \"train_shard_bytes\": %d,"
                                + " \"cache_limit\": %d, \"peak_cache_disk\": %d, \"peak_cache_accounted\": %d,"
                                + " \"rss_start\": %d, \"rss_peak\": %d, \"rss_by_round\": %s,"
                                + " \"instance_ratio_median\": %.3f, \"instance_ratios\": %s, \"balanced_ratio\": %.3f,"
                                + " \"cpu_per_image_ratio_median\": %.3f, \"server\": \"%s\", \"stream\": \"%s\"}%n",
                        index.bytes(), trainShardBytes, limit, peakDisk, cache.stats().peakBytes(), rss0, peakRss,
                        rssByRound, ratios.get(ratios.size() / 2), ratios, balancedRate / balancedLocal,
                        cpuRatios.get(cpuRatios.size() / 2), endpoint == null ? "in this process" : "another process",
                        stream.stats().describe());
                if (trainSteps > 0) {
                    trainAndEvaluate(store, stream, prefix);
                }
            } finally {
                sampler.interrupt();
            }
        }
        return 0;
    }

    private final List<Long> rssByRound = new ArrayList<>();
    private final java.util.Map<String, Double> cpuPerImage = new java.util.LinkedHashMap<>();

    /** One pass over {@code order}: images/s of decode + random-resized-crop + flip + jitter + normalise. */
    private double epoch(String what, LabeledImages images, int[] order, ImageTransform transform, int round,
                         ShardStream stream) throws IOException {
        ShardStream.Stats before = stream == null ? null : stream.stats();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int n = 0;
        try (BatchLoader loader = BatchLoader.training(images, order, batchSize, transform, Mixup.OFF, round, "bench",
                round, threads)) {
            while (loader.hasNext()) {
                n += loader.next().size();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / n;
        cpuPerImage.put(what + " " + round, cpuMs);
        rssByRound.add(rss());
        String reads = "";
        if (stream != null) {
            ShardStream.Stats after = stream.stats();
            reads = String.format(Locale.ROOT, ", \"range_reads\": %d, \"range_mib\": %.1f, \"cached_reads\": %d,"
                            + " \"shards_downloaded\": %d", after.rangeReads() - before.rangeReads(),
                    (after.rangeBytes() - before.rangeBytes()) / 1048576.0, after.localReads() - before.localReads(),
                    after.cache().downloads() - before.cache().downloads());
        }
        System.out.printf(Locale.ROOT, "{\"epoch\": \"%s\", \"round\": %d, \"images\": %d, \"seconds\": %.2f,"
                + " \"images_per_second\": %.1f, \"cpu_ms_per_image\": %.3f, \"rss\": %d%s}%n", what, round, n, seconds,
                n / seconds, cpuMs, rss(), reads);
        return n / seconds;
    }

    /** A few hundred steps of ResNet-10 at 224 on the streamed set, then the evaluation of the test split. */
    private void trainAndEvaluate(ObjectStore store, ShardStream stream, String prefix) throws IOException {
        String yaml = "name: shard-streaming\n"
                + "dataset: {name: imagefolder, source: " + store.uri(prefix + ShardSet.INDEX) + "}\n"
                + "backbone: resnet10\n"
                + "stages:\n  - {name: train, epochs: 1, batch_size: " + trainBatch + ", lr: 0.05, warmup_epochs: 0}\n";
        Recipes.Resolved resolved = Recipes.resolve(Recipes.parseYaml(yaml));
        Path run = dir.resolve("run");
        deleteTree(run);
        long t0 = System.nanoTime();
        RunListener quiet = new RunListener() {
            @Override
            public void onNote(String message) {
                System.out.println("# " + message);
            }
        };
        TrainingRun.Result result = new TrainingRun(resolved, run, quiet, Progress.SILENT,
                new TrainingRun.Options(dir, false, threads, 64, trainSteps))
                .withDataLoader(spec -> new Datasets(dir, false, Progress.SILENT).load(spec, stream))
                .run(false);
        System.out.printf(Locale.ROOT, "{\"trained_steps\": %d, \"batch\": %d, \"seconds_with_evaluation\": %.1f,"
                        + " \"test_images\": %d, \"top1_error\": %.4f, \"report\": \"%s\", \"stream\": \"%s\"}%n",
                trainSteps, trainBatch, (System.nanoTime() - t0) / 1e9, result.report().images(),
                result.report().top1Error(), run.resolve("report.json"), stream.stats().describe());
    }

    private static ShardSetWriter.Sink sink(ObjectStore store, String prefix) {
        return new ShardSetWriter.Sink() {
            @Override
            public void put(String name, Path file) throws IOException {
                store.putFile(prefix + name, file, "application/x-tar");
            }

            @Override
            public void put(String name, byte[] bytes) throws IOException {
                store.put(prefix + name, bytes, "application/octet-stream");
            }
        };
    }

    /** Samples resident memory and the cache directory's bytes every 100 ms. */
    private Thread startSampler(Path cacheDir) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long disk = 0;
                try (Stream<Path> files = Files.list(cacheDir)) {
                    disk = files.mapToLong(p -> p.toFile().length()).sum();
                } catch (IOException ignored) {
                    // a file evicted while listed
                }
                synchronized (samples) {
                    samples.add(new long[] {rss(), disk});
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return -1;
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** As many draws as images: a class uniformly, then one of its images uniformly. */
    private static int[] classBalanced(LabeledImages images, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < images.numClasses(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < images.size(); i++) {
            byClass.get(images.label(i)).add(i);
        }
        SplittableRandom r = new SplittableRandom(seed);
        int[] order = new int[images.size()];
        for (int k = 0; k < order.length; k++) {
            List<Integer> c = byClass.get(r.nextInt(byClass.size()));
            order[k] = c.get(r.nextInt(c.size()));
        }
        return order;
    }

    /** Writes the ImageFolder: JPEGs of 64 to 112 pixels a side, a class's colour, shapes and noise (about 3 KB each). */
    private void generate(Path folder, int[] counts) throws Exception {
        deleteTree(folder);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<Future<?>> jobs = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            int cls = c;
            jobs.add(pool.submit(() -> {
                Random r = new Random(cls * 7919L + 1);
                String name = String.format(Locale.ROOT, "n%05d", cls);
                for (int i = 0; i < counts[cls] + testPerClass; i++) {
                    String split = i < counts[cls] ? "train" : "test";
                    Path file = folder.resolve(split).resolve(name).resolve(i + ".jpg");
                    Files.createDirectories(file.getParent());
                    ImageIO.write(picture(r, cls), "jpg", file.toFile());
                }
                return null;
            }));
        }
        for (Future<?> f : jobs) {
            f.get();
        }
        pool.shutdown();
        Files.writeString(folder.resolve("done"), Arrays.toString(counts));
        System.out.printf(Locale.ROOT, "{\"generated_seconds\": %.1f}%n", (System.nanoTime() - t0) / 1e9);
    }

    private static BufferedImage picture(Random r, int cls) {
        int w = 64 + r.nextInt(49);
        int h = 64 + r.nextInt(49);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(Color.HSBtoRGB((cls % 97) / 97f, 0.6f, 0.8f)));
        g.fillRect(0, 0, w, h);
        for (int k = 0; k < 4; k++) {
            g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
            g.fillOval(r.nextInt(w), r.nextInt(h), 6 + r.nextInt(w / 2), 6 + r.nextInt(h / 2));
        }
        g.dispose();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                img.setRGB(x, y, rgb ^ (r.nextInt(8) * 0x010101));
            }
        }
        return img;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
