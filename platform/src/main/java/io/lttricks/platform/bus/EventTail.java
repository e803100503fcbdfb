package io.lttricks.platform.bus;

import io.lttricks.platform.Config;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lttricks.proto.v1.RunEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads one run's events from {@link Topics#EVENTS}, outside any consumer group: the partition of
 * the run's key, from its beginning (or from now), filtered by key. For watching a run.
 */
public final class EventTail implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String runId;

    public EventTail(Config config, String runId, boolean fromNow) {
        this.runId = runId;
        this.consumer = new KafkaConsumer<>(config.kafkaClients().consumer(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "lt-watch-" + runId)),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<PartitionInfo> parts = consumer.partitionsFor(Topics.EVENTS, Duration.ofSeconds(30));
        if (parts == null || parts.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("topic " + Topics.EVENTS + " does not exist");
        }
        int p = Utils.toPositive(Utils.murmur2(runId.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % parts.size();
        TopicPartition tp = new TopicPartition(Topics.EVENTS, p);
        consumer.assign(List.of(tp));
        if (fromNow) {
            consumer.seekToEnd(List.of(tp));
            // Seeks are lazy: fix "now" here, so that an event published after the constructor
            // returns is seen (a caller looks at the run's state after opening the tail).
            consumer.position(tp, Duration.ofSeconds(30));
        } else {
            consumer.seekToBeginning(List.of(tp));
        }
    }

    /**
     * Passes events to {@code sink} until it returns false (or {@code stop} says so between polls).
     */
    public void follow(Predicate<RunEvent> sink, java.util.function.BooleanSupplier stop) {
        while (!stop.getAsBoolean()) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                if (!runId.equals(r.key())) {
                    continue;
                }
                RunEvent e;
                try {
                    e = RunEvent.parseFrom(r.value());
                } catch (InvalidProtocolBufferException ex) {
                    continue;
                }
                if (!sink.test(e)) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
