package io.lttricks.cli;

import io.lttricks.core.util.LtPaths;
import io.lttricks.platform.Config;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where data sets are found and whether they may be downloaded. */
final class DataOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Directory holding data sets (CIFAR binaries or ImageFolder copies); missing CIFAR is"
                    + " downloaded here. Default: $LT_DATA_DIR, else ~/.lttricks/data. Without internet, point it at"
                    + " a directory holding cifar-10-binary.tar.gz (or the JPEG copy) and add --offline.")
    Path dataDir;

    @Option(names = "--offline", description = "Never download; fail at once when data is missing.")
    boolean offline;

    Path dataDir() {
        return dataDir != null ? dataDir.toAbsolutePath().normalize() : LtPaths.dataDir();
    }

    /**
     * What the services of {@code lt up} and {@code lt run} are told about downloads: off with
     * --offline, else $LT_DOWNLOADS as set (they read no other variable of this process).
     */
    Map<String, String> servicesEnv() {
        String downloads = offline ? "off" : System.getenv(Config.DOWNLOADS);
        return downloads == null ? Map.of() : Map.of(Config.DOWNLOADS, downloads);
    }
}
