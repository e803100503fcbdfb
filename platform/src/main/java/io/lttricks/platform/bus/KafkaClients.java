package io.lttricks.platform.bus;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The settings every Kafka client of a service gets besides those its code sets: how to reach and
 * authenticate to the cluster (TLS, SASL/SCRAM, trust and key stores), so that the services join a
 * Strimzi cluster with TLS + SCRAM as they join a plain one.
 *
 * <p>From two places, the environment winning:
 * <ul>
 *   <li>a properties file, {@value #PROPERTIES_FILE} (e.g. {@code /etc/lttricks/kafka.properties},
 *       mounted from a Secret): any client setting, in Kafka's own names;</li>
 *   <li>environment variables {@code LT_KAFKA_SECURITY_*}, {@code LT_KAFKA_SASL_*} and
 *       {@code LT_KAFKA_SSL_*}: the setting's name upper-cased with '.' as '_', e.g.
 *       {@code LT_KAFKA_SECURITY_PROTOCOL=SASL_SSL}, {@code LT_KAFKA_SASL_MECHANISM=SCRAM-SHA-512},
 *       {@code LT_KAFKA_SASL_JAAS_CONFIG=...}, {@code LT_KAFKA_SSL_TRUSTSTORE_LOCATION=/etc/kafka-ca/ca.crt},
 *       {@code LT_KAFKA_SSL_TRUSTSTORE_TYPE=PEM}.</li>
 * </ul>
 * Each client gets the settings it knows (a producer's only settings are not given to a consumer);
 * what the code sets itself (bootstrap servers, group, offsets, serializers) is never overridden.
 * Values are never logged: {@link #toString()} shows the names only (Kafka's own config dump
 * hides passwords and the JAAS config).
 */
public final class KafkaClients {
    /** A Java properties file of Kafka client settings given to every client. */
    public static final String PROPERTIES_FILE = "LT_KAFKA_PROPERTIES";
    /** Prefix of the environment variables passed through (with SECURITY_, SASL_ or SSL_ after it). */
    public static final String ENV_PREFIX = "LT_KAFKA_";
    private static final Set<String> PASSED_THROUGH = Set.of("SECURITY_", "SASL_", "SSL_");

    /** Settings the code decides; a file or the environment cannot change them. */
    private static final Set<String> OWN = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);

    private final Map<String, String> settings;

    private KafkaClients(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    public static final KafkaClients NONE = new KafkaClients(Map.of());

    /** Exactly these settings (e.g. those {@code lt up} chooses). */
    public static KafkaClients of(Map<String, String> settings) {
        for (String k : settings.keySet()) {
            if (OWN.contains(k)) {
                throw new IllegalArgumentException("Kafka setting " + k + " is set by the services themselves");
            }
        }
        return new KafkaClients(settings);
    }

    /** From {@value #PROPERTIES_FILE} and the {@code LT_KAFKA_SECURITY_/SASL_/SSL_*} variables of {@code env}. */
    public static KafkaClients from(Map<String, String> env) {
        Map<String, String> s = new TreeMap<>();
        String file = env.get(PROPERTIES_FILE);
        if (file != null && !file.isBlank()) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(Path.of(file.trim()), StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(PROPERTIES_FILE + ": cannot read Kafka client settings from " + file
                        + " (" + e.getClass().getSimpleName() + ")", e);
            }
            for (String k : p.stringPropertyNames()) {
                if (OWN.contains(k)) {
                    throw new IllegalArgumentException(PROPERTIES_FILE + " (" + file + ") sets " + k
                            + ", which the services set themselves: remove it");
                }
                s.put(k, p.getProperty(k).trim());
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(ENV_PREFIX) || e.getValue() == null || e.getValue().isBlank()) {
                continue;
            }
            String rest = k.substring(ENV_PREFIX.length());
            if (PASSED_THROUGH.stream().anyMatch(rest::startsWith)) {
                s.put(rest.toLowerCase(Locale.ROOT).replace('_', '.'), e.getValue().trim());
            }
        }
        return new KafkaClients(s);
    }

    /** Whether any setting is given (false: plain connections, as to the embedded broker). */
    public boolean isEmpty() {
        return settings.isEmpty();
    }

    /** The settings for a producer, then {@code own} (which wins). */
    public Map<String, Object> producer(Map<String, Object> own) {
        return merge(ProducerConfig.configNames(), own);
    }

    /** The settings for a consumer, then {@code own} (which wins). */
    public Map<String, Object> consumer(Map<String, Object> own) {
        return merge(ConsumerConfig.configNames(), own);
    }

    /** The settings for an admin client, then {@code own} (which wins). */
    public Map<String, Object> admin(Map<String, Object> own) {
        return merge(AdminClientConfig.configNames(), own);
    }

    /**
     * Defaults under every client's settings (LT_KAFKA_* and the properties file win): reconnects to
     * a broker that is away back off from 0.5 s up to 10 s (the clients' own jitter applies), not up
     * to 1 s, so that a stopped broker costs a connection attempt per client every few seconds.
     */
    static final Map<String, Object> DEFAULTS = Map.of(
            "reconnect.backoff.ms", 500,
            "reconnect.backoff.max.ms", 10_000);

    private Map<String, Object> merge(Set<String> known, Map<String, Object> own) {
        Map<String, Object> m = new HashMap<>(DEFAULTS);
        settings.forEach((k, v) -> {
            // Config providers and their parameters (config.providers.*) are known to every client.
            if (known.contains(k) || k.startsWith("config.providers")) {
                m.put(k, v);
            }
        });
        m.putAll(own);
        return m;
    }

    /** This and {@code more} (which wins). */
    public KafkaClients with(Map<String, String> more) {
        Map<String, String> m = new HashMap<>(settings);
        m.putAll(more);
        return of(m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaClients k && k.settings.equals(settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    /** The names of the settings, never their values (passwords, JAAS configs). */
    @Override
    public String toString() {
        return "KafkaClients" + new TreeMap<>(settings).keySet();
    }
}
