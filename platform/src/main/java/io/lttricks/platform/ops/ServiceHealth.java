package io.lttricks.platform.ops;

import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service's health service says, kept true: every few seconds it asks whether the parts of
 * the process still run (job workers' poll loops, the coordinator, the run state follower) and
 * whether the dependencies answer (Kafka: the cluster lists its brokers; storage: a HEAD request).
 *
 * <ul>
 *   <li>a part that died: NOT_SERVING at once, on every service name, on {@code ""} and on
 *       {@value GrpcServer#LIVENESS} (a restart is what cures it);</li>
 *   <li>a dependency that has not answered for longer than the grace period ({@link Config#healthGraceSeconds},
 *       {@value Config#HEALTH_GRACE_SECONDS}, default 60 s): NOT_SERVING on every service name and
 *       {@code ""}, while {@value GrpcServer#LIVENESS} stays SERVING (restarting the pod would not
 *       bring Kafka back; the readiness probe takes it out of its Service);</li>
 *   <li>back to SERVING as soon as the dependency answers again.</li>
 * </ul>
 * Each check is bounded (a dependency that hangs counts as not answering). Transitions are logged.
 */
public final class ServiceHealth implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceHealth.class);
    /** The object whose existence the storage check asks about (it need not exist). */
    public static final String STORAGE_PROBE_KEY = "lt-health/probe";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    private final Duration probeTimeout;

    /** A check of a dependency: returns when it answers, throws when it does not. */
    @FunctionalInterface
    public interface Probe {
        void check() throws Exception;
    }

    /** What the service reports: {@code serving} (readiness), {@code alive} (liveness) and why not. */
    public record Status(boolean serving, boolean alive, List<String> problems) {
    }

    private static final class Dependency {
        final String name;
        final Probe probe;
        long failingSince = -1;
        String lastError;
        final java.util.concurrent.atomic.AtomicBoolean inFlight = new java.util.concurrent.atomic.AtomicBoolean();

        Dependency(String name, Probe probe) {
            this.name = name;
            this.probe = probe;
        }
    }

    private record Part(String name, BooleanSupplier alive) {
    }

    private final long graceNanos;
    private final Duration interval;
    private final LongSupplier clock;
    private final List<Dependency> dependencies = new CopyOnWriteArrayList<>();
    private final List<Part> parts = new CopyOnWriteArrayList<>();
    private final List<GrpcServer> servers = new CopyOnWriteArrayList<>();
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lt-health-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile ScheduledExecutorService timer;
    private volatile Status status = new Status(true, true, List.of());

    /**
     * @param grace    how long a dependency may not answer before NOT_SERVING
     * @param interval how often to check
     * @param clock    nanoseconds, as {@link System#nanoTime} (tests pass their own)
     */
    public ServiceHealth(Duration grace, Duration interval, LongSupplier clock) {
        this(grace, interval, clock, PROBE_TIMEOUT);
    }

    /** @param probeTimeout how long one check of a dependency may take before it counts as no answer */
    ServiceHealth(Duration grace, Duration interval, LongSupplier clock, Duration probeTimeout) {
        this.probeTimeout = probeTimeout;
        this.graceNanos = grace.toNanos();
        this.interval = interval;
        this.clock = clock;
    }

    /** Checks Kafka (through the event bus) and storage, with the configured grace period. */
    public static ServiceHealth of(Platform platform) {
        Duration grace = Duration.ofSeconds(platform.config().healthGraceSeconds());
        Duration interval = Duration.ofMillis(Math.max(1000, Math.min(10_000, grace.toMillis() / 3)));
        return new ServiceHealth(grace, interval, System::nanoTime)
                .dependency("kafka", () -> platform.bus().probe())
                .dependency("storage", () -> platform.store().exists(STORAGE_PROBE_KEY));
    }

    /** A dependency, NOT_SERVING after it failed to answer for longer than the grace period. */
    public ServiceHealth dependency(String name, Probe probe) {
        dependencies.add(new Dependency(name, probe));
        return this;
    }

    /** A part of the process, NOT_SERVING (and not alive) as soon as {@code alive} says false. */
    public ServiceHealth part(String name, BooleanSupplier alive) {
        parts.add(new Part(name, alive));
        return this;
    }

    /** Reports to {@code server}'s health service from now on. */
    public ServiceHealth attach(GrpcServer server) {
        if (server != null) {
            servers.add(server);
            Status s = status;
            server.report(s.serving(), s.alive());
        }
        return this;
    }

    /** Checks every {@code interval} from now on, in a daemon thread. */
    public synchronized ServiceHealth start() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lt-health");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> {
                try {
                    checkNow();
                } catch (RuntimeException e) {
                    LOG.warn("health check failed: {}", e.toString());
                }
            }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** The latest verdict. */
    public Status status() {
        return status;
    }

    /** Checks everything once, now, and reports the verdict. */
    public synchronized Status checkNow() {
        List<String> problems = new ArrayList<>();
        boolean alive = true;
        for (Part p : parts) {
            boolean ok;
            try {
                ok = p.alive().getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) {
                alive = false;
                problems.add(p.name() + " has stopped");
            }
        }
        boolean serving = alive;
        for (Dependency d : dependencies) {
            String error = run(d);
            long now = clock.getAsLong();
            if (error == null) {
                if (d.failingSince >= 0) {
                    LOG.warn("{} answers again", d.name);
                }
                d.failingSince = -1;
                d.lastError = null;
                continue;
            }
            if (d.failingSince < 0) {
                d.failingSince = now;
                LOG.warn("{} does not answer: {}", d.name, error);
            }
            d.lastError = error;
            long down = now - d.failingSince;
            if (down > graceNanos) {
                serving = false;
                problems.add(d.name + " has not answered for " + TimeUnit.NANOSECONDS.toSeconds(down) + " s: " + error);
            }
        }
        Status next = new Status(serving, alive, List.copyOf(problems));
        Status previous = status;
        status = next;
        if (previous.serving() != next.serving() || previous.alive() != next.alive()) {
            if (next.serving()) {
                LOG.warn("health: SERVING again");
            } else {
                LOG.error("health: NOT_SERVING{}: {}", next.alive() ? "" : " (not alive)", String.join("; ", problems));
            }
        }
        for (GrpcServer s : servers) {
            s.report(next.serving(), next.alive());
        }
        return next;
    }

    /**
     * Runs a probe with a time limit; null when it answered, else what went wrong. A probe still
     * hanging from an earlier check is not started again (one thread per dependency at most).
     */
    private String run(Dependency d) {
        if (!d.inFlight.compareAndSet(false, true)) {
            return "no answer to the check started earlier";
        }
        Probe probe = d.probe;
        Future<?> f;
        try {
            f = probes.submit(() -> {
                try {
                    probe.check();
                    return null;
                } finally {
                    d.inFlight.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            d.inFlight.set(false);
            return "closing";
        }
        try {
            f.get(probeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            return c.getClass().getSimpleName() + (c.getMessage() != null ? ": " + c.getMessage() : "");
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            return "no answer within " + probeTimeout.toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService t = timer;
        if (t != null) {
            t.shutdownNow();
        }
        probes.shutdownNow();
        servers.clear();
    }
}
