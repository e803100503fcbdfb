package io.lttricks.platform.store;

import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.Config;
import io.lttricks.platform.Platform;
import io.lttricks.core.data.CifarBinary;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.Downloader;
import io.lttricks.core.data.ShardSet;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.data.ShardSource;
import io.lttricks.core.data.ShardStream;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Data sets for the services. Every location a data set names (source, train_list, test_list,
 * class_names, manifest) is what a client may name ({@link ClientInputs}), checked here again
 * before anything is read: an object in storage ({@code s3://bucket/datasets/...}, downloaded
 * once into the work directory) or a data set registered on the server ({@code dataset://NAME/...},
 * in a directory of {@value Config#DATASET_DIRS}); never a path of the server. CIFAR without a
 * source is looked up in storage under {@code datasets/}, then in the local data directory, then
 * downloaded unless {@value Config#DOWNLOADS} is off. A run's training set is always its stored
 * manifest, so every service sees exactly the same images.
 */
public final class DataAccess {
    private final Platform platform;

    public DataAccess(Platform platform) {
        this.platform = platform;
    }

    /** The data set with the run's manifest (downloaded from {@code manifestKey}, if given). */
    public Datasets.Loaded load(DatasetSpec spec, String manifestKey) throws IOException {
        return load(spec, manifestKey, Progress.SILENT);
    }

    /** {@link #load(DatasetSpec, String)}, telling {@code progress} of downloads and decoding. */
    public Datasets.Loaded load(DatasetSpec spec, String manifestKey, Progress progress) throws IOException {
        if (ShardSet.isIndex(spec.source())) {
            return loadShards(spec, manifestKey, progress);
        }
        DatasetSpec local = localSource(spec);
        if (manifestKey != null && !manifestKey.isBlank()) {
            Path m = fetch(ClientInputs.key(manifestKey, "manifest_key", ClientInputs.INPUT_PREFIXES));
            local = local.withManifest(m.toString());
        }
        CifarBinary.Variant cifar = CifarBinary.Variant.named(spec.name());
        if (cifar != null && local.source() == null) {
            // Not in storage (localSource would have named it as the source): the data directory is the last place.
            String missing = notHere(cifar, local);
            if (missing != null) {
                throw new IOException(missing);
            }
        }
        try {
            return datasets(progress).load(local);
        } catch (IOException e) {
            // Datasets' own advice names its command line's options; a client of the services needs storage.
            if (e.getCause() instanceof Downloader.OfflineException offline && cifar != null) {
                throw new IOException(missing(cifar, "downloading it failed (" + offline.getMessage() + ")"), e);
            }
            throw e;
        }
    }

    /**
     * A data set stored as shards ({@link ShardSet}): in storage ({@code s3://.../shards.json}), read
     * image by image through the process's shard cache ({@value Config#SHARD_CACHE}), or registered
     * on the server ({@code dataset://NAME/.../shards.json}), read in place. Nothing is downloaded
     * before training starts but the index and its images files.
     */
    private Datasets.Loaded loadShards(DatasetSpec spec, String manifestKey, Progress progress) throws IOException {
        ClientInputs.dataset(spec, platform.store().bucket(), "dataset");
        String manifest = manifestKey != null && !manifestKey.isBlank()
                ? fetch(ClientInputs.key(manifestKey, "manifest_key", ClientInputs.INPUT_PREFIXES)).toString()
                : local(spec.manifest());
        DatasetSpec rest = new DatasetSpec(spec.name(), spec.source(), spec.imbalance(), spec.profile(),
                spec.paretoAlpha(), spec.seed(), manifest, null, null, null);
        return datasets(progress).load(rest, shards(spec.source()));
    }

    /** The stream of the shard set whose index {@code location} names (checked by {@link ClientInputs#dataset}). */
    public ShardStream shards(String location) throws IOException {
        if (ClientInputs.isRegistered(location)) {
            Path index = ClientInputs.requireRegistered(platform.config().datasetDirs(),
                    ClientInputs.registered(location, "dataset"));
            Path dir = index.getParent();
            return SharedShards.stream(dir.toString(), ShardSource.directory(dir), null, true);
        }
        return SharedShards.open(platform.store(), platform.config(), location);
    }

    /**
     * Why this service cannot have {@code spec}'s images without a client's help, or null: CIFAR named
     * without a source that is in neither storage's {@code datasets/} nor the data directory, while
     * downloads are off ({@value Config#DOWNLOADS}). Reads object names and file names only, so the
     * run service can ask it of every submission.
     */
    public String unavailable(DatasetSpec spec) throws IOException {
        if (ShardSet.isIndex(spec.source()) && Recipes.isObjectReference(spec.source())) {
            String key = Keys.keyOf(spec.source(), platform.store().bucket());
            return Keys.problem(key) != null || platform.store().exists(key) ? null
                    : "the shard set " + spec.source() + " is not in storage: write it there first (lt dataset shard"
                    + " --source DIR --upload NAME; deploy/README.md, \"Data\")";
        }
        CifarBinary.Variant v = CifarBinary.Variant.named(spec.name());
        return v == null || spec.source() != null || storedCifar(v) != null ? null : notHere(v, spec);
    }

    /** Why CIFAR not in storage cannot be had from the data directory or a download either, or null. */
    private String notHere(CifarBinary.Variant v, DatasetSpec spec) {
        return datasets().unavailable(spec) == null ? null
                : missing(v, "downloads are off (" + Config.DOWNLOADS + "=off)");
    }

    private Datasets datasets() {
        return datasets(Progress.SILENT);
    }

    private Datasets datasets(Progress progress) {
        return new Datasets(platform.config().dataDir(), platform.config().downloads(), progress);
    }

    /** Storage's keys for CIFAR, binary archive first: where {@code lt dataset upload} puts it. */
    private static List<String> cifarKeys(CifarBinary.Variant v) {
        return List.of(Keys.DATASETS + v.archiveName, Keys.DATASETS + v.jpegName() + ".tar.gz");
    }

    /** The first of {@link #cifarKeys} in storage, or null. */
    private String storedCifar(CifarBinary.Variant v) throws IOException {
        for (String key : cifarKeys(v)) {
            if (platform.store().exists(key)) {
                return key;
            }
        }
        return null;
    }

    /** What a client reads when CIFAR is nowhere: where the services looked, why they did not download it, what to do. */
    private String missing(CifarBinary.Variant v, String why) {
        List<String> keys = cifarKeys(v);
        return v + " is not in storage (" + platform.store().uri(keys.get(0)) + " or " + platform.store().uri(keys.get(1))
                + ") nor in the services' data directory ($" + Config.DATA_DIR + "), and " + why + ": upload it first,"
                + " e.g. lt dataset upload " + v.archiveName + " (deploy/README.md, \"Data\"), or name a source";
    }

    /**
     * Downloads an object into the work directory, once (objects of a run never change). The key
     * is checked ({@link Keys#check}) before anything else, so no key reaches outside
     * {@code work/objects/}, whatever the disk holds.
     */
    public Path fetch(String key) throws IOException {
        Keys.check(key);
        Path objects = platform.config().workDir().resolve("objects").toAbsolutePath().normalize();
        Path file = objects.resolve(key).normalize();
        if (!file.startsWith(objects)) {
            throw new IllegalArgumentException("not a valid object key: " + ClientInputs.quote(key));
        }
        if (!Files.exists(file)) {
            platform.store().getFile(key, file);
        }
        return file;
    }

    /** The spec with every location it names as a local file: downloaded objects, registered data sets. */
    private DatasetSpec localSource(DatasetSpec spec) throws IOException {
        String bucket = platform.store().bucket();
        ClientInputs.dataset(spec, bucket, "dataset");
        DatasetSpec local = new DatasetSpec(spec.name(), local(spec.source()), spec.imbalance(), spec.profile(),
                spec.paretoAlpha(), spec.seed(), local(spec.manifest()), local(spec.trainList()), local(spec.testList()),
                local(spec.classNames()));
        CifarBinary.Variant v = CifarBinary.Variant.named(spec.name());
        String stored = v != null && spec.source() == null ? storedCifar(v) : null;
        return stored == null ? local : local.withSource(fetch(stored).toString());
    }

    /** A checked location ({@link ClientInputs#dataset}) as a local path. */
    private String local(String location) throws IOException {
        if (location == null) {
            return null;
        }
        if (ClientInputs.isRegistered(location)) {
            return ClientInputs.requireRegistered(platform.config().datasetDirs(),
                    ClientInputs.registered(location, "dataset")).toString();
        }
        return fetch(Keys.keyOf(location, platform.store().bucket())).toString();
    }
}
