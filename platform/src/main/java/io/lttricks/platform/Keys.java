package io.lttricks.platform;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Object keys of the system, in one place. A run owns {@code runs/<id>/}; each stage a directory
 * named {@code NN-<stage>} in it, as in a local run directory.
 */
public final class Keys {
    /** Data sets uploaded for the services (e.g. datasets/cifar-10-jpeg.tar.gz). */
    public static final String DATASETS = "datasets/";

    private static final Pattern SHARD_NAME = Pattern.compile("\\d{5}-of-\\d{5}\\.zip");
    private static final Pattern CHECKPOINT_NAME = Pattern.compile("epoch-\\d+\\.ckpt");

    private Keys() {
    }

    /**
     * Whether a listed key is a finished shard ({@link #shard}). Listings can hold other names: an
     * S3 server over a file system (the embedded one) lists an object still being written as
     * KEY-UUID, and nothing may read or count that.
     */
    public static boolean isShard(String key) {
        return SHARD_NAME.matcher(key.substring(key.lastIndexOf('/') + 1)).matches();
    }

    /** Whether a listed key is a periodic checkpoint ({@code epoch-NNNN.ckpt}); see {@link #isShard}. */
    public static boolean isCheckpoint(String key) {
        return CHECKPOINT_NAME.matcher(key.substring(key.lastIndexOf('/') + 1)).matches();
    }

    public static String run(String runId) {
        return "runs/" + runId;
    }

    public static String recipe(String runId) {
        return run(runId) + "/recipe.json";
    }

    public static String manifest(String runId) {
        return run(runId) + "/manifest.json";
    }

    public static String stage(String runId, int index, String name) {
        return run(runId) + "/" + String.format(Locale.ROOT, "%02d-%s", index + 1, name);
    }

    public static String finalCheckpoint(String stagePrefix) {
        return stagePrefix + "/final.ckpt";
    }

    public static String checkpoints(String stagePrefix) {
        return stagePrefix + "/checkpoints/";
    }

    public static String history(String stagePrefix) {
        return stagePrefix + "/history.jsonl";
    }

    public static String generated(String stagePrefix) {
        return stagePrefix + "/generated";
    }

    public static String generatedManifest(String generatedPrefix) {
        return generatedPrefix + "/generated.json";
    }

    public static String shard(String generatedPrefix, int shard, int shards) {
        return generatedPrefix + String.format(Locale.ROOT, "/shards/%05d-of-%05d.zip", shard, shards);
    }

    public static String shards(String generatedPrefix) {
        return generatedPrefix + "/shards/";
    }

    public static String report(String stagePrefix) {
        return stagePrefix + "/report";
    }

    /** The key of an s3://bucket/key reference in this bucket, or the string itself when it is a key. */
    public static String keyOf(String reference, String bucket) {
        String prefix = "s3://" + bucket + "/";
        if (reference.startsWith(prefix)) {
            return reference.substring(prefix.length());
        }
        if (reference.startsWith("s3://")) {
            throw new IllegalArgumentException(reference + " is in another bucket than " + bucket);
        }
        return reference;
    }
}
