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
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes jobs from a topic, one job at a time, with the other workers of its group; a job is
 * settled only when it has finished, so a job whose worker dies is delivered again (jobs are
 * idempotent). Jobs waiting on the topic are the queue. How the group shares them is its
 * {@link Delivery}: in a Kafka share group ({@link Delivery#SHARED}) any idle worker takes the next
 * waiting job while a busy one holds only its own job's lock, renewed as the job runs; in a classic
 * consumer group ({@link Delivery#PARTITIONS}) a worker owns partitions and, while a job runs
 * (minutes or hours for a training stage), pauses them and keeps polling, so that the jobs behind
 * its job on those partitions wait for it even when another worker is idle. A job whose handler asks for a retry is tried again after a pause, a few times, and then
 * reported failed ({@link JobAttempts}). A job that did not succeed, and a record that is not a job,
 * goes to the dead-letter topic with why ({@link DeadLetters}) before its offset is committed. Each
 * delivery is counted in storage ({@link Deliveries}): a job whose worker died during each of its
 * last deliveries is not run again but reported failed and dead-lettered.
 *
 * @param <T> the job message
 */
public final class JobWorker<T extends com.google.protobuf.Message> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);

    /** How the workers of a group share a topic's jobs. */
    public enum Delivery {
        /**
         * A Kafka share group (KIP-932, Kafka 4.2 or newer): records, not partitions, go to workers;
         * an idle worker takes the next waiting job whatever its partition; a busy worker renews its
         * job's acquisition lock (a third of the lock time) and takes nothing else; a job whose
         * worker dies is delivered again when the lock runs out (30 s by default).
         */
        SHARED,
        /** A classic consumer group: each worker owns partitions; a busy worker pauses them. */
        PARTITIONS
    }

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

    private final Queue queue;
    private final String topic;
    private final Parser<T> parser;
    private final JobAttempts<T> attempts;
    private final DeadLetters deadLetters;
    private final String group;
    private final Deliveries deliveries;
    private final JobMetrics jobMetrics;
    private final ExecutorService executor;
    private final Thread loop;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile Moot<T> moot = job -> null;
    private volatile Runnable onRevoked = () -> { };
    private volatile boolean busy;
    private volatile boolean draining;

    /**
     * A service's worker in a classic consumer group ({@link Delivery#PARTITIONS}): its jobs are
     * tried again while they ask for it (default policy), then given up and sent to the dead-letter
     * topic; jobs and the consumer's lag are recorded on the platform's meters.
     */
    public JobWorker(Platform platform, String topic, String group, Parser<T> parser, Handler<T> handler,
                     GiveUp<T> giveUp) {
        this(platform, Delivery.PARTITIONS, topic, group, parser, handler, giveUp);
    }

    /** As {@link #JobWorker(Platform, String, String, Parser, Handler, GiveUp)}, sharing the jobs as {@code delivery} says. */
    public JobWorker(Platform platform, Delivery delivery, String topic, String group, Parser<T> parser,
                     Handler<T> handler, GiveUp<T> giveUp) {
        this(platform.config(), platform.metrics(), delivery, topic, group, parser,
                new JobAttempts<>(handler, giveUp, JobAttempts.RetryPolicy.DEFAULT), new DeadLetters(platform.bus(), group),
                Deliveries.in(platform.store()));
    }

    /**
     * A service's worker of one of the long-job topics ({@link Topics#SHARED_TOPICS}: training stages,
     * augment shards, evaluations), in its group as the configured delivery says
     * ({@link Config#jobDelivery()}, {@link Topics#group}).
     */
    public static <T extends com.google.protobuf.Message> JobWorker<T> ofLongJobs(Platform platform, String topic, Parser<T> parser,
                                                              Handler<T> handler, GiveUp<T> giveUp) {
        String group = Topics.SHARED_TOPICS.get(topic);
        if (group == null) {
            throw new IllegalArgumentException(topic + " is not a topic of long jobs: " + Topics.SHARED_TOPICS.keySet());
        }
        return new JobWorker<>(platform, platform.config().jobDelivery(), topic, Topics.group(group, platform.config()),
                parser, handler, giveUp);
    }

    /** A worker in a classic consumer group ({@link Delivery#PARTITIONS}). */
    public JobWorker(Config config, ServiceMetrics metrics, String topic, String group, Parser<T> parser,
                     JobAttempts<T> attempts, DeadLetters deadLetters, Deliveries deliveries) {
        this(config, metrics, Delivery.PARTITIONS, topic, group, parser, attempts, deadLetters, deliveries);
    }

    /**
     * @param metrics     where jobs ({@link JobMetrics}) and the consumer's metrics (lag) are recorded
     * @param delivery    how the group's workers share the jobs
     * @param deadLetters where jobs that did not succeed go (and, in a share group, where a job stopped
     *                    for a shutdown is published again)
     * @param deliveries  where each job's deliveries are counted, across processes
     */
    public JobWorker(Config config, ServiceMetrics metrics, Delivery delivery, String topic, String group,
                     Parser<T> parser, JobAttempts<T> attempts, DeadLetters deadLetters, Deliveries deliveries) {
        this.topic = topic;
        this.group = group;
        this.deliveries = deliveries;
        this.parser = parser;
        this.jobMetrics = new JobMetrics(metrics.registry(), topic);
        this.attempts = attempts.observedBy(jobMetrics);
        this.deadLetters = deadLetters;
        this.queue = delivery == Delivery.SHARED ? new SharedQueue(config) : new PartitionQueue(config, metrics);
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
     * What to do when the job in hand stops being this worker's (its partition moved to another
     * member in a rebalance, say when a replica is added; or, in a share group, its lock could not
     * be renewed): the job will be delivered to its new owner, so the handler should stop (a
     * trainer stops at its next batch; see the trainer's lease). Before {@link #start}.
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
        try {
            queue.subscribe();
            while (running.get() && !draining) {
                ConsumerRecords<String, byte[]> records = queue.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (!running.get() || draining) {
                        queue.again(record);
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
            queue.close(Duration.ofSeconds(5));
        }
    }

    private void process(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        T job;
        try {
            job = parser.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            LOG.error("unreadable job at {}@{}: {}", tp, record.offset(), e.getMessage());
            settle(record, null, new JobAttempts.Ended(JobAttempts.Outcome.FAILED, "not a job of topic " + topic
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
            queue.done(record);
            return;
        }
        int delivery = deliveries.begin(group, record.topic(), record.partition(), record.offset());
        if (delivery > Deliveries.MAX) {
            // Every earlier delivery ended with its worker's process (nothing saw it end): not run again.
            String reason = "taken up " + (delivery - 1) + " times and never finished: the worker's process died"
                    + " during each (out of memory? an input that crashes it?); see the workers' logs for the job's"
                    + " run and stage";
            settle(record, job, attempts.abandon(record.key(), job, reason), DeadLetterCause.DEAD_LETTER_CRASHED);
            return;
        }
        busy = true;
        queue.taken(record);
        long start = System.nanoTime();
        Future<JobAttempts.Ended> f = executor.submit(() -> attempts.run(record.key(), job));
        JobAttempts.Ended ended;
        try {
            while (!f.isDone()) {
                if (!queue.keep(record, Duration.ofMillis(200))) {
                    onRevoked.run();
                }
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
        }
        settle(record, job, ended, ended.outcome() == JobAttempts.Outcome.GAVE_UP
                ? DeadLetterCause.DEAD_LETTER_GAVE_UP : DeadLetterCause.DEAD_LETTER_FAILED);
        queue.idle();
    }

    /**
     * Ends a delivery: a job that succeeded is settled; one that did not goes to the dead-letter
     * topic first. A job whose failure or dead letter could not be published (the broker is gone
     * too) is not settled but taken again from the start, later: nothing is dropped unseen.
     */
    private void settle(ConsumerRecord<String, byte[]> record, T job, JobAttempts.Ended ended, DeadLetterCause cause) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        switch (ended.outcome()) {
            case DONE -> {
                queue.done(record);
                deliveries.end(group, record.topic(), record.partition(), record.offset());
            }
            case STOPPED -> {
                LOG.warn("job at {}@{} stopped, left for redelivery: {}", tp, record.offset(), ended.reason());
                queue.handOn(record, job);
                deliveries.end(group, record.topic(), record.partition(), record.offset());
            }
            case UNREPORTED -> queue.later(record);
            case GAVE_UP, FAILED -> {
                if (deadLetters.send(record.topic(), record.partition(), record.offset(), record.key(), record.value(), job,
                        cause, ended.reason())) {
                    queue.done(record);
                    deliveries.end(group, record.topic(), record.partition(), record.offset());
                } else {
                    queue.later(record);
                }
            }
        }
    }

    /** Where the worker takes jobs from and settles them: a consumer group or a share group. */
    private interface Queue {
        void subscribe();

        ConsumerRecords<String, byte[]> poll(Duration max);

        /** A job was taken up and runs now. */
        void taken(ConsumerRecord<String, byte[]> record);

        /** While the job runs: waits about {@code wait}; false when the job is no longer this worker's. */
        boolean keep(ConsumerRecord<String, byte[]> record, Duration wait);

        /** The job in hand ended and is settled. */
        void idle();

        /** Settled for good: done, moot, or dead-lettered. */
        void done(ConsumerRecord<String, byte[]> record);

        /** Not taken up (the worker is stopping): delivered again, to whoever takes it. */
        void again(ConsumerRecord<String, byte[]> record);

        /** Stopped at a safe point for a shutdown: another worker resumes it at once. */
        void handOn(ConsumerRecord<String, byte[]> record, com.google.protobuf.Message job);

        /** Could not be settled (the broker is away): taken again later. */
        void later(ConsumerRecord<String, byte[]> record);

        void wakeup();

        void close(Duration max);
    }

    /** A classic consumer group: partitions are the workers'; offsets are committed when a job ends. */
    private final class PartitionQueue implements Queue {
        private final KafkaConsumer<String, byte[]> consumer;
        private final KafkaClientMetrics consumerMetrics;
        /** The partition of the job in hand, while there is one. */
        private volatile TopicPartition current;
        private volatile boolean revoked;

        PartitionQueue(Config config, ServiceMetrics metrics) {
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
        }

        @Override
        public void subscribe() {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    TopicPartition inHand = current;
                    if (busy && inHand != null && partitions.contains(inHand)) {
                        LOG.warn("the partition of the job in hand ({}) moved to another member of the group; the job is"
                                + " theirs now, this worker stops it", inHand);
                        revoked = true;
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
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration max) {
            return consumer.poll(max);
        }

        @Override
        public void taken(ConsumerRecord<String, byte[]> record) {
            current = new TopicPartition(record.topic(), record.partition());
            revoked = false;
            consumer.pause(consumer.assignment());
        }

        @Override
        public boolean keep(ConsumerRecord<String, byte[]> record, Duration wait) {
            consumer.poll(wait);   // heartbeats; partitions are paused
            boolean ours = !revoked;
            revoked = false;
            return ours;
        }

        @Override
        public void idle() {
            current = null;
            consumer.resume(consumer.assignment());
        }

        @Override
        public void done(ConsumerRecord<String, byte[]> record) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            try {
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(record.offset() + 1)));
            } catch (CommitFailedException e) {
                LOG.warn("could not commit {}@{} (partition reassigned); the job may be delivered again", tp, record.offset());
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                throw e;   // closing
            } catch (org.apache.kafka.common.KafkaException e) {
                // The broker is away (a timeout): the job is done, and the next commit covers its offset;
                // if none comes first, the job is delivered again after a restart (jobs are idempotent).
                // Letting this escape would end the worker's loop for good.
                LOG.warn("could not commit {}@{} ({}); the job may be delivered again", tp, record.offset(), e.toString());
            }
        }

        @Override
        public void again(ConsumerRecord<String, byte[]> record) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (consumer.assignment().contains(tp)) {   // else it is another member's now
                consumer.seek(tp, record.offset());
            }
        }

        @Override
        public void handOn(ConsumerRecord<String, byte[]> record, com.google.protobuf.Message job) {
            again(record);   // uncommitted: the member that gets the partition next takes it up
        }

        @Override
        public void later(ConsumerRecord<String, byte[]> record) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (!consumer.assignment().contains(tp)) {
                return;   // another member's now: it takes the job up
            }
            consumer.seek(tp, record.offset());
            sleep(30_000);
        }

        @Override
        public void wakeup() {
            consumer.wakeup();
        }

        @Override
        public void close(Duration max) {
            consumerMetrics.close();
            consumer.close(max);
        }
    }

    /**
     * A Kafka share group: the broker hands each waiting record to one idle member and locks it
     * there; the worker renews the lock while its job runs and acknowledges the record when it
     * ends (accept), or releases it.
     */
    private final class SharedQueue implements Queue {
        private final KafkaShareConsumer<String, byte[]> consumer;
        private long lockMs = 30_000;
        private long renewedAt;
        /** The record as the consumer last handed it back (a renewed record is handed back by the next poll). */
        private ConsumerRecord<String, byte[]> held;
        private boolean awaitingRenewed;

        SharedQueue(Config config) {
            Map<String, Object> own = new java.util.HashMap<>();
            own.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
            own.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            own.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + config.instance());
            own.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
            own.put("share.acknowledgement.mode", "explicit");
            own.put("share.acquire.mode", "record_limit");
            Map<String, Object> settings = new java.util.HashMap<>(config.kafkaClients().consumer(own));
            SHARE_UNSUPPORTED.forEach(settings::remove);
            this.consumer = new KafkaShareConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public void subscribe() {
            consumer.subscribe(List.of(topic));
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration max) {
            return consumer.poll(max);
        }

        @Override
        public void taken(ConsumerRecord<String, byte[]> record) {
            held = record;
            awaitingRenewed = false;
            renewedAt = System.currentTimeMillis();
            lockMs = consumer.acquisitionLockTimeoutMs().map(Integer::longValue).orElse(30_000L);
        }

        @Override
        public boolean keep(ConsumerRecord<String, byte[]> record, Duration wait) {
            if (awaitingRenewed) {
                // The renewed record comes back through poll; nothing else does while one is held.
                for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
                    if (r.partition() == record.partition() && r.offset() == record.offset()) {
                        held = r;
                        awaitingRenewed = false;
                    } else {
                        consumer.acknowledge(r, AcknowledgeType.RELEASE);   // not for a busy worker
                    }
                }
                if (awaitingRenewed && System.currentTimeMillis() - renewedAt > lockMs) {
                    awaitingRenewed = false;
                    LOG.warn("the renewed lock of the job in hand ({}@{}) did not come back; it goes to another worker,"
                            + " this one stops it", record.topic(), record.offset());
                    return false;
                }
                return true;
            }
            sleep(wait.toMillis());
            if (System.currentTimeMillis() - renewedAt < lockMs / 3) {
                return true;
            }
            renewedAt = System.currentTimeMillis();
            try {
                consumer.acknowledge(held, AcknowledgeType.RENEW);
                awaitingRenewed = true;
                Map<org.apache.kafka.common.TopicIdPartition, java.util.Optional<org.apache.kafka.common.KafkaException>> r =
                        consumer.commitSync(Duration.ofSeconds(10));
                for (java.util.Optional<org.apache.kafka.common.KafkaException> e : r.values()) {
                    if (e.isPresent()) {
                        LOG.warn("the lock of the job in hand ({}@{}) could not be renewed ({}); it goes to another"
                                + " worker, this one stops it", record.topic(), record.offset(), e.get().toString());
                        return false;
                    }
                }
            } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
                if (e instanceof org.apache.kafka.common.errors.WakeupException w) {
                    throw w;
                }
                LOG.warn("could not renew the lock of the job in hand ({}@{}): {}", record.topic(), record.offset(),
                        e.toString());
            }
            return true;
        }

        @Override
        public void idle() {
            held = null;
        }

        @Override
        public void done(ConsumerRecord<String, byte[]> record) {
            acknowledge(record, AcknowledgeType.ACCEPT);
        }

        @Override
        public void again(ConsumerRecord<String, byte[]> record) {
            acknowledge(record, AcknowledgeType.RELEASE);
        }

        @Override
        public void handOn(ConsumerRecord<String, byte[]> record, com.google.protobuf.Message job) {
            // A fresh record: a released one counts a delivery more, and the broker archives a record
            // past its delivery limit, so a stage drained a few times would be dropped.
            if (job != null && deadLetters.requeue(record.topic(), record.key(), job)) {
                acknowledge(record, AcknowledgeType.ACCEPT);
            } else {
                acknowledge(record, AcknowledgeType.RELEASE);
            }
        }

        @Override
        public void later(ConsumerRecord<String, byte[]> record) {
            sleep(30_000);
            acknowledge(record, AcknowledgeType.RELEASE);
        }

        private void acknowledge(ConsumerRecord<String, byte[]> record, AcknowledgeType type) {
            ConsumerRecord<String, byte[]> r = held != null && held.offset() == record.offset()
                    && held.partition() == record.partition() ? held : record;
            try {
                if (awaitingRenewed) {
                    // The renewed record has to come back before it can be acknowledged again.
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (awaitingRenewed && System.currentTimeMillis() < deadline) {
                        keep(record, Duration.ofMillis(200));
                    }
                    r = held;
                }
                consumer.acknowledge(r, type);
                long offset = r.offset();
                consumer.commitSync(Duration.ofSeconds(30)).forEach((p, e) -> e.ifPresent(x -> LOG.warn(
                        "could not {} {}@{} ({}); the job may be delivered again", type, p, offset, x.toString())));
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                throw e;   // closing
            } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
                LOG.warn("could not {} {}@{} ({}); the job may be delivered again", type, record.topic(), record.offset(),
                        e.toString());
            }
        }

        @Override
        public void wakeup() {
            consumer.wakeup();
        }

        @Override
        public void close(Duration max) {
            consumer.close(max);
        }
    }

    /** Consumer settings a share consumer refuses (they belong to consumer groups). */
    private static final List<String> SHARE_UNSUPPORTED = List.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG,
            ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);

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
        queue.wakeup();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
