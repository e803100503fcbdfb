package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Config;
import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.bus.EventTail;
import io.lttricks.platform.bus.KafkaEventBus;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.state.RunStateStore;
import io.lttricks.platform.store.S3ObjectStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.TestCertificates;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform's clients with secured servers: Kafka with TLS + SCRAM-SHA-512 (what a Strimzi
 * cluster asks for) through the pass-through settings, storage over HTTPS with a private CA; and
 * no password in what they print.
 */
class EmbeddedSecurityTest {
    static final String PASSWORD = "scram-pa55word-never-shown";

    @TempDir
    Path dir;

    @Test
    void theServicesKafkaClientsJoinAClusterWithTlsAndScram() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("kafka CA");
        Path caFile = ca.write(dir.resolve("kafka-ca.crt"));
        TestCertificates.Issued broker = ca.server("kafka", "localhost", "127.0.0.1");
        Map<String, String> listener = Map.of(
                "security.protocol", "SASL_SSL",
                "listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.client.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "listener.name.client.ssl.keystore.type", "PEM",
                "listener.name.client.ssl.keystore.certificate.chain", broker.certificatePem(),
                "listener.name.client.ssl.keystore.key", broker.keyPem());
        PrintStream err = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0, listener)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.internalBootstrapServers()))) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("lt",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, String> env = new HashMap<>(Map.of(
                    Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(),
                    Config.TOPIC_PARTITIONS, "2",
                    Config.INSTANCE, "secure-test",
                    "LT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                    "LT_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                    "LT_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                            + " username=\"lt\" password=\"" + PASSWORD + "\";",
                    "LT_KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                    "LT_KAFKA_SSL_TRUSTSTORE_LOCATION", caFile.toString()));
            Config config = Config.from(env, 0);
            System.setErr(new PrintStream(new TeeStream(err, printed), true));
            Topics.ensure(config);
            try (EventBus bus = new KafkaEventBus(config, "test");
                 RunStateStore runs = new KafkaRunStateStore(config, bus)) {
                bus.probe();
                runs.put(RunStatus.newBuilder().setRunId("r1").setName("secured").setSubmittedMs(1).build());
                bus.event(RunEvent.newBuilder().setRunId("r1").setStage("s"));
                try (EventTail tail = new EventTail(config, "r1", false)) {
                    long until = System.currentTimeMillis() + 30_000;
                    boolean[] seen = {false};
                    tail.follow(e -> {
                        seen[0] = e.getStage().equals("s");
                        return !seen[0];
                    }, () -> System.currentTimeMillis() > until);
                    assertTrue(seen[0], "the event came back through a TLS + SCRAM consumer");
                }
            }
            try (RunStateStore again = new KafkaRunStateStore(config, new KafkaEventBus(config, "test2"))) {
                assertEquals("secured", again.get("r1").orElseThrow().getName());
            }

            // Without the settings, or with a wrong password, the same cluster does not answer.
            Config plain = Config.from(Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers()), 0);
            try (KafkaEventBus bus = new KafkaEventBus(plain, "plain")) {
                assertThrows(EventBus.UnavailableException.class, bus::probe);
            }
            env.put("LT_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                    + " username=\"lt\" password=\"wrong-" + PASSWORD + "\";");
            try (KafkaEventBus bus = new KafkaEventBus(Config.from(env, 0), "wrong")) {
                assertThrows(EventBus.UnavailableException.class, bus::probe);
            }

            // Kafka's own dump of the settings hides the JAAS config (a Password), and nothing printed shows it.
            ConsumerConfig parsed = new ConsumerConfig(config.kafkaClients().consumer(Map.of(
                    "bootstrap.servers", "x:1", "key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class,
                    "value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class)));
            assertEquals("[hidden]", parsed.values().get("sasl.jaas.config").toString());
            assertFalse(config.toString().contains(PASSWORD));
        } finally {
            System.setErr(err);
        }
        assertFalse(printed.toString().contains(PASSWORD), "a password was printed:\n" + printed);
    }

    @Test
    void storageWithAPrivateCaIsReachedWithTheCaBundleOnly() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("minio CA");
        Path caFile = ca.write(dir.resolve("minio-ca.crt"));
        Path keyStore = ca.server("minio", "localhost", "127.0.0.1").writePkcs12(dir.resolve("s3.p12"), "changeit");
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "ak-secure", "sk-secure-secret", keyStore, "changeit")) {
            assertTrue(s3.endpoint().startsWith("https://"), s3.endpoint());
            Map<String, String> env = new HashMap<>(Map.of(Config.S3_ENDPOINT, s3.endpoint(), Config.S3_ACCESS_KEY, "ak-secure",
                    Config.S3_SECRET_KEY, "sk-secure-secret", Config.S3_CA_FILE, caFile.toString()));
            try (ObjectStore store = new S3ObjectStore(Config.from(env, 0))) {
                store.ensureBucket();
                store.put("runs/r1/a.txt", "over TLS".getBytes(), "text/plain");
                assertArrayEquals("over TLS".getBytes(), store.get("runs/r1/a.txt"));
            }
            env.remove(Config.S3_CA_FILE);
            try (ObjectStore store = new S3ObjectStore(Config.from(env, 0))) {
                IOException e = assertThrows(IOException.class, () -> store.get("runs/r1/a.txt"));
                assertTrue(e.toString().contains("certificate") || e.toString().contains("PKIX"),
                        "the JVM's CAs do not know the private CA: " + e);
            }
            env.put(Config.S3_CA_FILE, caFile.toString());
            env.put(Config.S3_SECRET_KEY, "not-the-secret-key");
            try (ObjectStore store = new S3ObjectStore(Config.from(env, 0))) {
                IOException e = assertThrows(IOException.class, () -> store.get("runs/r1/a.txt"));
                assertFalse(e.getMessage().contains("not-the-secret-key"), "a storage error shows no secret: " + e.getMessage());
            }
        }
    }

    /** Writes to two streams. */
    static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
