package io.lttricks.sampler;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.Platform;
import io.lttricks.core.util.Progress;
import io.lttricks.proto.v1.DatasetInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds a long-tailed training set and stores its manifest; again later, it reads the stored one. */
final class DatasetBuilder {
    private final Platform platform;
    private final DataAccess data;

    DatasetBuilder(Platform platform) {
        this.platform = platform;
        this.data = new DataAccess(platform);
    }

    DatasetInfo build(DatasetSpec spec, String manifestKey) throws IOException {
        return build(spec, manifestKey, Progress.SILENT);
    }

    /** Builds (or reads) the training set, telling {@code progress} of downloads and decoding. */
    DatasetInfo build(DatasetSpec spec, String manifestKey, Progress progress) throws IOException {
        LongTailManifest m;
        if (platform.store().exists(manifestKey)) {
            m = LongTailManifest.read(data.fetch(manifestKey));
            String other = otherSelection(m, spec);
            if (other != null) {
                throw new io.lttricks.platform.grpc.OutputExists("manifest_key: " + manifestKey + " already holds another"
                        + " training set (" + other + "); leave manifest_key out or choose another key");
            }
        } else {
            Datasets.Loaded loaded = data.load(spec, null, progress);
            // The source as the client named it (a location), not the file this service read it from.
            LongTailManifest read = loaded.manifest();
            m = new LongTailManifest(read.format(), read.dataset(), spec.source(), read.profile(), read.imbalance(),
                    read.seed(), read.classes(), read.counts(), read.images());
            Path tmp = Files.createTempFile("manifest", ".json");
            try {
                m.write(tmp);
                platform.store().putFile(manifestKey, tmp, "application/json");
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        DatasetInfo.Builder info = DatasetInfo.newBuilder().setManifestKey(manifestKey).addAllClasses(m.classes())
                .setImages(m.total());
        for (int c : m.counts()) {
            info.addCounts(c);
        }
        return info.build();
    }

    /**
     * How a stored manifest's selection differs from the one {@code spec} asks for (data set,
     * source, profile, imbalance, seed), or null when it is the same. A manifest written before
     * sources were recorded as locations (a local path) is not compared by source.
     */
    static String otherSelection(LongTailManifest m, DatasetSpec spec) {
        List<String> d = new ArrayList<>();
        if (!spec.name().equalsIgnoreCase(m.dataset())) {
            d.add("data set " + m.dataset() + ", asked " + spec.name());
        }
        if (spec.manifest() != null) {
            return d.isEmpty() ? null : String.join("; ", d); // the selection is the given manifest's
        }
        boolean location = m.source() == null || m.source().startsWith("s3://")
                || m.source().startsWith(io.lttricks.platform.grpc.ClientInputs.REGISTERED);
        if (location && !java.util.Objects.equals(m.source(), spec.source())) {
            d.add("another source");
        }
        String profile = spec.imbalance() == null ? "none" : spec.profileOrDefault();
        if (!profile.equalsIgnoreCase(m.profile())) {
            d.add("profile " + m.profile() + ", asked " + profile);
        }
        if (!java.util.Objects.equals(spec.imbalance(), m.imbalance())) {
            d.add("imbalance " + m.imbalance() + ", asked " + spec.imbalance());
        }
        if (spec.imbalance() != null && m.seed() != null && m.seed() != spec.seedOrDefault()) {
            d.add("seed " + m.seed() + ", asked " + spec.seedOrDefault());
        }
        return d.isEmpty() ? null : String.join("; ", d);
    }
}
