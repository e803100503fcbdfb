package io.lttricks.platform.ops;

import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.TransientFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits at start for what a service cannot work without (storage, then Kafka) when it does not
 * answer yet: in Kubernetes the broker or MinIO may come up after the services, or go through a
 * restart. Meanwhile the service's gRPC port answers health checks with NOT_SERVING (liveness
 * SERVING: a restart would not bring the broker), so the readiness probe keeps it out of its
 * Service and an operator sees why.
 *
 * <p>Tries again with a pause that doubles from 1 s up to 30 s, each jittered by up to a fifth
 * (replicas that started together do not knock together). Logs one line when it starts waiting
 * (what, and why), one every five minutes while it waits (how long), and one when the dependency
 * answers. What waiting cannot cure (wrong credentials, a refused login, a bad setting) is not
 * waited for: it ends the start with its message.
 */
public final class StartupWait implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StartupWait.class);
    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    static final Duration MAX_PAUSE = Duration.ofSeconds(30);
    static final Duration REMIND_EVERY = Duration.ofMinutes(5);

    /** An action that succeeds once the dependency answers. */
    @FunctionalInterface
    public interface Attempt {
        void run() throws Exception;
    }

    private final Config config;
    private final String service;
    private final Duration firstPause;
    private final Duration maxPause;
    private GrpcServer notServing;

    public StartupWait(Config config, String service) {
        this(config, service, FIRST_PAUSE, MAX_PAUSE);
    }

    public StartupWait(Config config, String service, Duration firstPause, Duration maxPause) {
        this.config = config;
        this.service = service;
        this.firstPause = firstPause;
        this.maxPause = maxPause;
    }

    /** Runs {@code attempt} until it succeeds, waiting while it fails for a reason that may pass. */
    public void until(String what, Attempt attempt) throws IOException {
        long start = System.nanoTime();
        long lastSaid = 0;
        Duration pause = firstPause;
        for (int tries = 1; ; tries++) {
            try {
                attempt.run();
                if (tries > 1) {
                    LOG.info("{} answered after {}; {} service starting", what, took(start), service);
                }
                return;
            } catch (Exception e) {
                if (!mayPass(e)) {
                    if (e instanceof IOException io) {
                        throw io;
                    }
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
                }
                long now = System.nanoTime();
                if (tries == 1) {
                    serveNotServing();
                    LOG.warn("{} service waiting for {}: {}; trying again with pauses up to {} s; health says NOT_SERVING"
                            + " until it answers", service, what, reason(e), maxPause.toSeconds());
                    lastSaid = now;
                } else if (now - lastSaid >= REMIND_EVERY.toNanos()) {
                    LOG.warn("{} service still waiting for {} (for {}): {}", service, what, took(start), reason(e));
                    lastSaid = now;
                }
            }
            try {
                Thread.sleep(jittered(pause).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + what, e);
            }
            pause = pause.multipliedBy(2).compareTo(maxPause) > 0 ? maxPause : pause.multipliedBy(2);
        }
    }

    /** {@code d} less up to a fifth of it, at random. */
    static Duration jittered(Duration d) {
        return d.minusMillis((long) (d.toMillis() * 0.2 * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * Whether waiting may cure it: the other side could not be reached, timed out, or its name does
     * not resolve yet. A refused login, missing rights or a malformed setting do not pass.
     */
    static boolean mayPass(Throwable e) {
        if (TransientFailure.in(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException
                    || t instanceof org.apache.kafka.common.errors.AuthorizationException) {
                return false;
            }
            if (t instanceof org.apache.kafka.common.errors.RetriableException
                    || t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.SocketTimeoutException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.util.concurrent.TimeoutException
                    || (t instanceof org.apache.kafka.common.config.ConfigException
                            && String.valueOf(t.getMessage()).contains("resolvable bootstrap"))) {
                return true;
            }
        }
        return false;
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.length() <= 200 ? m : m.substring(0, 200) + "...";
    }

    private static String took(long startNanos) {
        long s = Duration.ofNanos(System.nanoTime() - startNanos).toSeconds();
        return s < 60 ? s + " s" : s / 60 + "m" + String.format("%02d", s % 60) + "s";
    }

    /** Answers health checks on the service's port, NOT_SERVING, until the service itself starts there. */
    private void serveNotServing() {
        if (notServing != null) {
            return;
        }
        try {
            notServing = new GrpcServer(config.grpc(), config.grpcPort(), List.of(), null,
                    GrpcServer.DEFAULT_MAX_MESSAGE_BYTES);
            notServing.report(false, true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not answer health checks while waiting: {}", e.toString());
        }
    }

    /** The port is the service's again. */
    @Override
    public void close() {
        if (notServing != null) {
            notServing.close();
            notServing = null;
        }
    }
}
