package io.lttricks.platform;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes jobs from a topic as one member of a consumer group, one job at a time: while a job
 * runs (minutes or hours for a training stage) the worker pauses its partitions and keeps polling,
 * so the group keeps it as a member; the offset is committed only when the job has finished, so a
 * job whose worker dies is delivered again (jobs are idempotent). Jobs waiting on the topic are the
 * queue. A job whose handler asks for a retry is tried again after a pause, a few times, and then
 * reported failed ({@link JobAttempts}).
 *
 * @param <T> the job message
 */
public final class JobWorker<T extends com.google.protobuf.Message> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);

    /**
     * What a worker does with a job. Throwing {@link Retry} has it tried again after a pause (see
     * {@link JobAttempts}); other exceptions drop it, so a handler reports its own failures.
     */
    @FunctionalInterface
    public interface Handler<T> {
        void handle(String key, T job) throws Exception;
    }

    /** What a worker does with a job that asked for a retry on every attempt: report it failed, with the reason. */
    @FunctionalInterface
    public interface GiveUp<T> {
        void giveUp(String key, T job, Retry last) throws Exception;
    }

    /**
     * Asks for the job to be tried again after a pause: the failure may pass (storage or the broker
     * could not be reached; see {@link TransientFailure}). The job must be idempotent, as every job is.
     */
    public static final class Retry extends Exception {
        public Retry(String message, Throwable cause) {
            super(message, cause);
        }

        /** Asks for a retry when {@code e} is a transient failure; else returns, for the caller to report it. */
        public static void throwIfTransient(Throwable e) throws Retry {
            if (TransientFailure.in(e)) {
                throw new Retry(String.valueOf(e.getMessage()), e);
            }
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Parser<T> parser;
    private final JobAttempts<T> attempts;
    private final JobMetrics jobMetrics;
    private final KafkaClientMetrics consumerMetrics;
    private final ExecutorService executor;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile boolean busy;

    /**
     * A service's worker: its jobs are tried again while they ask for it (default policy), then given
     * up; jobs and the consumer's lag are recorded on the platform's meters.
     */
    public JobWorker(Platform platform, String topic, String group, Parser<T> parser, Handler<T> handler,
                     GiveUp<T> giveUp) {
        this(platform.config(), platform.metrics(), topic, group, parser,
                new JobAttempts<>(handler, giveUp, JobAttempts.RetryPolicy.DEFAULT));
    }

    /** @param metrics where jobs ({@link JobMetrics}) and the consumer's metrics (lag) are recorded */
    public JobWorker(Config config, ServiceMetrics metrics, String topic, String group, Parser<T> parser,
                     JobAttempts<T> attempts) {
        this.topic = topic;
        this.parser = parser;
        this.jobMetrics = new JobMetrics(metrics.registry(), topic);
        this.attempts = attempts.observedBy(jobMetrics);
        this.consumer = new KafkaConsumer<>(config.kafkaClients().consumer(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + config.instance(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName())),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.consumerMetrics = metrics.bindConsumer(consumer, group);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lt-job-" + topic);
            t.setDaemon(true);
            return t;
        });
        this.loop = new Thread(this::run, "lt-poll-" + topic);
        this.loop.setDaemon(true);
    }

    public JobWorker<T> start() {
        loop.start();
        return this;
    }

    /** False once the poll loop has stopped on its own (an error it could not handle); true before start and after close. */
    public boolean alive() {
        return !running.get() || loop.getState() == Thread.State.NEW || loop.isAlive();
    }

    /** Whether a job is being worked on now. */
    public boolean busy() {
        return busy;
    }

    private void run() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (busy) {
                    consumer.pause(partitions);
                }
            }
        });
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> record : records) {
                    process(record);
                    if (!running.get()) {
                        break;
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("job worker for {} stopped: {}", topic, e.toString(), e);
        } finally {
            consumerMetrics.close();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void process(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        T job;
        try {
            job = parser.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            LOG.error("dropping unreadable job at {}@{}: {}", tp, record.offset(), e.getMessage());
            commit(tp, record.offset());
            return;
        }
        busy = true;
        consumer.pause(consumer.assignment());
        long start = System.nanoTime();
        Future<JobAttempts.Outcome> f = executor.submit(() -> attempts.run(record.key(), job));
        JobAttempts.Outcome outcome;
        try {
            while (!f.isDone()) {
                consumer.poll(Duration.ofMillis(200));   // heartbeats; partitions are paused
                if (!running.get()) {
                    f.cancel(true);
                    return;
                }
            }
            outcome = f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.error("job at {}@{} failed: {}", tp, record.offset(), e.getCause().toString(), e.getCause());
            outcome = JobAttempts.Outcome.FAILED;
            jobMetrics.ended(outcome, Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.CancellationException e) {
            return;
        } finally {
            busy = false;
        }
        if (outcome == JobAttempts.Outcome.UNREPORTED) {
            // Its failure could not be reported (the broker is gone too): take it again from the start, later.
            consumer.seek(tp, record.offset());
            sleep(30_000);
        } else {
            commit(tp, record.offset());
        }
        consumer.resume(consumer.assignment());
    }

    private void commit(TopicPartition tp, long offset) {
        try {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset + 1)));
        } catch (CommitFailedException e) {
            LOG.warn("could not commit {}@{} (partition reassigned); the job may be delivered again", tp, offset);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
