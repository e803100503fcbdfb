package io.lttricks.core.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.plan.TrainPlan;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A training checkpoint: one zip file with {@code meta.json} (run, stage, epoch, the stage plan,
 * seed, class names and counts), {@code model.params} (DJL parameter encoding, batch-norm running
 * statistics included) and {@code optimizer.bin} (momentum buffers).
 *
 * <p>Random state: every random stream of training is a pure function of (seed, stream, epoch,
 * batch) (see {@link io.lttricks.core.util.Seeds}), so the seed and the epoch are the generator
 * state; a run resumed from epoch e draws what an uninterrupted run draws from epoch e + 1.
 * Files are written to a temporary name and renamed, so a crash never leaves half a checkpoint.
 */
public final class Checkpoint {
    /**
     * Format 2 records the typed {@link TrainPlan}; format 1 (before 2026-12-01) a flat plan, which
     * {@link #readMeta} still reads (see {@link LegacyPlan}).
     */
    public static final String FORMAT = "lttricks-checkpoint/2";
    static final String FORMAT_1 = "lttricks-checkpoint/1";
    static final String META = "meta.json";
    static final String MODEL = "model.params";
    static final String OPTIMIZER = "optimizer.bin";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * What a checkpoint says about itself.
     *
     * @param epoch      epochs of the stage completed
     * @param inputShape C, H, W of the network input
     * @param rng        how the random state is derived (see the class comment)
     * @param sha256     SHA-256 of each other entry (model.params, optimizer.bin), hex: {@link #verify}
     *                   checks them (null in checkpoints written before 2026-12-01: only the zip's CRCs)
     * @param testError  a best-test-epoch checkpoint's test top-1 error at {@code epoch} (else null)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Meta(String format, String run, String stage, int stageIndex, int epoch, int epochs,
                       String backbone, int numClasses, List<Long> inputShape, long seed, String rng,
                       List<String> classes, int[] trainCounts, TrainPlan plan, Double lastLoss, String createdAt,
                       java.util.Map<String, String> sha256, Double testError) {
        /** This meta with the entries' digests. */
        Meta withSha256(java.util.Map<String, String> digests) {
            return new Meta(format, run, stage, stageIndex, epoch, epochs, backbone, numClasses, inputShape, seed, rng,
                    classes, trainCounts, plan, lastLoss, createdAt, digests, testError);
        }
    }

    private Checkpoint() {
    }

    public static void write(Path file, Meta meta, Backbone model, SgdOptimizer optimizer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(1 << 20);
            DataOutputStream out = new DataOutputStream(bytes);
            model.saveParameters(out);
            out.flush();
            entries.put(MODEL, bytes.toByteArray());
            if (optimizer != null) {
                bytes.reset();
                optimizer.save(out);
                out.flush();
                entries.put(OPTIMIZER, bytes.toByteArray());
            }
            java.util.Map<String, String> digests = new java.util.TreeMap<>();
            entries.forEach((name, data) -> digests.put(name, sha256(data)));
            try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                zip.putNextEntry(new ZipEntry(META));
                zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta.withSha256(digests)));
                zip.closeEntry();
                for (var e : entries.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the whole checkpoint and checks it: a readable zip (every entry's CRC), its meta, the
     * model's parameters, and each entry's SHA-256 where the meta records one.
     *
     * @throws IOException saying what is wrong (truncated, bit-flipped, missing an entry)
     */
    public static Meta verify(Path file) throws IOException {
        Meta meta = readMeta(file);
        try (ZipFile zip = open(file)) {
            if (zip.getEntry(MODEL) == null) {
                throw new IOException(file + " holds no model parameters");
            }
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] data;
                try (InputStream in = zip.getInputStream(e)) {
                    data = in.readAllBytes();
                } catch (java.util.zip.ZipException ex) {
                    throw new IOException(file + ": entry " + e.getName() + " is damaged (" + ex.getMessage() + ")", ex);
                }
                String expected = meta.sha256() == null ? null : meta.sha256().get(e.getName());
                if (expected != null && !expected.equals(sha256(data))) {
                    throw new IOException(file + ": entry " + e.getName() + " does not match its SHA-256 (damaged)");
                }
            }
        }
        return meta;
    }

    /**
     * The newest of {@code candidates} (oldest first) that {@link #verify verifies}, or null; each one
     * skipped is reported to {@code skipped} with the reason.
     */
    public static Path newestValid(List<Path> candidates, java.util.function.Consumer<String> skipped) {
        for (int i = candidates.size() - 1; i >= 0; i--) {
            try {
                verify(candidates.get(i));
                return candidates.get(i);
            } catch (IOException e) {
                skipped.accept("checkpoint " + candidates.get(i).getFileName() + " is unusable and is skipped: "
                        + e.getMessage());
            }
        }
        return null;
    }

    public static Meta readMeta(Path file) throws IOException {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(META);
            if (e == null) {
                throw new IOException(file + " is not an lttricks checkpoint (no " + META + ")");
            }
            com.fasterxml.jackson.databind.node.ObjectNode node;
            try (InputStream in = zip.getInputStream(e)) {
                node = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(in);
            }
            String format = node.path("format").asText();
            if (FORMAT_1.equals(format)) {
                try {
                    node.set("plan", JSON.valueToTree(LegacyPlan.toTrainPlan(node.path("plan"))));
                } catch (IllegalArgumentException ex) {
                    throw new IOException(file + " is a format-1 checkpoint whose plan cannot be read ("
                            + ex.getMessage() + "); retrain the stage with this version", ex);
                }
            } else if (!FORMAT.equals(format)) {
                throw new IOException(file + " has checkpoint format '" + format + "', this version reads '" + FORMAT
                        + "' and '" + FORMAT_1 + "': use the lttricks version that wrote it");
            }
            return JSON.treeToValue(node, Meta.class);
        }
    }

    /** Builds the checkpoint's network and loads its weights, ready for training or inference. */
    public static Backbone loadModel(Path file, NDManager manager) throws IOException {
        Meta meta = readMeta(file);
        Backbone model = Backbones.create(meta.backbone(), meta.numClasses());
        loadInto(file, model, manager);
        List<Long> s = meta.inputShape();
        model.initialize(manager, DataType.FLOAT32, new Shape(1, s.get(0), s.get(1), s.get(2)));
        return model;
    }

    /** Loads the weights into an un-initialised network of the same architecture. */
    public static void loadInto(Path file, Backbone model, NDManager manager) throws IOException {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(MODEL);
            if (e == null) {
                throw new IOException(file + " holds no model parameters");
            }
            try (DataInputStream in = new DataInputStream(zip.getInputStream(e))) {
                model.loadParameters(manager, in);
            } catch (MalformedModelException ex) {
                throw new IOException("cannot load " + file + " into " + model.name() + ": " + ex.getMessage(), ex);
            }
        }
    }

    /** Restores the optimizer's momentum buffers. */
    static void loadOptimizer(Path file, SgdOptimizer optimizer, NDManager manager) throws IOException {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(OPTIMIZER);
            if (e == null) {
                throw new IOException(file + " holds no optimizer state; it cannot resume training exactly");
            }
            try (DataInputStream in = new DataInputStream(zip.getInputStream(e))) {
                optimizer.load(in, manager);
            }
        }
    }

    private static ZipFile open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint not found: " + file);
        }
        try {
            return new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a readable checkpoint (" + e.getMessage() + ")", e);
        }
    }
}
