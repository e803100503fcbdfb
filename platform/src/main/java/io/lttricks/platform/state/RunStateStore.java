package io.lttricks.platform.state;

import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.RunStatus;
import java.util.List;
import java.util.Optional;

/**
 * The durable run state: the latest {@link RunStatus} of every run. {@link KafkaRunStateStore} keeps
 * it on the compacted topic {@link Topics#RUN_STATE}; tests use {@link InMemoryRunStateStore}.
 */
public interface RunStateStore extends AutoCloseable {

    Optional<RunStatus> get(String runId);

    /** All runs, newest submission first. */
    List<RunStatus> all();

    /** Records a new state (stamped with the current time, after the state it replaces) durably, and returns it. */
    RunStatus put(RunStatus status);

    @Override
    void close();
}
