package io.lttricks.platform;

import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.ops.ServiceMetrics;
import java.io.UncheckedIOException;

/**
 * The start of a service's {@code main}: its configuration, checked before anything connects, so
 * that a missing credential or an unsafe exposure stops the process with one line that names the
 * setting instead of a stack trace.
 */
public final class ServiceMain {
    private ServiceMain() {
    }

    /**
     * The configuration from the environment, the service's default gRPC and metrics ports where
     * none is set; exits (status 2) with the reason when it cannot serve.
     */
    public static Config config(String service, int defaultPort, int defaultMetricsPort) {
        try {
            checkLogFormat(System.getenv(Config.LOG_FORMAT));
            Config config = Config.fromEnvironment(defaultPort, defaultMetricsPort);
            config.requireS3Credentials();
            config.grpc().checkExposure(config.grpcPort());
            return config;
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            System.err.println(service + " service cannot start: " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    /** {@link Config#LOG_FORMAT}: unset, text or json. */
    public static void checkLogFormat(String format) {
        if (format != null && !format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException(Config.LOG_FORMAT + " must be text or json, got '" + format + "'");
        }
    }

    /** Where the metrics are served, for the start-up log line. */
    public static String describeMetrics(Platform platform) {
        int port = platform.metrics().port();
        return port < 0 ? "not served (" + Config.METRICS_PORT + "=0)"
                : "http://" + platform.config().grpc().bind() + ":" + port + ServiceMetrics.PATH;
    }

    /** How the gRPC server is reached, for the start-up log line (no secret in it). */
    public static String describe(GrpcSecurity s, int port) {
        return s.bind() + ":" + port + (s.tls() ? " (TLS" + (s.clientCa() != null ? ", client certificates" : "") + ")"
                : " (plaintext)") + (s.tokens().isEmpty() ? "" : ", " + s.tokens().size() + " accepted token(s)");
    }
}
