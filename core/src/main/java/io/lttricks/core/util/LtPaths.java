package io.lttricks.core.util;

import java.nio.file.Path;

/** Where lttricks keeps its data sets and caches, overridable by environment variables. */
public final class LtPaths {
    /** Environment variable naming the directory that holds (or receives) data sets. */
    public static final String DATA_DIR_ENV = "LT_DATA_DIR";
    /** Environment variable naming the cache directory (extracted archives). */
    public static final String CACHE_DIR_ENV = "LT_CACHE_DIR";
    /** System property that overrides both environment and default (tests, embedded use). */
    public static final String CACHE_DIR_PROPERTY = "lttricks.cache.dir";

    private LtPaths() {
    }

    /** {@code $LT_DATA_DIR}, else {@code ~/.lttricks/data}. */
    public static Path dataDir() {
        String env = System.getenv(DATA_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".lttricks", "data");
    }

    /** {@code -Dlttricks.cache.dir}, else {@code $LT_CACHE_DIR}, else {@code ~/.lttricks/cache}. */
    public static Path cacheDir() {
        String prop = System.getProperty(CACHE_DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        String env = System.getenv(CACHE_DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".lttricks", "cache");
    }
}
