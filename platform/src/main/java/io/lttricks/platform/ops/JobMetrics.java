package io.lttricks.platform.ops;

import io.lttricks.platform.bus.JobAttempts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;

/**
 * Counts and times the jobs of one topic as {@link JobAttempts} runs them: {@value #JOBS}
 * (Prometheus: {@code lt_jobs_seconds_count}, {@code _sum}, {@code _bucket}) tagged {@code topic}
 * and {@code outcome} (done, gave_up, unreported, stopped, failed: {@link JobAttempts.Outcome}), the time
 * from the first attempt to the end, pauses included; and {@value #RETRIES}
 * ({@code lt_job_retries_total}, tagged {@code topic}): attempts that asked for a retry and were
 * tried again.
 */
public final class JobMetrics implements JobAttempts.Observer {
    static final String JOBS = "lt.jobs";
    static final String RETRIES = "lt.job.retries";
    /** Bucket bounds: a data set or shard takes seconds to minutes, a training stage hours. */
    private static final Duration[] BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1),
            Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12)};

    private final MeterRegistry registry;
    private final String topic;
    private final Counter retries;

    public JobMetrics(MeterRegistry registry, String topic) {
        this.registry = registry;
        this.topic = topic;
        this.retries = Counter.builder(RETRIES).description("Job attempts that asked for a retry and were tried again")
                .tag("topic", topic).register(registry);
        for (JobAttempts.Outcome o : JobAttempts.Outcome.values()) {
            timer(o);   // every outcome from the start at 0, so that rates are defined before the first failure
        }
    }

    @Override
    public void retrying(int attempt) {
        retries.increment();
    }

    @Override
    public void ended(JobAttempts.Outcome outcome, Duration took) {
        timer(outcome).record(took);
    }

    private Timer timer(JobAttempts.Outcome outcome) {
        return Timer.builder(JOBS).description("Jobs ended, by topic and outcome; time from the first attempt")
                .tag("topic", topic).tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                .serviceLevelObjectives(BUCKETS).register(registry);
    }
}
