package io.lttricks.platform;

import com.google.protobuf.MessageLite;
import io.lttricks.proto.v1.RunEvent;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one event bus: protobuf messages on Kafka topics, written synchronously (acks from all
 * in-sync replicas, idempotent producer), so that a job or event the caller has published is on
 * the log when the call returns.
 */
public final class EventBus implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String source;

    public EventBus(Config config, String service) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.CLIENT_ID_CONFIG, service + "-" + config.instance()),
                new StringSerializer(), new ByteArraySerializer());
        this.source = service + "/" + config.instance();
    }

    /** Who publishes, as events name it: service/instance. */
    public String source() {
        return source;
    }

    public void publish(String topic, String key, MessageLite message) {
        send(new ProducerRecord<>(topic, key, message.toByteArray()));
    }

    /**
     * Publishes the {@code index}-th of a set of jobs to partition {@code index mod partitions}, so
     * that n jobs land on min(n, partitions) partitions evenly, where hashing their keys would put
     * some on the same partition and leave consumers of other partitions idle.
     */
    public void publishSpread(String topic, String key, int index, MessageLite message) {
        int partitions = producer.partitionsFor(topic).size();
        send(new ProducerRecord<>(topic, Math.floorMod(index, partitions), key, message.toByteArray()));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        String topic = record.topic();
        try {
            producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot publish to " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("publishing to " + topic + " timed out: is Kafka reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        }
    }

    /** Publishes a run event, stamping time and source. */
    public void event(RunEvent.Builder event) {
        RunEvent e = event.setTimeMs(System.currentTimeMillis()).setSource(source).build();
        publish(Topics.EVENTS, e.getRunId(), e);
    }

    @Override
    public void close() {
        producer.close();
    }
}
