package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.lttricks.core.eval.Predictor;
import io.lttricks.api.ApiLimits;
import io.lttricks.proto.v1.EvaluatorServiceGrpc;
import io.lttricks.proto.v1.ImagePrediction;
import io.lttricks.proto.v1.PredictImage;
import io.lttricks.proto.v1.PredictRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Classifies image files with a trained model: the top classes of each, with probabilities.",
            "",
            "  lt predict runs/baseline photo.jpg           the run's last finished stage",
            "  lt predict runs/baseline/01-train/final.ckpt a.png b.jpg --top 3 --json",
            "  lt predict s3://lttricks/runs/RUN/01-first/final.ckpt photo.jpg --server HOST:50054",
            "",
            "Images of any size: a CIFAR-layout model sees them resized to 32x32, an ImageNet-layout model",
            "as its test transform (shorter side 256, centre crop 224). Models trained with a sigmoid loss",
            "(Focal, CB_Focal) are scored with sigmoids, as their evaluation.",
            "",
            "With --server (or --state-dir), the evaluator service predicts instead, with a checkpoint in the",
            "services' storage (the final checkpoints lt results shows, as s3:// addresses or keys runs/...).",
            "The image files are sent, " + ApiLimits.PREDICT_MAX_IMAGES + " and at most " + ApiLimits.PREDICT_MAX_REQUEST_BYTES / (1024 * 1024)
                    + " MiB a request (more go in several);",
            "the output is the same.",
            ""
        })
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT|RUN", description = "A checkpoint, or a run directory. With"
            + " --server: a checkpoint in storage, as lt results prints it or as its key (runs/RUN/01-STAGE/final.ckpt).")
    String model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "JPEG or PNG files.")
    List<Path> images;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "Classes shown per image (default 5).")
    int top;

    @Option(names = "--json", description = "One JSON document instead of the table.")
    boolean json;

    @Option(names = "--precision", paramLabel = "fp32|bf16", description = "Arithmetic of the forward passes (local"
            + " only): fp32 or bf16; a CPU without native bf16 runs fp32. Default: the precision the checkpoint's stage"
            + " trained in.")
    String precision;

    @Mixin
    ServerOptions server;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top: at least 1, got " + top);
        }
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new IllegalArgumentException("no image file " + image);
            }
        }
        if (precision != null && server.given()) {
            throw new IllegalArgumentException("--precision: the evaluator predicts in the precision the checkpoint's"
                    + " stage trained in; leave --precision out with --server, or predict here without --server");
        }
        List<Predictor.Prediction> out = server.given() ? remote() : local();
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
        return 0;
    }

    private List<Predictor.Prediction> local() throws IOException {
        Path checkpoint = ModelSource.checkpoint(Path.of(model));
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice());
             Predictor predictor = new Predictor(checkpoint, manager)) {
            if (precision != null) {
                predictor.usePrecision(io.lttricks.core.model.Precision.VOCABULARY.parse(precision));
            }
            return predictor.predict(images, Math.min(top, predictor.classes().size()));
        }
    }

    /** The evaluator's predictions, in requests within its limits; each image named by its path as given. */
    private List<Predictor.Prediction> remote() throws Exception {
        List<Predictor.Prediction> out = new ArrayList<>();
        server.with(ServerOptions.EVALUATOR, channel -> {
            EvaluatorServiceGrpc.EvaluatorServiceBlockingStub stub = EvaluatorServiceGrpc.newBlockingStub(channel);
            for (List<Path> batch : requests(images)) {
                PredictRequest.Builder request = PredictRequest.newBuilder().setCheckpointKey(model).setTopK(top);
                for (Path image : batch) {
                    request.addImages(PredictImage.newBuilder().setName(image.toString())
                            .setData(ByteString.copyFrom(Files.readAllBytes(image))));
                }
                for (ImagePrediction p : stub.predict(request.build()).getPredictionsList()) {
                    out.add(new Predictor.Prediction(p.getName(), p.getTopList().stream()
                            .map(s -> new Predictor.Scored(s.getLabel(), s.getProbability())).toList()));
                }
            }
            return 0;
        });
        return out;
    }

    /** Room in a request for its key, names and framing: the rest is for image bytes. */
    private static final int REQUEST_OVERHEAD = 64 * 1024;

    /** The images grouped into requests of at most {@link ApiLimits#PREDICT_MAX_IMAGES} and the evaluator's size limit. */
    static List<List<Path>> requests(List<Path> images) throws IOException {
        long room = ApiLimits.PREDICT_MAX_REQUEST_BYTES - REQUEST_OVERHEAD;
        List<List<Path>> out = new ArrayList<>();
        List<Path> current = new ArrayList<>();
        long bytes = 0;
        for (Path image : images) {
            long size = Files.size(image) + image.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 16;
            if (size > room) {
                throw new IllegalArgumentException(image + " is " + Files.size(image) + " bytes; the evaluator takes"
                        + " images of at most " + room + " bytes (a request is at most 16 MiB)");
            }
            if (current.size() == ApiLimits.PREDICT_MAX_IMAGES || bytes + size > room) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(image);
            bytes += size;
        }
        out.add(current);
        return out;
    }
}
