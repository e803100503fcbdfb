package io.lttricks.evaluator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.eval.Predictor;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.Platform;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.EvaluatorServiceGrpc;
import io.lttricks.proto.v1.ImagePrediction;
import io.lttricks.proto.v1.PredictImage;
import io.lttricks.proto.v1.PredictRequest;
import io.lttricks.proto.v1.PredictResponse;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Predict over gRPC, the evaluator's service on a loopback server in this JVM with in-memory
 * storage: the same numbers as the local predictor, a model loaded once for repeated calls, and
 * the refusals of the proto (a bad image by its index, an unknown checkpoint, a key a client may
 * not name, too many images, too large a request).
 */
class PredictApiTest {
    static final String CHECKPOINT = "runs/r/01-train/final.ckpt";
    static final List<String> CLASSES = List.of("cat", "dog", "ship");

    @TempDir
    Path dir;

    InMemoryObjectStore store;
    Predictions predictions;
    GrpcServer server;
    ManagedChannel channel;
    EvaluatorServiceGrpc.EvaluatorServiceBlockingStub stub;
    Path checkpoint;
    List<Path> images = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryObjectStore();
        Platform platform = TestPlatform.of(dir, "test", store, new InMemoryEventBus());
        checkpoint = tinyCheckpoint(dir.resolve("model.ckpt"));
        store.putFile(CHECKPOINT, checkpoint, "application/zip");
        predictions = new Predictions(platform);
        server = new GrpcServer(GrpcSecurity.LOOPBACK, 0,
                List.of(new EvaluatorServer.Api(platform, new ReportMaker(platform), predictions)),
                Predictions.MAX_REQUEST_BYTES);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        stub = EvaluatorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        Random r = new Random(7);
        images.add(image(dir.resolve("square.png"), "png", 32, 32, r));
        images.add(image(dir.resolve("wide.jpg"), "jpg", 57, 40, r));
        images.add(image(dir.resolve("large.png"), "png", 90, 120, r));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        predictions.close();
    }

    /** A CIFAR-layout ResNet-20 of three classes with random weights. */
    static Path tinyCheckpoint(Path file) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            Backbone model = Backbones.create("resnet20", CLASSES.size());
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Checkpoint.write(file, new Checkpoint.Meta(Checkpoint.FORMAT, "r", "train", 0, 1, 1, "resnet20",
                    CLASSES.size(), List.of(3L, 32L, 32L), 0, "rng", CLASSES, new int[] {50, 10, 2}, (io.lttricks.core.plan.TrainPlan) io.lttricks.core.recipe.Recipes.resolve(
                    io.lttricks.core.recipe.Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{name: train, epochs: 1}]"))
                    .stages().get(0), 1.0, "now",
                    null, null), model, null);
        }
        return file;
    }

    static Path image(Path file, String format, int w, int h, Random r) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(0xffffff));
            }
        }
        ImageIO.write(img, format, file.toFile());
        return file;
    }

    PredictRequest.Builder request(String key) throws IOException {
        PredictRequest.Builder b = PredictRequest.newBuilder().setCheckpointKey(key).setTopK(3);
        for (Path p : images) {
            b.addImages(PredictImage.newBuilder().setName(p.getFileName().toString())
                    .setData(ByteString.copyFrom(Files.readAllBytes(p))));
        }
        return b;
    }

    /**
     * Issue 25 item 5: Evaluate onto a report prefix that holds another checkpoint's report used to
     * answer with that old report. Now the same evaluation again is answered from storage and
     * another is refused (ALREADY_EXISTS naming report_prefix), the stored report left as it was.
     */
    @Test
    void evaluatingOntoAPrefixThatHoldsAnotherEvaluationIsRefused() throws IOException {
        Path registered = dir.resolve("registered");
        Random r = new Random(3);
        for (String split : List.of("train", "test")) {
            for (String c : CLASSES) {
                Path d = Files.createDirectories(registered.resolve("tiny").resolve(split).resolve(c));
                image(d.resolve("a.png"), "png", 32, 32, r);
                image(d.resolve("b.png"), "png", 32, 32, r);
            }
        }
        Platform platform = TestPlatform.of(dir, "test", store, new InMemoryEventBus(),
                java.util.Map.of(io.lttricks.platform.Config.DATASET_DIRS, registered.toString()));
        EvaluatorServer.Api api = new EvaluatorServer.Api(platform, new ReportMaker(platform), predictions);
        io.lttricks.proto.v1.Dataset tiny = io.lttricks.proto.v1.Dataset.newBuilder().setName("imagefolder")
                .setSource("dataset://tiny").build();
        io.lttricks.proto.v1.EvaluateRequest first = io.lttricks.proto.v1.EvaluateRequest.newBuilder()
                .setCheckpointKey(CHECKPOINT).setDataset(tiny).setReportPrefix("runs/r/eval").build();
        io.lttricks.proto.v1.Metrics made = evaluate(api, first);
        assertEquals(6, made.getImages());
        byte[] report = store.get("runs/r/eval/report.json");
        assertEquals(made, evaluate(api, first), "the same evaluation again is answered from storage");

        store.putFile("runs/other/01-train/final.ckpt", checkpoint, "application/zip");
        Status other = status(() -> evaluate(api, first.toBuilder().setCheckpointKey("runs/other/01-train/final.ckpt").build()));
        assertEquals(Status.Code.ALREADY_EXISTS, other.getCode(), other.getDescription());
        assertTrue(other.getDescription().startsWith("report_prefix: runs/r/eval already holds the report of another"
                + " evaluation"), other.getDescription());
        assertArrayEquals(report, store.get("runs/r/eval/report.json"), "the stored report is left as it was");
    }

    static io.lttricks.proto.v1.Metrics evaluate(EvaluatorServer.Api api, io.lttricks.proto.v1.EvaluateRequest request) {
        io.lttricks.platform.testing.Recorder<io.lttricks.proto.v1.Metrics> out = new io.lttricks.platform.testing.Recorder<>();
        api.evaluate(request, out);
        return out.only();
    }

    static Status status(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus();
    }

    @Test
    void predictionsAreTheLocalPredictorsAndTheModelIsLoadedOnce() throws IOException {
        List<Predictor.Prediction> local;
        try (NDManager m = NDManager.newBaseManager(); Predictor p = new Predictor(checkpoint, m)) {
            local = p.predict(images, 3);
        }
        PredictResponse remote = stub.predict(request(CHECKPOINT).build());
        assertEquals(images.size(), remote.getPredictionsCount());
        for (int i = 0; i < images.size(); i++) {
            ImagePrediction got = remote.getPredictions(i);
            assertEquals(images.get(i).getFileName().toString(), got.getName());
            assertEquals(3, got.getTopCount());
            for (int j = 0; j < 3; j++) {
                assertEquals(local.get(i).top().get(j).label(), got.getTop(j).getLabel(), "image " + i + " rank " + j);
                assertEquals(local.get(i).top().get(j).probability(), got.getTop(j).getProbability(), 1e-5);
            }
        }
        PredictResponse again = stub.predict(request("s3://" + store.bucket() + "/" + CHECKPOINT).setTopK(0).build());
        assertEquals(3, again.getPredictions(0).getTopCount(), "top_k 0 is 5, at most every class");
        assertEquals(remote.getPredictions(0).getTop(0), again.getPredictions(0).getTop(0));
        assertEquals(1, predictions.loads(), "the second call reused the loaded model");
    }

    @Test
    void onlyTheModelsUsedLastStayLoaded() throws IOException {
        for (int i = 0; i <= Predictions.MODELS; i++) {
            store.putFile("runs/r" + i + "/01-train/final.ckpt", checkpoint, "application/zip");
        }
        for (int i = 0; i <= Predictions.MODELS; i++) {
            stub.predict(request("runs/r" + i + "/01-train/final.ckpt").build());
        }
        stub.predict(request("runs/r" + Predictions.MODELS + "/01-train/final.ckpt").build());
        assertEquals(Predictions.MODELS + 1, predictions.loads(), "the last one used is still loaded");
        stub.predict(request("runs/r0/01-train/final.ckpt").build());
        assertEquals(Predictions.MODELS + 2, predictions.loads(), "the first one was dropped and is loaded again");
    }

    @Test
    void anImageThatCannotBeDecodedIsAnInvalidArgumentNamingIt() throws IOException {
        PredictRequest bad = request(CHECKPOINT).addImages(PredictImage.newBuilder().setName("notes.txt")
                .setData(ByteString.copyFromUtf8("not an image at all"))).build();
        Status s = status(() -> stub.predict(bad));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains("images[3]") && s.getDescription().contains("notes.txt"), s.getDescription());

        byte[] png = Files.readAllBytes(images.get(0));
        PredictRequest truncated = PredictRequest.newBuilder().setCheckpointKey(CHECKPOINT)
                .addImages(PredictImage.newBuilder().setData(ByteString.copyFrom(png, 0, png.length / 2))).build();
        s = status(() -> stub.predict(truncated));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains("images[0]"), s.getDescription());
    }

    @Test
    void anUnknownCheckpointIsNotFound() {
        Status s = status(() -> stub.predict(request("runs/nothing/01-train/final.ckpt").build()));
        assertEquals(Status.Code.NOT_FOUND, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains("runs/nothing/01-train/final.ckpt"), s.getDescription());
    }

    @Test
    void keysAClientMayNotNameAreInvalidArguments() throws IOException {
        for (String key : List.of("runs/../../etc/passwd", "runs/r/../../../etc/passwd", "/etc/passwd", "../x.ckpt",
                "datasets/model.ckpt", "s3://another-bucket/runs/r/01-train/final.ckpt", "runs\\r\\final.ckpt", "")) {
            PredictRequest r = request(key).build();
            Status s = status(() -> stub.predict(r));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), key + ": " + s.getDescription());
            assertTrue(s.getDescription().contains("checkpoint_key"), s.getDescription());
            assertTrue(!s.getDescription().contains(dir.toString()), "no server path: " + s.getDescription());
        }
        assertEquals(0, predictions.loads());
    }

    @Test
    void tooManyImagesOrTooLargeARequestIsRefused() throws IOException {
        PredictRequest.Builder many = request(CHECKPOINT).clearImages();
        byte[] png = Files.readAllBytes(images.get(0));
        for (int i = 0; i <= Predictions.MAX_IMAGES; i++) {
            many.addImages(PredictImage.newBuilder().setData(ByteString.copyFrom(png)));
        }
        Status s = status(() -> stub.predict(many.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains("several requests"), s.getDescription());

        PredictRequest huge = request(CHECKPOINT).clearImages().addImages(PredictImage.newBuilder()
                .setData(ByteString.copyFrom(new byte[Predictions.MAX_REQUEST_BYTES]))).build();
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, status(() -> stub.predict(huge)).getCode());
        assertEquals(0, predictions.loads());
    }
}
