package io.lttricks.platform;

import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.ops.StartupWait;
import io.lttricks.platform.bus.Topics;
import java.io.IOException;

/**
 * What every service runs on: its configuration, the object store, the event bus and the meters.
 * One per process (the all-in-one launcher shares one among the four services).
 */
public record Platform(Config config, ObjectStore store, EventBus bus, ServiceMetrics metrics) implements AutoCloseable {

    /**
     * Connects to the configured storage and Kafka, creating the bucket and topics when missing, and
     * serves the metrics on the configured port. A dependency that does not answer yet is waited for
     * ({@link StartupWait}: health NOT_SERVING meanwhile, one log line per change).
     */
    public static Platform open(Config config, String service) throws IOException {
        ServiceMetrics metrics = ServiceMetrics.start(config);
        ObjectStore store = null;
        try (StartupWait wait = new StartupWait(config, service)) {
            store = ObjectStore.connect(config);
            ObjectStore connected = store;
            wait.until("storage at " + config.s3Endpoint(), connected::ensureBucket);
            wait.until("Kafka at " + config.kafkaBootstrap(), () -> Topics.ensure(config));
            wait.close();   // the port is the service's from here
            return new Platform(config, store, EventBus.connect(config, service), metrics);
        } catch (IOException | RuntimeException e) {
            if (store != null) {
                store.close();
            }
            metrics.close();
            throw e;
        }
    }

    @Override
    public void close() {
        bus.close();
        store.close();
        metrics.close();
    }
}
