package io.lttricks.platform.bus;

import io.lttricks.platform.Config;
import io.lttricks.platform.ops.JobMetrics;
import io.lttricks.platform.Platform;
import io.lttricks.platform.ops.ServiceMetrics;
import io.lttricks.platform.TransientFailure;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.lttricks.proto.v1.DeadLetterCause;
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
 * reported failed ({@link JobAttempts}). A job that did not succeed, and a record that is not a job,
 * goes to the dead-letter topic with why ({@link DeadLetters}) before its offset is committed. Each
 * delivery is counted in storage ({@link Deliveries}): a job whose worker died during each of its
 * last deliveries is not run again but reported failed and dead-lettered.
 *
 * @param <T> the job message
 */
public final class JobWorker<T extends com.google.protobuf.Message> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);

    /**
     * What a worker does with a job. Throwing {@link Retry} has it tried again after a pause (see
     * {@link JobAttempts}); other exceptions end it (it goes to the dead-letter topic), so a handler
     * reports its own failures.
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

    /** Why a job has nothing left to do (it is committed without running), or null when it has. */
    @FunctionalInterface
    public interface Moot<T> {
        String why(T job);
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

    /**
     * Says the job stopped at a safe point because the worker is shutting down ({@link #drain}):
     * not a failure. The job is not committed, so it is delivered again (to another replica) and
     * resumes from what it stored.
     */
    public static final class Stopped extends Exception {
        public Stopped(String message) {
            super(message);
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Parser<T> parser;
    private final JobAttempts<T> attempts;
    private final DeadLetters deadLetters;
    private final String group;
    private final Deliveries deliveries;
    private final JobMetrics jobMetrics;
    private final KafkaClientMetrics consumerMetrics;
    private final ExecutorService executor;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Moot<T> moot = job -> null;
    private volatile Runnable onRevoked = () -> { };
    /** The partition of the job in hand, while there is one. */
    private volatile TopicPartition current;
    private volatile boolean busy;
    private volatile boolean draining;

    /**
     * A service's worker: its jobs are tried again while they ask for it (default policy), then given
     * up and sent to the dead-letter topic; jobs and the consumer's lag are recorded on the platform's meters.
     */
    public JobWorker(Platform platform, String topic, String group, Parser<T> parser, Handler<T> handler,
                     GiveUp<T> giveUp) {
        this(platform.config(), platform.metrics(), topic, group, parser,
                new JobAttempts<>(handler, giveUp, JobAttempts.RetryPolicy.DEFAULT), new DeadLetters(platform.bus(), group),
                Deliveries.in(platform.store()));
    }

    /**
     * @param metrics     where jobs ({@link JobMetrics}) and the consumer's metrics (lag) are recorded
     * @param deadLetters where jobs that did not succeed go
     * @param deliveries  where each job's deliveries are counted, across processes
     */
    public JobWorker(Config config, ServiceMetrics metrics, String topic, String group, Parser<T> parser,
                     JobAttempts<T> attempts, DeadLetters deadLetters, Deliveries deliveries) {
        this.topic = topic;
        this.group = group;
        this.deliveries = deliveries;
        this.parser = parser;
        this.jobMetrics = new JobMetrics(metrics.registry(), topic);
        this.attempts = attempts.observedBy(jobMetrics);
        this.deadLetters = deadLetters;
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

    /**
     * Commits without running every job {@code m} says has nothing left to do (for example one of a
     * run that has ended, {@link EndedRuns}: a topic read again from its start is then harmless).
     * Before {@link #start}.
     */
    public JobWorker<T> skipping(Moot<T> m) {
        this.moot = m;
        return this;
    }

    /**
     * What to do when the group takes the partition of the job in hand away from this worker (a
     * rebalance, say when a replica is added): the job will be delivered to its new owner, so the
     * handler should stop (a trainer stops at its next batch; see the trainer's lease). Before
     * {@link #start}.
     */
    public JobWorker<T> whenRevoked(Runnable r) {
        this.onRevoked = r;
        return this;
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
                TopicPartition inHand = current;
                if (busy && inHand != null && partitions.contains(inHand)) {
                    LOG.warn("the partition of the job in hand ({}) moved to another member of the group; the job is"
                            + " theirs now, this worker stops it", inHand);
                    onRevoked.run();
                }
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (busy) {
                    consumer.pause(partitions);
                }
            }
        });
        try {
            while (running.get() && !draining) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (!running.get() || draining) {
                        consumer.seek(new TopicPartition(record.topic(), record.partition()), record.offset());
                        break;
                    }
                    process(record);
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
            LOG.error("unreadable job at {}@{}: {}", tp, record.offset(), e.getMessage());
            settle(record, tp, null, new JobAttempts.Ended(JobAttempts.Outcome.FAILED, "not a job of topic " + topic
                    + " (" + e.getMessage() + ")"), DeadLetterCause.DEAD_LETTER_UNREADABLE);
            return;
        }
        String nothingToDo;
        try {
            nothingToDo = moot.why(job);
        } catch (RuntimeException e) {
            nothingToDo = null;   // when in doubt, run it: jobs are idempotent
        }
        if (nothingToDo != null) {
            LOG.info("job at {}@{} not run: {}", tp, record.offset(), nothingToDo);
            commit(tp, record.offset());
            return;
        }
        int delivery = deliveries.begin(group, record.topic(), record.partition(), record.offset());
        if (delivery > Deliveries.MAX) {
            // Every earlier delivery ended with its worker's process (nothing saw it end): not run again.
            String reason = "taken up " + (delivery - 1) + " times and never finished: the worker's process died"
                    + " during each (out of memory? an input that crashes it?); see the workers' logs for the job's"
                    + " run and stage";
            settle(record, tp, job, attempts.abandon(record.key(), job, reason), DeadLetterCause.DEAD_LETTER_CRASHED);
            return;
        }
        current = tp;
        busy = true;
        consumer.pause(consumer.assignment());
        long start = System.nanoTime();
        Future<JobAttempts.Ended> f = executor.submit(() -> attempts.run(record.key(), job));
        JobAttempts.Ended ended;
        try {
            while (!f.isDone()) {
                consumer.poll(Duration.ofMillis(200));   // heartbeats; partitions are paused
                if (!running.get()) {
                    f.cancel(true);
                    return;
                }
            }
            ended = f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.error("job at {}@{} failed: {}", tp, record.offset(), e.getCause().toString(), e.getCause());
            ended = new JobAttempts.Ended(JobAttempts.Outcome.FAILED, e.getCause().toString());
            jobMetrics.ended(ended.outcome(), Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (java.util.concurrent.CancellationException e) {
            return;
        } finally {
            busy = false;
            current = null;
        }
        settle(record, tp, job, ended, ended.outcome() == JobAttempts.Outcome.GAVE_UP
                ? DeadLetterCause.DEAD_LETTER_GAVE_UP : DeadLetterCause.DEAD_LETTER_FAILED);
        consumer.resume(consumer.assignment());
    }

    /**
     * Ends a delivery: a job that succeeded is committed; one that did not goes to the dead-letter
     * topic first. A job whose failure or dead letter could not be published (the broker is gone
     * too) is not committed but taken again from the start, later: nothing is dropped unseen.
     */
    private void settle(ConsumerRecord<String, byte[]> record, TopicPartition tp, T job, JobAttempts.Ended ended,
                        DeadLetterCause cause) {
        switch (ended.outcome()) {
            case DONE -> {
                commit(tp, record.offset());
                deliveries.end(group, record.topic(), record.partition(), record.offset());
            }
            case STOPPED -> {
                LOG.warn("job at {}@{} stopped, left for redelivery: {}", tp, record.offset(), ended.reason());
                if (consumer.assignment().contains(tp)) {   // else it is another member's now
                    consumer.seek(tp, record.offset());
                }
                deliveries.end(group, record.topic(), record.partition(), record.offset());
            }
            case UNREPORTED -> takeAgainLater(tp, record.offset());
            case GAVE_UP, FAILED -> {
                if (deadLetters.send(record.topic(), record.partition(), record.offset(), record.key(), record.value(), job,
                        cause, ended.reason())) {
                    commit(tp, record.offset());
                    deliveries.end(group, record.topic(), record.partition(), record.offset());
                } else {
                    takeAgainLater(tp, record.offset());
                }
            }
        }
    }

    private void takeAgainLater(TopicPartition tp, long offset) {
        if (!consumer.assignment().contains(tp)) {
            return;   // another member's now: it takes the job up
        }
        consumer.seek(tp, offset);
        sleep(30_000);
    }

    private void commit(TopicPartition tp, long offset) {
        try {
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset + 1)));
        } catch (CommitFailedException e) {
            LOG.warn("could not commit {}@{} (partition reassigned); the job may be delivered again", tp, offset);
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            throw e;   // closing
        } catch (org.apache.kafka.common.KafkaException e) {
            // The broker is away (a timeout): the job is done, and the next commit covers its offset;
            // if none comes first, the job is delivered again after a restart (jobs are idempotent).
            // Letting this escape would end the worker's loop for good.
            LOG.warn("could not commit {}@{} ({}); the job may be delivered again", tp, offset, e.toString());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Shuts down gently: takes no further job, waits up to {@code max} for the current one to end
     * (a handler told to stop ends at its next safe point and throws {@link Stopped}), leaves the
     * consumer group so that an uncommitted job is delivered again at once, then closes. Past
     * {@code max}, closes as {@link #close} does (the job is redelivered after the group notices).
     */
    public void drain(Duration max) {
        draining = true;
        try {
            loop.join(Math.max(1, max.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
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
