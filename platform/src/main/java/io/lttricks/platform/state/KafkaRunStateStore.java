package io.lttricks.platform.state;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.Topics;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lttricks.proto.v1.RunStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The run state on the compacted topic {@link Topics#RUN_STATE}, read into memory at start and
 * followed afterwards, so that every replica answers for every run and a restarted service finds
 * its runs again.
 */
public final class KafkaRunStateStore implements RunStateStore {
    private final InMemoryRunStateStore runs;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread follower;
    private final AtomicBoolean running = new AtomicBoolean(true);

    public KafkaRunStateStore(Config config, EventBus bus) {
        this.runs = new InMemoryRunStateStore(bus);
        this.consumer = new KafkaConsumer<>(config.kafkaClients().consumer(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "lt-run-state-" + config.instance())),
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
            try {
                runs.apply(r.key(), r.value() == null ? null : RunStatus.parseFrom(r.value()));
            } catch (InvalidProtocolBufferException ignored) {
                // An unreadable state record is skipped; the next update replaces it.
            }
        }
    }

    /** False once the thread that follows the topic has stopped on its own. */
    public boolean alive() {
        return !running.get() || follower.isAlive();
    }

    @Override
    public Optional<RunStatus> get(String runId) {
        return runs.get(runId);
    }

    @Override
    public List<RunStatus> all() {
        return runs.all();
    }

    /** Records a new state: published on the topic, then kept here. */
    @Override
    public RunStatus put(RunStatus status) {
        return runs.put(status);
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
