package io.lttricks.platform.testing;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.Platform;
import io.lttricks.platform.ops.ServiceMetrics;
import java.nio.file.Path;
import java.util.Map;

/** A {@link Platform} on in-memory storage, bus and meters, for tests of a service's logic without Kafka or S3. */
public final class TestPlatform {
    private TestPlatform() {
    }

    /** A configuration with its work and data directories under {@code dir}, instance {@code instance}. */
    public static Config config(Path dir, String instance) {
        return config(dir, instance, Map.of());
    }

    /** {@link #config(Path, String)} with more settings ({@link Config}'s keys), e.g. registered data set directories. */
    public static Config config(Path dir, String instance, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                Config.WORK_DIR, dir.resolve("work").toString(),
                Config.DATA_DIR, dir.resolve("data").toString(),
                Config.INSTANCE, instance,
                Config.KAFKA_BOOTSTRAP, "in-memory:0",
                Config.S3_ENDPOINT, "http://in-memory"));
        env.putAll(more);
        return Config.from(env, 0);
    }

    public static Platform of(Path dir, String instance, ObjectStore store, EventBus bus) {
        return new Platform(config(dir, instance), store, bus, ServiceMetrics.inMemory());
    }

    /** {@link #of(Path, String, ObjectStore, EventBus)} with more settings. */
    public static Platform of(Path dir, String instance, ObjectStore store, EventBus bus, Map<String, String> more) {
        return new Platform(config(dir, instance, more), store, bus, ServiceMetrics.inMemory());
    }
}
