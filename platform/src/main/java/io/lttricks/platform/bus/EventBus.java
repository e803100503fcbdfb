package io.lttricks.platform.bus;

import io.lttricks.platform.Config;
import io.lttricks.platform.TransientFailure;
import com.google.protobuf.MessageLite;
import io.lttricks.proto.v1.RunEvent;

/**
 * The event bus of the system: protobuf messages on topics ({@link Topics}), keyed by run id. A job
 * or event the caller has published is on the log when the call returns. {@link KafkaEventBus} is
 * the real one; tests use the in-memory one of platform's test jar, which records what was
 * published.
 *
 * <p>A publication that fails throws an {@link IllegalStateException}: an {@link UnavailableException}
 * when the broker could not be reached or timed out (trying again may succeed).
 */
public interface EventBus extends AutoCloseable {

    /** The bus on the Kafka cluster the configuration names; {@code service} names the publisher in events. */
    static EventBus connect(Config config, String service) {
        return new KafkaEventBus(config, service);
    }

    /** Who publishes, as events name it: service/instance. */
    String source();

    void publish(String topic, String key, MessageLite message);

    /**
     * Publishes the {@code index}-th of a set of jobs to partition {@code index mod partitions}, so
     * that n jobs land on min(n, partitions) partitions evenly, where hashing their keys would put
     * some on the same partition and leave consumers of other partitions idle.
     */
    void publishSpread(String topic, String key, int index, MessageLite message);

    /** Publishes a run event on {@link Topics#EVENTS}, stamping time and source. */
    default void event(RunEvent.Builder event) {
        RunEvent e = event.setTimeMs(System.currentTimeMillis()).setSource(source()).build();
        publish(Topics.EVENTS, e.getRunId(), e);
    }

    /**
     * Checks that the broker answers now, for the health service; throws an {@link UnavailableException}
     * when it does not. The default asks nothing (a bus with no broker behind it).
     */
    default void probe() {
    }

    @Override
    void close();

    /** The broker could not be reached or timed out: trying again may succeed. */
    final class UnavailableException extends IllegalStateException implements TransientFailure {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
