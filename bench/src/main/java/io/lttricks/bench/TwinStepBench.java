package io.lttricks.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.train.GradMode;
import io.lttricks.core.transform.CifarTransforms;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One training step of lttricks' ResNet-32 written out for a PyTorch comparison
 * (bench/twin-step, bench/pytorch_twin_step.py): the initial weights (every parameter and batch-norm
 * statistic, in the network's order, with a manifest), a fixed batch of CIFAR-10-LT training
 * images (every (N/batch)-th, decoded and normalised, no augmentation: {@code input}), the training-mode logits
 * and loss, and every parameter's gradient. Float32 little-endian raw files, one per tensor.
 */
@Command(name = "twin-step", mixinStandardHelpOptions = true,
        description = "Writes ResNet-32's initial weights, one batch, its logits, loss and gradients (for"
                + " bench/twin-step, which repeats the step in PyTorch from the same weights).")
final class TwinStepBench implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the files go (created).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images in the batch.")
    int batch;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the initial weights.")
    int seed;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, Progress.SILENT).load(DatasetSpec.cifar10(100));
        LabeledImages train = loaded.train();
        if (!(train instanceof InMemoryImages images) || images.height() != 32 || images.width() != 32) {
            throw new IllegalStateException("expected CIFAR-10 in memory, 32x32");
        }
        Files.createDirectories(out);
        int n = Math.min(batch, images.size());
        int stride = images.size() / n;
        ImageTransform normalise = CifarTransforms.test(images);
        float[] x = new float[n * normalise.floatsPerImage()];
        int[] labels = new int[n];
        StringBuilder picked = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int k = i * stride;
            labels[i] = images.label(k);
            picked.append(images.id(k)).append(' ').append(labels[i]).append('\n');
            normalise.apply(images, k, null, x, i * normalise.floatsPerImage());
        }
        Files.writeString(out.resolve("batch.txt"), picked, StandardCharsets.UTF_8);
        GradMode.disableOnThisThread();
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(seed);
            Backbone net = Backbones.create("resnet32", train.numClasses());
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            StringBuilder manifest = new StringBuilder();
            int p = 0;
            for (Pair<String, Parameter> e : net.getParameters()) {
                NDArray w = e.getValue().getArray();
                write(w, out.resolve(String.format("w%03d", p)));
                manifest.append(String.format("%03d", p++)).append(' ').append(e.getKey()).append(' ')
                        .append(w.hasGradient()).append('\n');
            }
            Files.writeString(out.resolve("manifest.txt"), manifest, StandardCharsets.UTF_8);
            NDArray input = m.create(x, new Shape(n, 3, 32, 32));
            write(input, out.resolve("input"));
            NDArray y = m.create(labels).oneHot(train.numClasses());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = net.forward(new ParameterStore(m, false), new NDList(input), true).head();
                NDArray loss = logits.logSoftmax(1).mul(y).sum().neg().div(n);
                write(logits, out.resolve("logits"));
                write(loss, out.resolve("loss"));
                gc.backward(loss);
            }
            p = 0;
            for (Pair<String, Parameter> e : net.getParameters()) {
                NDArray w = e.getValue().getArray();
                if (w.hasGradient()) {
                    write(w.getGradient(), out.resolve(String.format("g%03d", p)));
                }
                p++;
            }
        }
        System.out.printf("{\"out\": \"%s\", \"batch\": %d, \"channels_last\": %s}%n", out,
                n, System.getProperty("lttricks.channelsLast", "true"));
        return 0;
    }

    private static void write(NDArray a, Path file) throws IOException {
        float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        Files.write(file, b.array());
    }
}
