package io.lttricks.platform.store;

import io.lttricks.platform.grpc.ClientInputs;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Object keys of the system, in one place. A run owns {@code runs/<id>/}; each stage a directory
 * named {@code NN-<stage>} in it, as in a local run directory.
 */
public final class Keys {
    /** Data sets uploaded for the services (e.g. datasets/cifar-10-jpeg.tar.gz). */
    public static final String DATASETS = "datasets/";
    /** Everything a run writes: {@code runs/<id>/...}. */
    public static final String RUNS = "runs/";

    /** Longest key accepted (S3 allows 1024 bytes); a segment at most 255 bytes, a file name's limit. */
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_SEGMENT_BYTES = 255;

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

    /** The stage's best test epoch's weights, when its plan keeps them (a cam stage reads them). */
    public static String bestCheckpoint(String stagePrefix) {
        return stagePrefix + "/best.ckpt";
    }

    public static String checkpoints(String stagePrefix) {
        return stagePrefix + "/checkpoints/";
    }

    public static String history(String stagePrefix) {
        return stagePrefix + "/history.jsonl";
    }

    /** What the stage ran on, one line per start (core's RunLayout.ENVIRONMENT). */
    public static String environment(String stagePrefix) {
        return stagePrefix + "/environment.jsonl";
    }

    public static String generated(String stagePrefix) {
        return stagePrefix + "/generated";
    }

    public static String generatedManifest(String generatedPrefix) {
        return generatedPrefix + "/generated.json";
    }

    /** A picture of the generation at work (PreviewGrid), stored with the first shard. */
    public static String camPreview(String generatedPrefix) {
        return generatedPrefix + "/preview.png";
    }

    /** Written when a generation starts under the prefix, before any shard. */
    public static String generationStarted(String generatedPrefix) {
        return generatedPrefix + "/started.json";
    }

    public static String shard(String generatedPrefix, int shard, int shards) {
        return generatedPrefix + String.format(Locale.ROOT, "/shards/%05d-of-%05d.zip", shard, shards);
    }

    public static String shards(String generatedPrefix) {
        return generatedPrefix + "/shards/";
    }

    /** The chunk of epoch orders starting at {@code firstEpoch}, as the sampler service writes it for a training stage. */
    public static String orders(String stagePrefix, int firstEpoch) {
        return stagePrefix + "/orders/epochs-" + String.format(java.util.Locale.ROOT, "%04d", firstEpoch) + ".bin";
    }

    public static String report(String stagePrefix) {
        return stagePrefix + "/report";
    }

    /**
     * The key of an s3://bucket/key reference in this bucket, or the string itself when it is a key;
     * checked ({@link #check}) either way.
     */
    public static String keyOf(String reference, String bucket) {
        String prefix = "s3://" + bucket + "/";
        if (reference.startsWith(prefix)) {
            return check(reference.substring(prefix.length()));
        }
        if (reference.startsWith("s3://")) {
            throw new IllegalArgumentException(ClientInputs.quote(reference) + " is in another bucket than " + bucket);
        }
        return check(reference);
    }

    /**
     * {@code key} when it is a key in canonical form, which every store and every local mirror of
     * it ({@code work/objects/<key>}) reads as written: '/'-separated segments, none empty, "." or
     * "..", no leading '/', no backslash, no control character, at most {@value #MAX_KEY_BYTES}
     * bytes ({@value #MAX_SEGMENT_BYTES} a segment). Nothing is rewritten: a key that is not
     * canonical is refused, so that no two spellings name one object and none leaves its directory.
     *
     * @throws IllegalArgumentException saying what is wrong (the key quoted, shortened, with control
     *                                  characters escaped)
     */
    public static String check(String key) {
        String problem = problem(key);
        if (problem != null) {
            throw new IllegalArgumentException("not a valid object key: " + ClientInputs.quote(key) + " (" + problem + ")");
        }
        return key;
    }

    /** Why {@code key} is not a canonical key ({@link #check}), or null when it is. */
    public static String problem(String key) {
        if (key == null || key.isEmpty()) {
            return "empty";
        }
        if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "longer than " + MAX_KEY_BYTES + " bytes";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\' || c == 0x2028 || c == 0x2029) {
                return c == '\\' ? "a backslash" : "a control character";
            }
        }
        if (key.startsWith("/")) {
            return "absolute";
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                return key.endsWith("/") ? "ends with '/'" : "an empty segment ('//')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "a '" + segment + "' segment";
            }
            if (segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
        }
        return null;
    }

    /** Whether {@code key} (canonical) lies under one of {@code prefixes} (each ending in '/'). */
    public static boolean under(String key, java.util.Collection<String> prefixes) {
        return prefixes.stream().anyMatch(key::startsWith);
    }
}
