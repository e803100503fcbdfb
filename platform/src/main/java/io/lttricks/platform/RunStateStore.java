package io.lttricks.platform;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lttricks.proto.v1.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The durable run state: the latest {@link RunStatus} of every run on the compacted topic
 * {@link Topics#RUN_STATE}, read into memory at start and followed afterwards, so that every
 * replica answers for every run and a restarted service finds its runs again.
 */
public final class RunStateStore implements AutoCloseable {
    private final Map<String, RunStatus> runs = new ConcurrentHashMap<>();
    private final EventBus bus;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread follower;
    private final AtomicBoolean running = new AtomicBoolean(true);

    public RunStateStore(Config config, EventBus bus) {
        this.bus = bus;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "lt-run-state-" + config.instance()),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<PartitionInfo> parts = consumer.partitionsFor(Topics.RUN_STATE, Duration.ofSeconds(30));
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo p : parts) {
            tps.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        Map<TopicPartition, Long> end = consumer.endOffsets(tps);
        // Read what is there before answering anything.
        while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            apply(consumer.poll(Duration.ofMillis(200)));
        }
        follower = new Thread(() -> {
            while (running.get()) {
                try {
                    apply(consumer.poll(Duration.ofMillis(300)));
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    break;
                }
            }
            consumer.close(Duration.ofSeconds(2));
        }, "lt-run-state");
        follower.setDaemon(true);
        follower.start();
    }

    private void apply(Iterable<ConsumerRecord<String, byte[]>> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.value() == null) {
                runs.remove(r.key());
                continue;
            }
            try {
                RunStatus s = RunStatus.parseFrom(r.value());
                runs.merge(r.key(), s, (old, neu) -> neu.getUpdatedMs() >= old.getUpdatedMs() ? neu : old);
            } catch (InvalidProtocolBufferException ignored) {
                // An unreadable state record is skipped; the next update replaces it.
            }
        }
    }

    public Optional<RunStatus> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** All runs, newest submission first. */
    public List<RunStatus> all() {
        List<RunStatus> list = new ArrayList<>(runs.values());
        list.sort(Comparator.comparingLong(RunStatus::getSubmittedMs).reversed());
        return list;
    }

    /** Records a new state (stamped with the current time) durably, and returns it. */
    public RunStatus put(RunStatus status) {
        RunStatus stamped = status.toBuilder().setUpdatedMs(Math.max(System.currentTimeMillis(),
                status.getUpdatedMs() + 1)).build();
        bus.publish(Topics.RUN_STATE, stamped.getRunId(), stamped);
        runs.put(stamped.getRunId(), stamped);
        return stamped;
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            follower.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
