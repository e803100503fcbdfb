package io.lttricks.platform.bus;

import io.lttricks.platform.ops.JobMetrics;
import io.lttricks.platform.ops.LogContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job to its end, as a {@link JobWorker} does with each job it receives: the handler, and
 * while it asks for a retry ({@link JobWorker.Retry}: storage or the broker could not be reached),
 * the handler again after a pause that doubles each time, up to the policy's number of attempts;
 * then the give-up callback, which reports the job failed with the last reason ("failed N times,
 * the last: ..."). Free of Kafka, so
 * that services test their handlers with it.
 *
 * @param <T> the job message
 */
public final class JobAttempts<T> {
    private static final Logger LOG = LoggerFactory.getLogger(JobAttempts.class);

    /** How a job ended. */
    public enum Outcome {
        /** The handler returned. */
        DONE,
        /** Every attempt asked for a retry; the give-up callback reported the job failed. */
        GAVE_UP,
        /** Every attempt asked for a retry and the give-up callback failed too: nobody heard of it. */
        UNREPORTED,
        /** The handler stopped at a safe point for a shutdown ({@link JobWorker.Stopped}): deliver it again. */
        STOPPED,
        /**
         * The handler threw something other than a retry: trying again cannot help (handlers report
         * their own failures); the worker sends the job to the dead-letter topic.
         */
        FAILED
    }

    /** How a job ended, and why when it did not succeed (empty for {@link Outcome#DONE}). */
    public record Ended(Outcome outcome, String reason) {
        static final Ended DONE = new Ended(Outcome.DONE, "");
    }

    /**
     * How often, and after how long, a job that asks for a retry is tried again: {@code attempts} in
     * all, pausing {@code firstPause} after the first failed one, twice as long after each next one,
     * never longer than {@code maxPause}.
     */
    public record RetryPolicy(int attempts, Duration firstPause, Duration maxPause) {
        /** 5 attempts, pauses of 2, 4, 8 and 16 s: a storage or broker restart passes, a lasting outage fails the job in 30 s. */
        public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(2), Duration.ofSeconds(30));

        public RetryPolicy {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
            }
        }

        /** The pause after failed attempt {@code attempt} (counting from 1). */
        public Duration pause(int attempt) {
            Duration p = firstPause.multipliedBy(1L << Math.min(attempt - 1, 30));
            return p.compareTo(maxPause) > 0 || p.isNegative() ? maxPause : p;
        }
    }

    /** Hears how jobs go ({@link JobMetrics} counts them); both methods run on the job's thread. */
    public interface Observer {
        Observer NONE = new Observer() {
            @Override
            public void retrying(int attempt) {
            }

            @Override
            public void ended(Outcome outcome, Duration took) {
            }
        };

        /** Attempt {@code attempt} (counting from 1) asked for a retry and the job will be tried again. */
        void retrying(int attempt);

        /** The job ended so, {@code took} after its first attempt began (pauses included). */
        void ended(Outcome outcome, Duration took);
    }

    /** Waits between attempts (tests pass one that records instead of sleeping). */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private final JobWorker.Handler<T> handler;
    private final JobWorker.GiveUp<T> giveUp;
    private final RetryPolicy policy;
    private final Pause pause;
    private final Observer observer;

    public JobAttempts(JobWorker.Handler<T> handler, JobWorker.GiveUp<T> giveUp, RetryPolicy policy) {
        this(handler, giveUp, policy, d -> Thread.sleep(d.toMillis()));
    }

    public JobAttempts(JobWorker.Handler<T> handler, JobWorker.GiveUp<T> giveUp, RetryPolicy policy, Pause pause) {
        this(handler, giveUp, policy, pause, Observer.NONE);
    }

    private JobAttempts(JobWorker.Handler<T> handler, JobWorker.GiveUp<T> giveUp, RetryPolicy policy, Pause pause,
                        Observer observer) {
        this.handler = handler;
        this.giveUp = giveUp;
        this.policy = policy;
        this.pause = pause;
        this.observer = observer;
    }

    /** The same attempts, told to {@code o} as they go. */
    public JobAttempts<T> observedBy(Observer o) {
        return new JobAttempts<>(handler, giveUp, policy, pause, o);
    }

    /**
     * Runs the job (see the class comment); the log lines written meanwhile on this thread name the
     * job's run and stage ({@link LogContext}).
     *
     * @throws InterruptedException when interrupted (the worker is closing): the job has not ended
     */
    public Ended run(String key, T job) throws InterruptedException {
        DeadLetters.JobRef ref = job instanceof com.google.protobuf.Message m ? DeadLetters.JobRef.of(m) : DeadLetters.JobRef.UNKNOWN;
        try (LogContext ignored = LogContext.of(ref.runId(), ref.stage())) {
            long start = System.nanoTime();
            Ended ended = attempts(key, job);
            observer.ended(ended.outcome(), Duration.ofNanos(System.nanoTime() - start));
            return ended;
        }
    }

    private Ended attempts(String key, T job) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                handler.handle(key, job);
                return Ended.DONE;
            } catch (JobWorker.Retry r) {
                if (attempt >= policy.attempts()) {
                    LOG.error("job {} failed {} times, giving up: {}", key, attempt, r.getMessage());
                    return report(key, job, "failed " + attempt + " times, the last: " + r.getMessage(), r.getCause());
                }
                Duration p = policy.pause(attempt);
                LOG.warn("job {}: attempt {} of {} failed, trying again in {} s: {}", key, attempt, policy.attempts(),
                        p.toMillis() / 1000.0, r.getMessage());
                observer.retrying(attempt);
                pause.sleep(p);
            } catch (JobWorker.Stopped e) {
                return new Ended(Outcome.STOPPED, e.getMessage());
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                LOG.error("job {} failed: {}", key, e.toString(), e);
                return new Ended(Outcome.FAILED, e.toString());
            }
        }
    }

    /**
     * Ends a job without running it, as one whose retries ran out: the give-up callback reports it
     * failed with {@code reason} (a job whose worker died on each of its deliveries, {@link Deliveries}).
     */
    public Ended abandon(String key, T job, String reason) {
        LOG.error("job {} is not run again: {}", key, reason);
        Ended ended = report(key, job, reason, null);
        observer.ended(ended.outcome(), Duration.ZERO);
        return ended;
    }

    private Ended report(String key, T job, String reason, Throwable cause) {
        try {
            giveUp.giveUp(key, job, new JobWorker.Retry(reason, cause));
            return new Ended(Outcome.GAVE_UP, reason);
        } catch (Exception e) {
            LOG.error("job {}: could not report its failure: {}", key, e.toString());
            return new Ended(Outcome.UNREPORTED, reason);
        }
    }
}
