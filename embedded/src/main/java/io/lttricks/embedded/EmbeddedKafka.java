package io.lttricks.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker in this process: one node acting as broker and KRaft controller, its log in
 * a directory. Formatting is skipped when the directory already holds a formatted log, so a
 * restart over the same directory finds its topics and messages again.
 *
 * <p>One process at a time: the directory is locked ({@value #LOCK_FILE}) before anything reads or
 * writes it, and a second start on it fails at once ({@link InUseException}). Kafka's own lock
 * ({@code .lock}) is not enough: in combined mode the controller opens and appends to the metadata
 * log before the broker takes that lock, so a second broker on a busy directory used to write into
 * the first one's metadata log before failing, and the first one's raft thread then spun forever in
 * {@code KRaftControlRecordStateMachine.maybeLoadLog} (100% of a core, deaf to SIGTERM).
 *
 * <p>Stopping is bounded ({@link #close(Duration)}); after an abrupt stop (kill -9) the broker
 * registers again within a few seconds (a short broker session). The directory is the owner's
 * only (700).
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Held while a broker runs on the directory. */
    public static final String LOCK_FILE = "embedded.lock";
    /** How long after an abrupt stop the controller takes the old broker for gone (Kafka's default: 9 s). */
    static final int BROKER_SESSION_MS = 4000;

    private final KafkaRaftServer server;
    private final String bootstrap;
    private final String internalBootstrap;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private volatile boolean closed;

    /** Another broker (in this or another process) runs on the directory. */
    public static final class InUseException extends IOException {
        InUseException(Path dir) {
            super("the Kafka state directory " + dir + " is in use by another broker (another 'lt up' or 'lt run', or a"
                    + " process still stopping): stop it, or use another state directory");
        }
    }

    private EmbeddedKafka(KafkaRaftServer server, String bootstrap, String internalBootstrap, FileChannel lockChannel,
                          FileLock lock) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.internalBootstrap = internalBootstrap;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * @param logDir the broker's data; kept between starts
     * @param port   the client port (0: any free port)
     */
    public static EmbeddedKafka start(Path logDir, int port) throws IOException {
        return start(logDir, port, Map.of());
    }

    /**
     * A broker whose client listener uses another security protocol: {@code client} holds
     * {@code security.protocol} (e.g. {@code SASL_SSL}) and broker settings for that listener
     * ({@code listener.name.client.*}, {@code sasl.enabled.mechanisms}, ...). The broker and the
     * controller talk among themselves in plaintext on a second listener, {@link #internalBootstrapServers()}.
     */
    public static EmbeddedKafka start(Path logDir, int port, Map<String, String> client) throws IOException {
        Files.createDirectories(logDir);
        Owner.only(logDir);
        FileChannel channel = FileChannel.open(logDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new InUseException(logDir);
        }
        try {
            return start(logDir, port, client, channel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    private static EmbeddedKafka start(Path logDir, int port, Map<String, String> client, FileChannel channel,
                                       FileLock lock) throws IOException {
        int brokerPort = FreePort.orPick(port);
        int controllerPort = FreePort.pick();
        String dir = logDir.toAbsolutePath().toString();
        String clusterId = clusterId(logDir);
        String protocol = client.getOrDefault("security.protocol", "PLAINTEXT");
        Map<String, Object> props = new HashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("controller.listener.names", "CONTROLLER");
        String internal;
        if (protocol.equals("PLAINTEXT")) {
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            internal = "127.0.0.1:" + brokerPort;
        } else {
            int internalPort = FreePort.pick();
            props.put("listeners", "INTERNAL://127.0.0.1:" + internalPort + ",CLIENT://127.0.0.1:" + brokerPort
                    + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "INTERNAL://127.0.0.1:" + internalPort + ",CLIENT://127.0.0.1:" + brokerPort);
            props.put("inter.broker.listener.name", "INTERNAL");
            props.put("listener.security.protocol.map", "INTERNAL:PLAINTEXT,CLIENT:" + protocol + ",CONTROLLER:PLAINTEXT");
            internal = "127.0.0.1:" + internalPort;
            client.forEach((k, v) -> {
                if (!k.equals("security.protocol")) {
                    props.put(k, v);
                }
            });
        }
        props.put("log.dirs", dir);
        props.put("metadata.log.dir", dir);
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        // lt up's state outlives idle weeks: committed offsets too (Kafka's default drops them after 7 days).
        props.put("offsets.retention.minutes", "5256000");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        // After an abrupt stop the new broker's registration is refused until the old one's session
        // expires: keep that short (one process: broker and controller never lose each other).
        props.put("broker.session.timeout.ms", String.valueOf(BROKER_SESSION_MS));
        props.put("broker.heartbeat.interval.ms", "1000");
        // Otherwise the log cleaner allocates 128 MiB up front.
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 << 20));
        props.put("log.segment.bytes", String.valueOf(16 << 20));
        try {
            new Formatter()
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(dir))
                    .setMetadataLogDirectory(dir)
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IOException("cannot format the Kafka log in " + dir + ": " + e.getMessage(), e);
        }
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            // What started (the controller, its raft thread) must not outlive the failure.
            stop(server, Duration.ofSeconds(20));
            throw e;
        }
        return new EmbeddedKafka(server, "127.0.0.1:" + brokerPort, internal, channel, lock);
    }

    /** The cluster id of a formatted directory, or a new one. */
    private static String clusterId(Path logDir) throws IOException {
        Path meta = logDir.resolve("meta.properties");
        if (Files.isRegularFile(meta)) {
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                p.load(in);
            }
            String id = p.getProperty("cluster.id");
            if (id != null && !id.isBlank()) {
                return id;
            }
        }
        return Uuid.randomUuid().toString();
    }

    /** Whether a broker (of this or another process) runs on {@code logDir} now. */
    public static boolean inUse(Path logDir) throws IOException {
        Path file = logDir.resolve(LOCK_FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    /** host:port for clients. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** host:port of the plaintext listener (the same as {@link #bootstrapServers()} unless the client listener is secured). */
    public String internalBootstrapServers() {
        return internalBootstrap;
    }

    /** Stops the broker, waiting at most 30 s. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Stops the broker, waiting at most {@code limit}; false when it did not stop in time (its
     * threads are left running: a process that wants to exit then halts).
     */
    public synchronized boolean close(Duration limit) {
        if (closed) {
            return true;
        }
        closed = true;
        boolean stopped = stop(server, limit);
        if (stopped) {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException ignored) {
                // The lock goes with the process anyway.
            }
        }
        return stopped;
    }

    private static boolean stop(KafkaRaftServer server, Duration limit) {
        Thread t = new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "lt-kafka-shutdown");
        t.setDaemon(true);
        t.start();
        try {
            t.join(limit.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
