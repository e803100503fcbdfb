package io.lttricks.platform.testing;

import com.google.protobuf.MessageLite;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An {@link EventBus} in memory, for tests: records every publication in order, so that a test can
 * assert on the jobs and events a component published; optionally passes each one to listeners
 * (to wire components together), and can fail publications on request as an unreachable broker does.
 */
public final class InMemoryEventBus implements EventBus {
    /** One publication: topic, key, partition (-1 when left to the key's hash) and message. */
    public record Published(String topic, String key, int partition, MessageLite message) {
    }

    private final String source;
    private final int partitions;
    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final List<Consumer<Published>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile String failOnly;

    public InMemoryEventBus() {
        this("test/test", 8);
    }

    /** @param partitions how many partitions every topic has, for {@link #publishSpread} */
    public InMemoryEventBus(String source, int partitions) {
        this.source = source;
        this.partitions = partitions;
    }

    /**
     * The next {@code publications} publications on {@code topic} (on any topic when null) throw
     * {@link EventBus.UnavailableException}, as a broker that cannot be reached does; nothing is recorded.
     */
    public InMemoryEventBus failNext(int publications, String topic) {
        failOnly = topic;
        failures.set(publications);
        return this;
    }

    /**
     * Fails, as an unreachable broker, while publications on any topic are set to fail
     * ({@link #failNext} with a null topic); each probe counts as one of those publications.
     */
    @Override
    public void probe() {
        if (failOnly == null && failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            throw new UnavailableException("Kafka does not answer (failure injected by the test)", null);
        }
    }

    /** Calls {@code listener} with every later publication, on the publishing thread, after recording it. */
    public InMemoryEventBus onPublish(Consumer<Published> listener) {
        listeners.add(listener);
        return this;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void publish(String topic, String key, MessageLite message) {
        record(new Published(topic, key, -1, message));
    }

    @Override
    public void publishSpread(String topic, String key, int index, MessageLite message) {
        record(new Published(topic, key, Math.floorMod(index, partitions), message));
    }

    private void record(Published p) {
        String only = failOnly;
        if ((only == null || only.equals(p.topic())) && failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            throw new UnavailableException("publishing to " + p.topic() + " timed out: is Kafka reachable? "
                    + "(failure injected by the test)", null);
        }
        published.add(p);
        for (Consumer<Published> l : listeners) {
            l.accept(p);
        }
    }

    /** Every publication so far, in order. */
    public List<Published> published() {
        return List.copyOf(published);
    }

    /** Every publication on {@code topic}, in order. */
    public List<Published> published(String topic) {
        return published.stream().filter(p -> p.topic().equals(topic)).toList();
    }

    /** The messages published on {@code topic}, in order, as {@code type}. */
    public <T extends MessageLite> List<T> messages(String topic, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Published p : published(topic)) {
            out.add(type.cast(p.message()));
        }
        return out;
    }

    /** The run events published so far, in order. */
    public List<RunEvent> events() {
        return messages(Topics.EVENTS, RunEvent.class);
    }

    /** The run events of one kind (e.g. {@code RunEvent.KindCase.QUEUED}), in order. */
    public List<RunEvent> events(RunEvent.KindCase kind) {
        return events().stream().filter(e -> e.getKindCase() == kind).toList();
    }

    /** Forgets what was published (listeners stay). */
    public void clear() {
        published.clear();
    }

    @Override
    public void close() {
    }
}
