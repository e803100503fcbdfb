package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.lttricks.core.cam.CamGenerator;
import io.lttricks.core.run.CamStage;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.cam.PreviewGrid;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.recipe.StageRecipe;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.Transforms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import io.lttricks.core.plan.CamPlan;

@Command(name = "cam", mixinStandardHelpOptions = true,
        description = {
            "CAM-based sampling, the paper's own trick: generate its images, or look at them.",
            "New images of each class are made by transforming the foreground (class activation map",
            ">= factor x mean) of its images with one of rotation+scaling, translation or horizontal flip,",
            "pasted over the untouched original (the paper's text) or moved as the official script does.",
            ""
        },
        subcommands = {CamCommand.Generate.class, CamCommand.Preview.class})
final class CamCommand {

    /** Options shared by generate and preview. */
    static final class CamOptions {
        @Parameters(index = "0", paramLabel = "MODEL", description = "A run directory (its last finished stage) or a .ckpt file.")
        Path model;

        @Option(names = "--method", defaultValue = "cam", paramLabel = "cam|image_trans",
                completionCandidates = Vocabularies.CamMethods.class,
                description = "cam (CAM-based sampling) or image_trans (the same transformations on the whole image). Default: ${DEFAULT-VALUE}.")
        String method;

        @Option(names = "--preset", defaultValue = "paper", paramLabel = "paper|official",
                completionCandidates = Vocabularies.CamPresets.class,
                description = "paper: the method as the paper's text describes it (default); official: as the official"
                        + " script ran it (a new map for every image, on a random training view of its source, quantised"
                        + " to 8 bits; its box; threshold 0.75; OpenCV's warps; the object moved; JPEG).")
        String preset;

        @Option(names = "--threshold-factor", paramLabel = "F",
                description = "Foreground = map >= F x mean(map); default the preset's: 1.0 (paper), 0.75 (official).")
        Double thresholdFactor;

        @Option(names = "--paste", paramLabel = "over|move",
                description = "over: the transformed foreground over the untouched original (paper preset);"
                        + " move: the region it left filled from the transformed image, the original kept where the"
                        + " transformation brought nothing in (official preset).")
        String paste;

        @Option(names = "--counts", defaultValue = "cifar", paramLabel = "cifar|threshold",
                description = "cifar: n_max + n_min - n_c per class (default); threshold: none for n_c >= T, else min(that, T).")
        String counts;

        @Option(names = "--threshold", defaultValue = "100", paramLabel = "T",
                description = "T for --counts threshold: 100 for ImageNet-LT, 50 for iNaturalist 2018.")
        int threshold;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of the sources and transformations.")
        long seed;

        @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per forward pass.")
        int batchSize;

        @Option(names = "--dataset", paramLabel = "NAME", description = "Data set when MODEL is not inside a run directory.")
        String dataset;

        @Option(names = "--source", paramLabel = "PATH", description = "Data set directory or archive.")
        String source;

        @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|bf16", description = "The maps'"
                + " forward passes: fp32 (default) or bf16 (faster on a CPU with AVX512-BF16 or AMX; maps differ by"
                + " about 1-2%%; a CPU without native bf16 runs fp32).")
        String precision;

        @Mixin
        DataOptions data;

        CamPlan plan() {
            StageRecipe stage = Recipes.stage("cam").with("method", method).with("preset", preset)
                    .with("threshold_factor", thresholdFactor)
                    .with("counts", counts).with("threshold", threshold).with("batch_size", batchSize)
                    .with("paste", paste).with("precision", precision);
            return Recipes.resolveCamStage(stage);
        }

        LabeledImages trainingSet(ModelSource src, ConsoleReporter reporter) throws Exception {
            Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, reporter).load(src.dataset());
            LabeledImages train = loaded.train();
            if (!train.classNames().equals(src.meta().classes())) {
                throw new IllegalArgumentException("the checkpoint's classes " + src.meta().classes()
                        + " differ from the data set's " + train.classNames());
            }
            return train;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Generates the images of CAM-based sampling from a first-stage model into a directory.",
                "It writes PNG files in an ImageFolder layout and generated.json (source image, class,",
                "transformation, parameters).",
                "A later stage trains on original + generated images with 'generated: <cam stage>' in a recipe.",
                ""
            })
    static final class Generate implements Callable<Integer> {
        @Mixin
        CamOptions cam;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the generated set (must not hold one).")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(out.resolve(GeneratedSet.MANIFEST))) {
                throw new IllegalArgumentException(out + " already holds a generated set; choose another --out");
            }
            ConsoleReporter reporter = ConsoleReporter.forStdout();
            ModelSource src = ModelSource.resolve(cam.model, cam.dataset, cam.source);
            LabeledImages train = cam.trainingSet(src, reporter);
            CamPlan plan = cam.plan();
            int[] perClass = plan.perClass(train.classCounts());
            reporter.note(String.format(Locale.ROOT, "%s from %s (%s, epoch %d): %d images to generate, per class %s",
                    plan.needsModel() ? "CAM-based sampling" : "ImageTrans", src.checkpoint(),
                    src.meta().stage(), src.meta().epoch(), Arrays.stream(perClass).sum(), Arrays.toString(perClass)));
            long start = System.nanoTime();
            GeneratedSet.Manifest m = CamStage.run(plan, src.checkpoint(), train, cam.seed, out,
                    Engine.getInstance().defaultDevice(), reporter);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "%d images in %.1f s (%.0f images/s) -> %s%n", m.images().size(), seconds,
                    m.images().size() / seconds, out.resolve(GeneratedSet.MANIFEST));
            return 0;
        }
    }

    @Command(name = "preview", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Draws a PNG grid of generated images beside their originals, to look at.",
                "For a few generated images of each class: the original, its class activation map as a heat",
                "map, the foreground (background darkened) and the generated image.",
                ""
            })
    static final class Preview implements Callable<Integer> {
        @Mixin
        CamOptions cam;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "PNG file to write.")
        Path out;

        @Option(names = "--per-class", defaultValue = "2", paramLabel = "N", description = "Examples per class (default 2).")
        int perClass;

        @Option(names = "--scale", defaultValue = "4", paramLabel = "K", description = "Enlargement of each tile (default 4).")
        int scale;

        @Option(names = "--max-classes", defaultValue = "20", paramLabel = "N", description = "Classes shown at most (default 20).")
        int maxClasses;

        @Override
        public Integer call() throws Exception {
            ConsoleReporter reporter = ConsoleReporter.forStdout();
            ModelSource src = ModelSource.resolve(cam.model, cam.dataset, cam.source);
            LabeledImages train = cam.trainingSet(src, reporter);
            CamPlan plan = cam.plan();
            int[] counts = plan.perClass(train.classCounts());
            boolean useCam = plan.needsModel();
            try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
                Backbone model = useCam ? Checkpoint.loadModel(src.checkpoint(), manager) : null;
                CamGenerator gen = new CamGenerator(model, manager, train, counts, plan.generatorOptions(cam.seed));
                List<CamGenerator.Explained> rows = gen.explain(PreviewGrid.examples(counts, perClass, maxClasses));
                String title = String.format(Locale.ROOT, "%s, foreground >= %.2f x mean CAM; model %s (epoch %d)",
                        useCam ? "CAM-based sampling" : "ImageTrans", plan.thresholdFactor(),
                        src.checkpoint().getFileName(), src.meta().epoch());
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                ImageIO.write(PreviewGrid.render(rows, train.classNames(), scale, title), "png", out.toFile());
            }
            System.out.println("Preview: " + out);
            return 0;
        }
    }
}
