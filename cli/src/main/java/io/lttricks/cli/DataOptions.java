package io.lttricks.cli;

import io.lttricks.core.util.LtPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where data sets are found and whether they may be downloaded. */
final class DataOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory holding data sets (CIFAR binaries or ImageFolder copies); missing CIFAR is"
                    + " downloaded here. Default: $LT_DATA_DIR, else ~/.lttricks/data."
                    + " On machines without internet: --data-dir ../shared/datasets")
    Path dataDir;

    @Option(names = "--offline", description = "Never download; fail at once when data is missing.")
    boolean offline;

    Path dataDir() {
        return dataDir != null ? dataDir.toAbsolutePath().normalize() : LtPaths.dataDir();
    }
}
