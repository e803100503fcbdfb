package io.lttricks.platform;

import java.io.IOException;

/**
 * What every service runs on: its configuration, the object store and the event bus. One per
 * process (the all-in-one launcher shares one among the four services).
 */
public record Platform(Config config, ObjectStore store, EventBus bus) implements AutoCloseable {

    /** Connects to the configured storage and Kafka, creating the bucket and topics when missing. */
    public static Platform open(Config config, String service) throws IOException {
        ObjectStore store = ObjectStore.connect(config);
        try {
            store.ensureBucket();
            Topics.ensure(config);
            return new Platform(config, store, EventBus.connect(config, service));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void close() {
        bus.close();
        store.close();
    }
}
