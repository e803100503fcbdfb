package io.lttricks.evaluator;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.eval.Predictor;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.Platform;
import io.lttricks.platform.TransientFailure;
import io.lttricks.proto.v1.ImagePrediction;
import io.lttricks.proto.v1.PredictImage;
import io.lttricks.proto.v1.PredictRequest;
import io.lttricks.proto.v1.PredictResponse;
import io.lttricks.proto.v1.ScoredClass;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Predict: a stored checkpoint applied to images a client sends, through the core's
 * {@link Predictor} (the decoding, test transform and scores of {@code lt predict}; there is no
 * second path). The {@value #MODELS} models used last stay loaded, so repeated calls on one
 * checkpoint read and load it once; checkpoints under {@code runs/} are written once, so a loaded
 * model never goes stale.
 */
public final class Predictions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Predictions.class);

    /** Most images in one request: a batch of the model's forward pass. */
    public static final int MAX_IMAGES = io.lttricks.api.ApiLimits.PREDICT_MAX_IMAGES;
    /** Largest request the evaluator accepts (gRPC answers RESOURCE_EXHAUSTED above it). */
    public static final int MAX_REQUEST_BYTES = io.lttricks.api.ApiLimits.PREDICT_MAX_REQUEST_BYTES;
    /** Longest image name a client may give. */
    public static final int MAX_NAME_CHARS = io.lttricks.api.ApiLimits.PREDICT_MAX_NAME_CHARS;
    /** Classes per image when a request leaves top_k at 0, as lt predict's default. */
    public static final int DEFAULT_TOP_K = 5;
    /** Models kept loaded: a ResNet-32 is 2 MB, a ResNet-50 100 MB. */
    static final int MODELS = 4;

    private final Platform platform;
    private final DataAccess data;
    /** Least recently used first. */
    private final LinkedHashMap<String, Predictor> loaded = new LinkedHashMap<>(8, 0.75f, true);
    private NDManager manager;
    private int loads;

    Predictions(Platform platform) {
        this.platform = platform;
        this.data = new DataAccess(platform);
    }

    /** The reply to a Predict call; refusals are {@link StatusRuntimeException}s with the codes of the proto. */
    PredictResponse predict(PredictRequest request) {
        String key;
        try {
            key = checkpointKey(request.getCheckpointKey(), platform.store().bucket());
            check(request);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        List<byte[]> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < request.getImagesCount(); i++) {
            PredictImage image = request.getImages(i);
            images.add(image.getData().toByteArray());
            // What the decoder's messages call the image: its index, and the client's name for it.
            labels.add("images[" + i + "]" + (image.getName().isEmpty() ? "" : " " + ClientInputs.quote(image.getName())));
        }
        int k = request.getTopK() == 0 ? DEFAULT_TOP_K : request.getTopK();
        List<Predictor.Prediction> out;
        try {
            out = run(key, images, labels, k);
        } catch (Predictor.UnreadableImage e) {
            throw Status.INVALID_ARGUMENT.withDescription(ClientMessages.of(e, platform)).asRuntimeException();
        } catch (IOException e) {
            throw Status.UNAVAILABLE.withDescription("storage could not be reached; try again").asRuntimeException();
        }
        PredictResponse.Builder reply = PredictResponse.newBuilder();
        for (int i = 0; i < out.size(); i++) {
            ImagePrediction.Builder p = ImagePrediction.newBuilder().setName(request.getImages(i).getName());
            for (Predictor.Scored s : out.get(i).top()) {
                p.addTop(ScoredClass.newBuilder().setLabel(s.label()).setProbability(s.probability()));
            }
            reply.addPredictions(p);
        }
        return reply.build();
    }

    /** The checkpoint a request names: a key under runs/, or s3://BUCKET/KEY in this bucket. */
    static String checkpointKey(String given, String bucket) {
        if (given.isEmpty()) {
            throw new IllegalArgumentException("checkpoint_key is required: " + ClientInputs.checkpointAdvice(bucket));
        }
        return given.startsWith("s3://")
                ? ClientInputs.objectReference(given, bucket, "checkpoint_key", ClientInputs.CHECKPOINT_PREFIXES,
                ClientInputs.checkpointAdvice(bucket))
                : ClientInputs.key(given, "checkpoint_key", ClientInputs.CHECKPOINT_PREFIXES);
    }

    private static void check(PredictRequest request) {
        int n = request.getImagesCount();
        if (n < 1 || n > MAX_IMAGES) {
            throw new IllegalArgumentException("images: 1 to " + MAX_IMAGES + " a request, got " + n
                    + (n > MAX_IMAGES ? "; send them in several requests" : ""));
        }
        if (request.getTopK() < 0) {
            throw new IllegalArgumentException("top_k: at least 1 (0 means " + DEFAULT_TOP_K + "), got " + request.getTopK());
        }
        for (int i = 0; i < n; i++) {
            if (request.getImages(i).getName().length() > MAX_NAME_CHARS) {
                throw new IllegalArgumentException("images[" + i + "].name: at most " + MAX_NAME_CHARS + " characters, got "
                        + request.getImages(i).getName().length());
            }
        }
    }

    /**
     * Loads (or reuses) the model and predicts. One call at a time: PyTorch's forward pass already
     * uses every core, and a model is never closed (evicted) while another call uses it.
     */
    private synchronized List<Predictor.Prediction> run(String key, List<byte[]> images, List<String> labels, int k)
            throws IOException {
        Predictor predictor = loaded.get(key);
        if (predictor == null) {
            predictor = load(key);
            loaded.put(key, predictor);
            if (loaded.size() > MODELS) {
                Map.Entry<String, Predictor> eldest = loaded.entrySet().iterator().next();
                loaded.remove(eldest.getKey());
                eldest.getValue().close();
            }
        }
        return predictor.predictEncoded(images, labels, Math.min(k, predictor.classes().size()));
    }

    private Predictor load(String key) throws IOException {
        String uri = platform.store().uri(key);
        try {
            if (!platform.store().exists(key)) {
                throw Status.NOT_FOUND.withDescription("no checkpoint " + uri + " in storage").asRuntimeException();
            }
            if (manager == null) {
                manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice());
            }
            Predictor p = new Predictor(data.fetch(key), manager);
            loads++;
            return p;
        } catch (ObjectStore.NoSuchObjectException e) {
            throw Status.NOT_FOUND.withDescription("no checkpoint " + uri + " in storage").asRuntimeException();
        } catch (IOException | RuntimeException e) {
            if (e instanceof StatusRuntimeException sre) {
                throw sre;
            }
            if (TransientFailure.in(e)) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
            LOG.error("loading checkpoint {} for Predict", key, e);
            throw Status.FAILED_PRECONDITION.withDescription("cannot load " + uri + " as a checkpoint: "
                    + ClientMessages.of(e, platform)).asRuntimeException();
        }
    }

    /** How many times a model was loaded (tests: repeated calls reuse it). */
    synchronized int loads() {
        return loads;
    }

    @Override
    public synchronized void close() {
        loaded.values().forEach(Predictor::close);
        loaded.clear();
        if (manager != null) {
            manager.close();
        }
    }
}
