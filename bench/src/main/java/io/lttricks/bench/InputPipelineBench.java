package io.lttricks.bench;

import io.lttricks.core.data.FileImages;
import io.lttricks.core.data.ImageFolder;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.train.BatchLoader;
import io.lttricks.core.transform.ImageNetTransforms;
import io.lttricks.core.transform.ImageTransform;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The large-image input pipeline of ImageNet-LT / iNaturalist training, as the trainer runs it:
 * {@link BatchLoader} over an ImageFolder with the training transform (decode, random-resized-crop
 * 224, flip, colour jitter, normalise) on {@code --threads} loader threads. Times one pass over the
 * folder after a warm-up, with the process's CPU time in that window (CPU cost per image, which
 * other load on the machine does not change as it changes wall-clock rates). Prints one line of JSON; bench/input-pipeline compares it with
 * torchvision's DataLoader (bench/pytorch_input_pipeline.py).
 */
@Command(name = "input-pipeline", mixinStandardHelpOptions = true,
        description = "Images/s of decode + random-resized-crop 224 + flip + colour jitter + normalise on an ImageFolder;"
                + " used by bench/input-pipeline.")
final class InputPipelineBench implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "An ImageFolder (bench/make_imagefolder.py makes one).")
    Path dir;

    @Option(names = "--threads", defaultValue = "1", description = "Loader threads.")
    int threads;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per batch.")
    int batchSize;

    @Option(names = "--warmup", defaultValue = "4", description = "Batches before the clock starts.")
    int warmup;

    @Option(names = "--decode-only", description = "Only decode every file, on one thread (FileImages.decode).")
    boolean decodeOnly;

    @Override
    public Integer call() throws Exception {
        FileImages images = ImageFolder.open(dir);
        if (decodeOnly) {
            int n = images.size();
            long pixels = 0;
            for (int i = 0; i < Math.min(n, warmup * batchSize); i++) {
                pixels += images.image(i).chw().length;
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                pixels += images.image(i).chw().length;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "{\"who\": \"lttricks\", \"decode_only\": true, \"images\": %d,"
                    + " \"seconds\": %.3f, \"images_per_second\": %.1f, \"bytes\": %d}%n", n, seconds, n / seconds, pixels);
            return 0;
        }
        ImageTransform transform = ImageNetTransforms.train(224, true);
        int[] order = new int[images.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int images0 = 0;
        long start = 0;
        long cpu0 = 0;
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        try (BatchLoader loader = BatchLoader.training(images, order, batchSize, transform, Mixup.OFF, 0, "bench", 1,
                threads)) {
            int b = 0;
            while (loader.hasNext()) {
                if (b == warmup) {
                    start = System.nanoTime();
                    cpu0 = os.getProcessCpuTime();
                    images0 = 0;
                }
                images0 += loader.next().size();
                b++;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
        System.out.printf(Locale.ROOT, "{\"who\": \"lttricks\", \"threads\": %d, \"images\": %d, \"seconds\": %.3f,"
                + " \"images_per_second\": %.1f, \"cpu_ms_per_image\": %.2f}%n", threads, images0, seconds,
                images0 / seconds, cpuMs / images0);
        return 0;
    }
}
