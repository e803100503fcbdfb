package io.lttricks.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real CIFAR-10 copy of the workspace ({@code ../shared/datasets/cifar-10-jpeg.tar.gz} beside the
 * repository, or {@code $LT_SHARED_DATASETS}). Tests that need it are skipped where it is absent.
 */
public final class SharedData {
    private SharedData() {
    }

    public static Path datasetsDir() {
        String env = System.getenv("LT_SHARED_DATASETS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path p = Path.of("").toAbsolutePath();
        for (int up = 0; up < 4 && p != null; up++, p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            Path sibling = p.resolveSibling("shared").resolve("datasets");
            if (Files.isDirectory(sibling)) {
                return sibling;
            }
        }
        return Path.of("../shared/datasets");
    }

    public static Path cifar10Jpeg() {
        return datasetsDir().resolve("cifar-10-jpeg.tar.gz");
    }

    public static boolean hasCifar10Jpeg() {
        return Files.isRegularFile(cifar10Jpeg());
    }
}
