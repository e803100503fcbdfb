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
 * Data sets for the services. A recipe's source may be a local path (one machine), an object in
 * storage ({@code s3://bucket/datasets/...}, downloaded once into the work directory) or absent
 * for CIFAR, which is then looked up in storage under {@code datasets/}, then in the local data
 * directory, then downloaded. A run's training set is always its stored manifest, so every
 * service sees exactly the same images.
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
            Path m = fetch(manifestKey);
            local = new DatasetSpec(local.name(), local.source(), local.imbalance(), local.profile(), local.paretoAlpha(),
                    local.seed(), m.toString(), local.trainList(), local.testList(), local.classNames());
        }
        return new Datasets(platform.config().dataDir(), true, Progress.SILENT).load(local);
    }

    /** Downloads an object into the work directory, once (objects of a run never change). */
    public Path fetch(String key) throws IOException {
        Path file = platform.config().workDir().resolve("objects").resolve(key);
        if (!Files.exists(file)) {
            platform.store().getFile(key, file);
        }
        return file;
    }

    private DatasetSpec localSource(DatasetSpec spec) throws IOException {
        String source = spec.source();
        if (source != null && source.startsWith("s3://")) {
            return spec.withSource(fetch(Keys.keyOf(source, platform.store().bucket())).toString());
        }
        if (source == null && spec.name() != null) {
            String name = spec.name().toLowerCase(Locale.ROOT);
            if (name.equals("cifar10") || name.equals("cifar100")) {
                CifarBinary.Variant v = name.equals("cifar10") ? CifarBinary.Variant.CIFAR10 : CifarBinary.Variant.CIFAR100;
                String jpeg = name.equals("cifar10") ? "cifar-10-jpeg.tar.gz" : "cifar-100-jpeg.tar.gz";
                for (String file : List.of(v.archiveName, jpeg)) {
                    String key = Keys.DATASETS + file;
                    if (platform.store().exists(key)) {
                        return spec.withSource(fetch(key).toString());
                    }
                }
            }
        }
        return spec;
    }
}
