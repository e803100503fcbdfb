package io.lttricks.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker restarts on its old directory quickly and stays quiet, after an abrupt stop
 * (a child JVM killed with destroyForcibly) as after a clean one; a second broker on a busy directory
 * is refused before it touches anything (it used to append to the running broker's metadata log,
 * whose raft thread then spun at 100% and ignored SIGTERM); stopping is bounded.
 */
class EmbeddedRestartTest {
    static final String TOPIC = "restart-test";
    /** A start on an old directory, with a message produced and consumed, after a kill -9 included. */
    static final Duration START_LIMIT = Duration.ofSeconds(25);
    /** CPU the raft thread may use over a quiet period of 3 s (a spinning one uses all of it). */
    static final Duration QUIET_CPU_LIMIT = Duration.ofMillis(600);

    @TempDir
    Path dir;

    /** The child JVM: a broker on args[0] with one message produced, then "READY", then nothing until killed. */
    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), 0);
        roundTrip(kafka.bootstrapServers(), "from the child");
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Produces {@code value} and reads the topic to it; creates the topic when missing. */
    static void roundTrip(String bootstrap, String value) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            if (!admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(TOPIC)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
            }
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "max.block.ms", 20_000, "delivery.timeout.ms", 20_000, "request.timeout.ms", 10_000),
                new StringSerializer(), new StringSerializer());
             KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                     new StringDeserializer(), new StringDeserializer())) {
            p.send(new ProducerRecord<>(TOPIC, "k", value)).get(20, TimeUnit.SECONDS);
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value().equals(value)) {
                        return;
                    }
                }
            }
            throw new AssertionError("'" + value + "' was produced but not consumed within 20 s");
        }
    }

    /** CPU time of the broker's raft threads, in this JVM. */
    static long raftCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("raft")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }

    @Test
    void restartsOnOneDirectoryAreFastQuietAndAlone() throws Exception {
        Path kafkaDir = dir.resolve("kafka");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), EmbeddedRestartTest.class.getName(),
                kafkaDir.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log, StandardCharsets.UTF_8).contains("READY")) {
                assertTrue(child.isAlive() && System.nanoTime() < deadline, "the child broker did not start:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
                Thread.sleep(100);
            }
        } finally {
            child.destroyForcibly();   // kill -9: no shutdown of any kind
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        }
        assertEquals(Set.of(PosixFilePermissions.fromString("rwx------")).iterator().next(),
                Files.getPosixFilePermissions(kafkaDir), "the broker's data is the owner's only");

        for (int round = 1; round <= 3; round++) {
            long t0 = System.nanoTime();
            EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0);
            try {
                roundTrip(kafka.bootstrapServers(), "round " + round);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertTrue(took.compareTo(START_LIMIT) < 0, "start " + round + " on the old directory took " + took);

                if (round == 1) {
                    assertTrue(EmbeddedKafka.inUse(kafkaDir));
                    EmbeddedKafka.InUseException busy = assertThrows(EmbeddedKafka.InUseException.class,
                            () -> EmbeddedKafka.start(kafkaDir, 0), "a second broker on a busy directory is refused");
                    assertTrue(busy.getMessage().contains(kafkaDir.toString()), busy.getMessage());
                }

                long cpu0 = raftCpuNanos();
                Thread.sleep(3000);
                Duration used = Duration.ofNanos(raftCpuNanos() - cpu0);
                System.out.printf("start %d on the old directory (%s): %d ms with a produce and consume; raft CPU"
                        + " over 3 quiet seconds: %d ms%n", round, round == 1 ? "after kill -9" : "after a clean stop",
                        took.toMillis(), used.toMillis());
                assertTrue(used.compareTo(QUIET_CPU_LIMIT) < 0, "the raft thread used " + used + " of CPU in 3 s of quiet");
                long t1 = System.nanoTime();
                roundTrip(kafka.bootstrapServers(), "round " + round + " again");
                assertTrue(System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(10), "a produce and consume take seconds");
            } finally {
                long t2 = System.nanoTime();
                assertTrue(kafka.close(Duration.ofSeconds(20)), "the broker stops within 20 s");
                assertTrue(System.nanoTime() - t2 < TimeUnit.SECONDS.toNanos(20));
            }
            assertFalse(EmbeddedKafka.inUse(kafkaDir), "a stopped broker leaves its directory free");
        }
    }
}
