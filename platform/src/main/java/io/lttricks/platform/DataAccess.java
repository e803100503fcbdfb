package io.lttricks.platform;

import io.lttricks.core.data.CifarBinary;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Data sets for the services. Every location a data set names (source, train_list, test_list,
 * class_names, manifest) is what a client may name ({@link ClientInputs}), checked here again
 * before anything is read: an object in storage ({@code s3://bucket/datasets/...}, downloaded
 * once into the work directory) or a data set registered on the server ({@code dataset://NAME/...},
 * in a directory of {@value Config#DATASET_DIRS}); never a path of the server. CIFAR without a
 * source is looked up in storage under {@code datasets/}, then in the local data directory, then
 * downloaded. A run's training set is always its stored manifest, so every service sees exactly
 * the same images.
 */
public final class DataAccess {
    private final Platform platform;

    public DataAccess(Platform platform) {
        this.platform = platform;
    }

    /** The data set with the run's manifest (downloaded from {@code manifestKey}, if given). */
    public Datasets.Loaded load(DatasetSpec spec, String manifestKey) throws IOException {
        DatasetSpec local = localSource(spec);
        if (manifestKey != null && !manifestKey.isBlank()) {
            Path m = fetch(ClientInputs.key(manifestKey, "manifest_key", ClientInputs.INPUT_PREFIXES));
            local = local.withManifest(m.toString());
        }
        return new Datasets(platform.config().dataDir(), true, Progress.SILENT).load(local);
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
        if (spec.source() == null && spec.name() != null) {
            String name = spec.name().toLowerCase(Locale.ROOT);
            if (name.equals("cifar10") || name.equals("cifar100")) {
                CifarBinary.Variant v = name.equals("cifar10") ? CifarBinary.Variant.CIFAR10 : CifarBinary.Variant.CIFAR100;
                String jpeg = name.equals("cifar10") ? "cifar-10-jpeg.tar.gz" : "cifar-100-jpeg.tar.gz";
                for (String file : List.of(v.archiveName, jpeg)) {
                    String key = Keys.DATASETS + file;
                    if (platform.store().exists(key)) {
                        return local.withSource(fetch(key).toString());
                    }
                }
            }
        }
        return local;
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
