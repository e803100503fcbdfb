package io.lttricks.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.eval.Evaluator;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.train.GradMode;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.train.SgdOptimizer;
import io.lttricks.core.train.StageTrainer;
import io.lttricks.core.train.TrainListener;
import io.lttricks.core.transform.Transforms;
import io.lttricks.core.util.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.plan.Sgd;
import io.lttricks.core.plan.TrainPlan;

/**
 * Throughput measurements for bench/train-throughput: the real training path (sampler, loader,
 * augmentation, mixup, forward, loss, backward, SGD) on CIFAR-10-LT, timed after a warm-up.
 * Prints one line of JSON.
 */
@Command(name = "train-throughput", mixinStandardHelpOptions = true,
        description = "Measures training (or evaluation) throughput; used by bench/train-throughput.")
final class TrainThroughputBench implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "plain", description = "plain (instance sampling, CE) or mixup_cb (input mixup + class-balanced sampling), eval,"
            + " or phases (forward, backward and SGD timed apart on one fixed batch).")
    String config;

    @Option(names = "--steps", defaultValue = "30", description = "Timed steps.")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps first.")
    int warmup;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs (memory runs); each is warmup+steps batches"
            + " unless --full-epochs.")
    int epochs;

    @Option(names = "--full-epochs", description = "Each epoch runs over the whole training set (memory runs);"
            + " the throughput is still timed on steps warmup+1..warmup+steps of epoch 1.")
    boolean fullEpochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per step.")
    int batchSize;

    @Option(names = "--backbone", defaultValue = "resnet32", description = "phases only: the network, e.g. resnet10 or"
            + " resnet50 (the ImageNet-LT and iNaturalist backbones) with --image-size 224.")
    String backbone;

    @Option(names = "--image-size", defaultValue = "32", description = "phases only: the side of the square input.")
    int imageSize;

    @Option(names = "--profile", description = "phases only: write libtorch's operator profile of the timed steps"
            + " (a Chrome trace, JSON) to this file.")
    Path profile;

    @Option(names = "--classes", defaultValue = "10", description = "phases only: classes of the classifier (1000 for"
            + " ImageNet-LT, 8142 for iNaturalist 2018).")
    int classes;

    @Option(names = "--loader-threads", defaultValue = "-1", description = "Batch-preparing threads of the training"
            + " configs (0: on the training thread); default: what lt train picks (StageRunner.loaderThreads).")
    int loaderThreads;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32 or bf16 (mixed precision, lt's"
            + " precision: bf16); every config.")
    String precision;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        if (!List.of("plain", "mixup_cb", "eval", "phases").contains(config)) {
            throw new IllegalArgumentException("--config: plain, mixup_cb, eval or phases");
        }
        if (config.equals("phases")) {
            return phases();
        }
        if (!backbone.equals("resnet32") || imageSize != 32 || classes != 10) {
            throw new IllegalArgumentException("--backbone, --image-size and --classes apply to --config phases only"
                    + " (the other configurations train ResNet-32 on CIFAR-10-LT)");
        }
        DatasetSpec spec = DatasetSpec.cifar10(100);
        Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, Progress.SILENT).load(spec);
        if (config.equals("eval")) {
            return evaluate(loaded);
        }
        String tricks = switch (config) {
            case "plain" -> "loss: CE, sampler: instance";
            case "mixup_cb" -> "loss: CE, sampler: class_balanced, mixup: {at: input, alpha: 1.0}";
            default -> throw new IllegalStateException(config);
        };
        int perEpoch = warmup + steps;
        TrainPlan plan = (TrainPlan) Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nprofile: paper\n"
                + "stages: [{name: bench, " + tricks + ", epochs: " + epochs + ", batch_size: " + batchSize
                + ", checkpoint_every: 1000000, precision: " + precision().recipeName() + "}]")).stages().get(0);
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
            StageTrainer.builder(plan, model, manager).setData(loaded.train(), t).setSeed(0, 0)
                    .setOutput("bench", new RunLayout.Stage(dir)).optListener(timer)
                    .optLoaderThreads(loaderThreads >= 0 ? loaderThreads
                            : io.lttricks.core.run.StageRunner.loaderThreads(loaded.train(), 0))
                    .optMaxBatchesPerEpoch(fullEpochs ? 0 : perEpoch).build().run(null);
        } finally {
            LtBench.deleteTree(dir);
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
            model.setPrecision(precision());
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

    /** Milliseconds per step of forward + loss, backward and SGD, on one fixed random batch (no data loading). */
    private int phases() {
        GradMode.disableOnThisThread();
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Engine.getInstance().setRandomSeed(0);
            Backbone model = Backbones.create(backbone, classes);
            model.initialize(manager, DataType.FLOAT32, new Shape(batchSize, 3, imageSize, imageSize));
            model.setPrecision(precision());
            List<Parameter> trainable = new ArrayList<>();
            model.getParameters().forEach(p -> {
                if (p.getValue().requiresGradient()) {
                    trainable.add(p.getValue());
                }
            });
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(new Shape(batchSize, 3, imageSize, imageSize));
            NDArray y = manager.randomInteger(0, classes, new Shape(batchSize), DataType.INT32).oneHot(classes);
            long[] t = new long[3];
            try (SgdOptimizer sgd = new SgdOptimizer(trainable, manager, Sgd.PAPER)) {
                for (int i = 0; i < warmup + steps; i++) {
                    if (i == warmup) {
                        Arrays.fill(t, 0);
                        if (profile != null) {
                            JniUtils.startProfile(false, true, false);
                        }
                    }
                    try (NDManager step = manager.newSubManager()) {
                        NDArray xi = x.duplicate();
                        xi.attach(step);
                        long t0 = System.nanoTime();
                        long t1;
                        long t2;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = model.forward(ps, new NDList(xi), true).head();
                            NDArray loss = logits.logSoftmax(1).mul(y).sum().neg().div(batchSize);
                            t1 = System.nanoTime();
                            gc.backward(loss);
                            loss.getFloat();
                            t2 = System.nanoTime();
                        }
                        sgd.step(0.1);
                        t[0] += t1 - t0;
                        t[1] += t2 - t1;
                        t[2] += System.nanoTime() - t2;
                    }
                }
            }
            if (profile != null) {
                JniUtils.stopProfile(profile.toAbsolutePath().toString());
            }
            double total = (t[0] + t[1] + t[2]) / 1e9;
            System.out.printf(Locale.ROOT, "{\"config\": \"phases\", \"forward_ms\": %.1f, \"backward_ms\": %.1f,"
                            + " \"optimizer_ms\": %.1f, \"images_per_second\": %.1f}%n", t[0] / 1e6 / steps,
                    t[1] / 1e6 / steps, t[2] / 1e6 / steps, steps * batchSize / total);
        }
        return 0;
    }

    /** The precision asked, where it runs natively (else the bench stops: it would time fp32 under bf16's name). */
    private io.lttricks.core.model.Precision precision() {
        io.lttricks.core.model.Precision asked = io.lttricks.core.model.Precision.VOCABULARY.parse(precision);
        if (io.lttricks.core.model.Autocast.effective(asked, ai.djl.Device.cpu()) != asked) {
            throw new IllegalArgumentException("--precision " + precision + ": "
                    + io.lttricks.core.model.Autocast.support(ai.djl.Device.cpu()));
        }
        return asked;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
