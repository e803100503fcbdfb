package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.eval.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Classifies image files with a trained model: the top classes of each, with probabilities.",
            "",
            "  lt predict runs/baseline photo.jpg           the run's last finished stage",
            "  lt predict runs/baseline/01-train/final.ckpt a.png b.jpg --top 3 --json",
            "",
            "Images of any size: a CIFAR-layout model sees them resized to 32x32, an ImageNet-layout model",
            "as its test transform (shorter side 256, centre crop 224). Models trained with a sigmoid loss",
            "(Focal, CB_Focal) are scored with sigmoids, as their evaluation.",
            ""
        })
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT|RUN", description = "A checkpoint, or a run directory.")
    Path model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "JPEG or PNG files.")
    List<Path> images;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "Classes shown per image (default 5).")
    int top;

    @Option(names = "--json", description = "One JSON document instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException("no image file " + image);
            }
        }
        Path checkpoint = ModelSource.checkpoint(model);
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice());
             Predictor predictor = new Predictor(checkpoint, manager)) {
            List<Predictor.Prediction> out = predictor.predict(images, Math.min(top, predictor.classes().size()));
            if (json) {
                System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            for (Predictor.Prediction p : out) {
                System.out.println(p.image());
                for (Predictor.Scored s : p.top()) {
                    System.out.printf(Locale.ROOT, "  %6.2f%%  %s%n", 100 * s.probability(), s.label());
                }
            }
        }
        return 0;
    }
}
