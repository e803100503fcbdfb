package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.eval.Evaluator;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StagePlan;
import io.lttricks.core.train.ImageTransform;
import io.lttricks.core.train.StageTrainer;
import io.lttricks.core.train.TrainListener;
import io.lttricks.core.train.Transforms;
import io.lttricks.core.util.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Throughput measurements for bench/train-throughput: the real training path (sampler, loader,
 * augmentation, mixup, forward, loss, backward, SGD) on CIFAR-10-LT, timed after a warm-up.
 * Prints one line of JSON.
 */
@Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
        description = "Measures training (or evaluation) throughput; used by bench/train-throughput.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "plain", description = "plain (instance sampling, CE) or mixup_cb (input mixup + class-balanced sampling), or eval.")
    String config;

    @Option(names = "--steps", defaultValue = "30", description = "Timed steps.")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps first.")
    int warmup;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs (memory runs); each is warmup+steps batches.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128")
    int batchSize;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        DatasetSpec spec = DatasetSpec.cifar10(100);
        Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, Progress.SILENT).load(spec);
        if (config.equals("eval")) {
            return evaluate(loaded);
        }
        String tricks = switch (config) {
            case "plain" -> "loss: CE, sampler: instance";
            case "mixup_cb" -> "loss: CE, sampler: class_balanced, mixup: {at: input, alpha: 1.0}";
            default -> throw new IllegalArgumentException("--config: plain, mixup_cb or eval");
        };
        int perEpoch = warmup + steps;
        StagePlan plan = Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nprofile: paper\n"
                + "stages: [{name: bench, " + tricks + ", epochs: " + epochs + ", batch_size: " + batchSize
                + ", checkpoint_every: 1000000}]")).stages().get(0);
        Path dir = Files.createTempDirectory("lt-bench");
        long[] marks = new long[2];
        StringBuilder rss = new StringBuilder();
        TrainListener timer = new TrainListener() {
            @Override
            public void onBatch(BatchProgress p) {
                if (p.epoch() == 1 && p.batch() == warmup) {
                    marks[0] = System.nanoTime();
                }
                if (p.epoch() == 1 && p.batch() == perEpoch) {
                    marks[1] = System.nanoTime();
                }
            }

            @Override
            public void onEpoch(EpochSummary s) {
                rss.append(rss.length() == 0 ? "" : ", ").append(s.residentBytes());
            }
        };
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Backbone model = Backbones.create("resnet32", loaded.train().numClasses());
            ImageTransform t = Transforms.train(model, loaded.train());
            Engine.getInstance().setRandomSeed(0);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            new StageTrainer(plan, 0, "bench", model, manager, loaded.train(), t, 0, dir, timer, 1, perEpoch).run(null);
        } finally {
            deleteTree(dir);
        }
        double seconds = (marks[1] - marks[0]) / 1e9;
        System.out.printf(Locale.ROOT, "{\"config\": \"%s\", \"steps\": %d, \"batch\": %d, \"seconds\": %.3f,"
                        + " \"images_per_second\": %.1f, \"threads\": %d, \"rss_per_epoch\": [%s]}%n",
                config, steps, batchSize, seconds, steps * batchSize / seconds,
                Runtime.getRuntime().availableProcessors(), rss);
        return 0;
    }

    private int evaluate(Datasets.Loaded loaded) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Backbone model = Backbones.create("resnet32", loaded.train().numClasses());
            Engine.getInstance().setRandomSeed(0);
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Evaluator ev = new Evaluator(batchSize, 1);
            ImageTransform t = Transforms.test(model, loaded.test());
            ev.predict(model, manager, loaded.test().subset(range(batchSize * Math.max(1, warmup))), t, false, Progress.SILENT);
            long start = System.nanoTime();
            ev.predict(model, manager, loaded.test(), t, false, Progress.SILENT);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "{\"config\": \"eval\", \"images\": %d, \"seconds\": %.3f,"
                    + " \"images_per_second\": %.1f}%n", loaded.test().size(), seconds, loaded.test().size() / seconds);
        }
        return 0;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
