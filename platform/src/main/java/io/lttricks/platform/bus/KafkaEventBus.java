package io.lttricks.platform.bus;

import io.lttricks.platform.Config;
import com.google.protobuf.MessageLite;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The event bus on Kafka: messages written synchronously (acks from all in-sync replicas,
 * idempotent producer), so that a job or event the caller has published is on the log when the
 * call returns.
 */
public final class KafkaEventBus implements EventBus {
    private final KafkaProducer<String, byte[]> producer;
    private final String source;
    private final Config config;
    private Admin admin;

    public KafkaEventBus(Config config, String service) {
        this.producer = new KafkaProducer<>(config.kafkaClients().producer(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.CLIENT_ID_CONFIG, service + "-" + config.instance())),
                new StringSerializer(), new ByteArraySerializer());
        this.source = service + "/" + config.instance();
        this.config = config;
    }

    /** Asks the cluster for its brokers (a separate admin connection, made on first use), within 5 s. */
    @Override
    public void probe() {
        Admin a;
        synchronized (this) {
            if (admin == null) {
                admin = Admin.create(config.kafkaClients().admin(Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                        AdminClientConfig.CLIENT_ID_CONFIG, "lt-health-" + config.instance(),
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000)));
            }
            a = admin;
        }
        try {
            if (a.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes().get(6, TimeUnit.SECONDS).isEmpty()) {
                throw new UnavailableException("Kafka at " + config.kafkaBootstrap() + " has no brokers", null);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new UnavailableException("Kafka at " + config.kafkaBootstrap() + " does not answer: "
                    + (e.getCause() != null ? e.getCause().getMessage() : "timed out"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while asking Kafka for its brokers", e);
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public void publish(String topic, String key, MessageLite message) {
        send(new ProducerRecord<>(topic, key, message.toByteArray()));
    }

    @Override
    public void publishSpread(String topic, String key, int index, MessageLite message) {
        int partitions;
        try {
            partitions = producer.partitionsFor(topic).size();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new UnavailableException("cannot look up the partitions of " + topic + ": is Kafka reachable?", e);
        }
        send(new ProducerRecord<>(topic, Math.floorMod(index, partitions), key, message.toByteArray()));
    }

    private void send(ProducerRecord<String, byte[]> record) {
        String topic = record.topic();
        try {
            producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            String message = "cannot publish to " + topic + ": " + e.getCause().getMessage();
            throw e.getCause() instanceof RetriableException ? new UnavailableException(message, e.getCause())
                    : new IllegalStateException(message, e.getCause());
        } catch (TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
            throw new UnavailableException("publishing to " + topic + " timed out: is Kafka reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
        synchronized (this) {
            if (admin != null) {
                admin.close(java.time.Duration.ofSeconds(2));
            }
        }
    }
}
