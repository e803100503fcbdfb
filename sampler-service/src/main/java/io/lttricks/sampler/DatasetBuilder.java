package io.lttricks.sampler;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.platform.DataAccess;
import io.lttricks.platform.Platform;
import io.lttricks.core.util.Progress;
import io.lttricks.proto.v1.DatasetInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        } else {
            Datasets.Loaded loaded = data.load(spec, null, progress);
            m = loaded.manifest();
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
}
