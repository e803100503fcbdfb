package io.lttricks.coordinator;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lttricks.platform.Config;
import io.lttricks.platform.ops.ServiceMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.TransientFailure;
import io.lttricks.proto.v1.RunEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link RunCoordinator}: reads {@link Topics#EVENTS} as the consumer group
 * {@value Topics#GROUP_COORDINATOR} (a run's events share a partition, so each run has one
 * coordinator at a time, and replicas of the sampler service share the runs) and commits an
 * event's offset once it has been handled. An event whose handling failed transiently (the broker
 * or storage could not be reached) is handled again, after a pause that grows to 30 s, and the
 * events after it wait: skipping one would strand its run. Other failures are the event's own:
 * logged and skipped.
 */
public final class CoordinatorLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorLoop.class);
    private static final long FIRST_PAUSE_MS = 1_000;
    private static final long MAX_PAUSE_MS = 30_000;

    private final RunCoordinator coordinator;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaClientMetrics consumerMetrics;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** @param metrics where the consumer's metrics (its lag on the events topic) are recorded */
    public CoordinatorLoop(Config config, ServiceMetrics metrics, RunCoordinator coordinator) {
        this.coordinator = coordinator;
        this.consumer = new KafkaConsumer<>(config.kafkaClients().consumer(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, Topics.GROUP_COORDINATOR,
                ConsumerConfig.CLIENT_ID_CONFIG, "lt-coordinator-" + config.instance(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.consumerMetrics = metrics.bindConsumer(consumer, Topics.GROUP_COORDINATOR);
        this.loop = new Thread(this::run, "lt-coordinator");
        this.loop.setDaemon(true);
    }

    public CoordinatorLoop start() {
        loop.start();
        return this;
    }

    /** False once the loop has stopped on its own (an error it could not handle); for the health service. */
    public boolean alive() {
        return !running.get() || loop.getState() == Thread.State.NEW || loop.isAlive();
    }

    private void run() {
        consumer.subscribe(List.of(Topics.EVENTS));
        long pause = FIRST_PAUSE_MS;
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(300));
                Map<TopicPartition, OffsetAndMetadata> handled = new HashMap<>();
                boolean again = false;
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                        if (again || !handle(r)) {
                            // This event and those after it on the partition are read again next time.
                            again = true;
                            consumer.seek(tp, r.offset());
                            break;
                        }
                        handled.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    }
                }
                if (!handled.isEmpty()) {
                    consumer.commitSync(handled);
                }
                if (again) {
                    for (long slept = 0; slept < pause && running.get(); slept += 100) {
                        Thread.sleep(100);
                    }
                    pause = Math.min(pause * 2, MAX_PAUSE_MS);
                } else if (!records.isEmpty()) {
                    pause = FIRST_PAUSE_MS;
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the run coordinator stopped: {}", e.toString(), e);
        } finally {
            consumerMetrics.close();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Whether the event is done with (handled, or skipped for good); false: handle it again. */
    private boolean handle(ConsumerRecord<String, byte[]> r) {
        RunEvent e;
        try {
            e = RunEvent.parseFrom(r.value());
        } catch (InvalidProtocolBufferException ex) {
            LOG.warn("skipping an unreadable event at offset {}", r.offset());
            return true;
        }
        try {
            coordinator.handle(e);
            return true;
        } catch (RuntimeException ex) {
            if (TransientFailure.in(ex)) {
                LOG.warn("event of run {} will be handled again: {}", r.key(), ex.getMessage());
                return false;
            }
            LOG.error("event of run {} could not be handled: {}", r.key(), ex.toString(), ex);
            return true;
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
