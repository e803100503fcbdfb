package io.lttricks.bench;

import io.lttricks.core.util.LtPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the benchmarks find CIFAR-10: the same options, and the same default, as lt's. */
final class DataOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory holding CIFAR-10 (default: $LT_DATA_DIR, else ~/.lttricks/data).")
    Path dataDir;

    @Option(names = "--offline", description = "Never download; fail at once when data is missing.")
    boolean offline;

    Path dataDir() {
        return dataDir != null ? dataDir.toAbsolutePath().normalize() : LtPaths.dataDir();
    }
}
