package io.lttricks.platform;

import io.lttricks.platform.bus.KafkaClients;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.store.S3ObjectStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage credentials have no defaults; Kafka client security settings pass through; no secret is shown. */
class ClientSettingsTest {
    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"lt\" password=\"p4ss-w0rd\";";

    @TempDir
    Path dir;

    @Test
    void storageCredentialsHaveNoDefaultAndAServiceRefusesToStartWithoutThem() {
        Config c = Config.from(Map.of(), 50051);
        assertNull(c.s3AccessKey());
        assertNull(c.s3SecretKey());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new S3ObjectStore(c));
        assertTrue(e.getMessage().contains(Config.S3_ACCESS_KEY) && e.getMessage().contains(Config.S3_SECRET_KEY), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ObjectStore.connect(c.withS3Credentials("ak", null)));
        Config given = c.withS3Credentials("my-access-key", "my-secret-key");
        assertFalse(given.toString().contains("my-access-key") || given.toString().contains("my-secret-key"), given.toString());
        assertTrue(given.toString().contains("s3SecretKey=(set)"), given.toString());
    }

    /** Every setting is read in {@link Config}, the trainer's drain time too (issue 25 item 3). */
    @Test
    void theDrainTimeIsASettingWithItsDefaultAndItsBounds() {
        assertEquals(50, Config.from(Map.of(), 50053).drainSeconds());
        assertEquals(0, Config.from(Map.of(Config.DRAIN_SECONDS, "0"), 50053).drainSeconds());
        assertEquals(io.lttricks.platform.bus.JobWorker.Delivery.SHARED, Config.from(Map.of(), 50053).jobDelivery());
        assertEquals(io.lttricks.platform.bus.JobWorker.Delivery.PARTITIONS,
                Config.from(Map.of(Config.JOB_DELIVERY, "Partitions"), 50053).jobDelivery());
        assertEquals(io.lttricks.platform.bus.JobWorker.Delivery.PARTITIONS,
                Config.from(Map.of(Config.TRAIN_DELIVERY, "partitions"), 50053).jobDelivery(), "the older name still read");
        assertEquals(io.lttricks.platform.bus.JobWorker.Delivery.SHARED, Config.from(Map.of(Config.TRAIN_DELIVERY,
                "partitions", Config.JOB_DELIVERY, "shared"), 50053).jobDelivery(), "the new name wins");
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Config.from(Map.of(Config.JOB_DELIVERY, "queue"), 50053));
        org.junit.jupiter.api.Assertions.assertTrue(bad.getMessage().contains(Config.JOB_DELIVERY)
                && bad.getMessage().contains("partitions"), bad.getMessage());
        // Share groups have their own ids: Kafka refuses a share consumer in a consumer group's id.
        Config shared = Config.from(Map.of(), 50053);
        Config classic = Config.from(Map.of(Config.JOB_DELIVERY, "partitions"), 50053);
        assertEquals("lt-evaluator-shared", io.lttricks.platform.bus.Topics.group(io.lttricks.platform.bus.Topics.GROUP_EVALUATOR, shared));
        assertEquals("lt-evaluator", io.lttricks.platform.bus.Topics.group(io.lttricks.platform.bus.Topics.GROUP_EVALUATOR, classic));
        assertEquals("lt-sampler", io.lttricks.platform.bus.Topics.group(io.lttricks.platform.bus.Topics.GROUP_DATASET, shared),
                "short jobs stay in their consumer groups");
        assertEquals(1, io.lttricks.platform.bus.Topics.partitions(io.lttricks.platform.bus.Topics.SHARD_JOBS, shared));
        assertEquals(classic.topicPartitions(), io.lttricks.platform.bus.Topics.partitions(io.lttricks.platform.bus.Topics.SHARD_JOBS, classic));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Config.from(Map.of(Config.DRAIN_SECONDS, "-5"), 50053));
        assertTrue(negative.getMessage().contains(Config.DRAIN_SECONDS) && negative.getMessage().contains(">= 0"),
                negative.getMessage());
        IllegalArgumentException words = assertThrows(IllegalArgumentException.class,
                () -> Config.from(Map.of(Config.DRAIN_SECONDS, "a minute"), 50053));
        assertTrue(words.getMessage().contains(Config.DRAIN_SECONDS), words.getMessage());
    }

    @Test
    void kafkaSecuritySettingsComeFromAFileAndTheEnvironmentAndReachEveryKindOfClient() throws Exception {
        Path file = Files.writeString(dir.resolve("kafka.properties"), "security.protocol=SSL\n"
                + "ssl.truststore.type=PEM\nssl.truststore.location=/etc/kafka-ca/ca.crt\n"
                + "linger.ms=5\nsession.timeout.ms=20000\n");
        KafkaClients k = KafkaClients.from(Map.of(KafkaClients.PROPERTIES_FILE, file.toString(),
                "LT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "LT_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "LT_KAFKA_SASL_JAAS_CONFIG", JAAS, "LT_KAFKA_BOOTSTRAP", "ignored:9092", "LT_KAFKA_OTHER", "ignored"));
        Map<String, Object> producer = k.producer(Map.of("bootstrap.servers", "kafka:9093", "acks", "all"));
        assertEquals("SASL_SSL", producer.get("security.protocol"), "the environment wins over the file");
        assertEquals("SCRAM-SHA-512", producer.get("sasl.mechanism"));
        assertEquals(JAAS, producer.get("sasl.jaas.config"));
        assertEquals("PEM", producer.get("ssl.truststore.type"));
        assertEquals("/etc/kafka-ca/ca.crt", producer.get("ssl.truststore.location"));
        assertEquals("kafka:9093", producer.get("bootstrap.servers"), "what the code sets stays");
        assertEquals("5", producer.get("linger.ms"));
        assertFalse(producer.containsKey("session.timeout.ms"), "a consumer's setting is not given to a producer");
        Map<String, Object> consumer = k.consumer(Map.of("group.id", "g"));
        assertEquals("20000", consumer.get("session.timeout.ms"));
        assertFalse(consumer.containsKey("linger.ms"));
        assertEquals(JAAS, consumer.get("sasl.jaas.config"));
        assertEquals("SASL_SSL", k.admin(Map.of()).get("security.protocol"));
        assertFalse(consumer.containsKey("bootstrap") || consumer.containsKey("other"));
        assertFalse(k.toString().contains("p4ss-w0rd"), k.toString());

        Config c = Config.from(Map.of("LT_KAFKA_SASL_JAAS_CONFIG", JAAS), 1);
        assertEquals(JAAS, c.kafkaClients().consumer(Map.of()).get("sasl.jaas.config"));
        assertFalse(c.toString().contains("p4ss-w0rd"), c.toString());

        Path bad = Files.writeString(dir.resolve("bad.properties"), "group.id=mine\n");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> KafkaClients.from(Map.of(KafkaClients.PROPERTIES_FILE, bad.toString()))).getMessage().contains("group.id"));
        assertTrue(assertThrows(java.io.UncheckedIOException.class,
                () -> KafkaClients.from(Map.of(KafkaClients.PROPERTIES_FILE, dir.resolve("none").toString())))
                .getMessage().contains(KafkaClients.PROPERTIES_FILE));
    }
}
