package io.lttricks.platform.state;

import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.RunStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run state in memory: what {@link KafkaRunStateStore} keeps of the topic, and on its own the
 * store of tests. A state put here is stamped and, when there is a bus, published on
 * {@link Topics#RUN_STATE} (so a test sees every state written).
 */
public final class InMemoryRunStateStore implements RunStateStore {
    private final Map<String, RunStatus> runs = new ConcurrentHashMap<>();
    private final EventBus bus;

    public InMemoryRunStateStore() {
        this(null);
    }

    /** @param bus where states put here are published; null: nowhere */
    public InMemoryRunStateStore(EventBus bus) {
        this.bus = bus;
    }

    @Override
    public Optional<RunStatus> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public List<RunStatus> all() {
        List<RunStatus> list = new java.util.ArrayList<>(runs.values());
        list.sort(java.util.Comparator.comparingLong(RunStatus::getSubmittedMs).reversed());
        return list;
    }

    @Override
    public RunStatus put(RunStatus status) {
        RunStatus stamped = status.toBuilder().setUpdatedMs(Math.max(System.currentTimeMillis(),
                status.getUpdatedMs() + 1)).build();
        if (bus != null) {
            bus.publish(Topics.RUN_STATE, stamped.getRunId(), stamped);
        }
        runs.put(stamped.getRunId(), stamped);
        return stamped;
    }

    /** A state read from elsewhere (the topic): kept unless a newer one is; null forgets the run. */
    void apply(String runId, RunStatus status) {
        if (status == null) {
            runs.remove(runId);
        } else {
            runs.merge(runId, status, (old, neu) -> neu.getUpdatedMs() >= old.getUpdatedMs() ? neu : old);
        }
    }

    @Override
    public void close() {
    }
}
