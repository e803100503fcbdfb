package io.lttricks.cli;

import io.lttricks.system.AllInOne;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a service is and how to talk to it: --server, else the endpoints of 'lt up' in
 * --state-dir, else localhost and the service's port (the run service: the sampler, 50051;
 * lt predict: the evaluator, 50054); TLS (a CA to trust, a client certificate for mutual TLS) and a
 * bearer token, from options or the environment (LT_TLS, LT_TLS_CA, LT_TLS_CERT, LT_TLS_KEY,
 * LT_TLS_SERVER_NAME, LT_TOKEN, LT_TOKEN_FILE).
 */
final class ServerOptions {
    static final String ENV_TOKEN = "LT_TOKEN";
    static final String ENV_TOKEN_FILE = "LT_TOKEN_FILE";
    static final String ENV_TLS = "LT_TLS";
    static final String ENV_TLS_CA = "LT_TLS_CA";
    static final String ENV_TLS_CERT = "LT_TLS_CERT";
    static final String ENV_TLS_KEY = "LT_TLS_KEY";
    static final String ENV_TLS_SERVER_NAME = "LT_TLS_SERVER_NAME";

    /** A service a command calls: its name in lt up's endpoints file and its default port. */
    record Service(String endpoint, int port) {
    }

    static final Service SAMPLER = new Service("sampler", io.lttricks.platform.Config.SAMPLER_PORT);
    static final Service EVALUATOR = new Service("evaluator", io.lttricks.platform.Config.EVALUATOR_PORT);

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "The service to call: the sampler service, which hosts the run service (lt predict: the"
                    + " evaluator service). Default: the one 'lt up' started (from --state-dir), else localhost:50051"
                    + " (lt predict: 50054).")
    String server;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory of 'lt up' (default ~/.lttricks/up).")
    Path stateDir;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token for a server that asks for one (default: $LT_TOKEN). Prefer --token-file or"
                    + " LT_TOKEN: a command line is visible to other users of the machine.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the bearer token (default: $LT_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--tls", description = "Speak TLS, trusting the JVM's CAs (default: $LT_TLS; implied by --tls-ca).")
    boolean tls;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "Speak TLS, trusting the CAs in this PEM file (default: $LT_TLS_CA).")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "Client certificate chain for mutual TLS (default: $LT_TLS_CERT); with --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
            description = "Private key (PKCS#8 PEM) of the client certificate (default: $LT_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "Name to expect in the server's certificate, when it differs from the --server host"
                    + " (e.g. through a port-forward; default: $LT_TLS_SERVER_NAME).")
    String tlsServerName;

    /** Where the settings not given as options come from (the process environment; tests give their own). */
    Map<String, String> env = System.getenv();

    Path stateDir() {
        return stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".lttricks", "up");
    }

    /** Whether the command line names a server (--server or --state-dir): lt predict then asks it. */
    boolean given() {
        return server != null || stateDir != null;
    }

    /** The address of {@code service}: --server, else its endpoint in the state directory, else localhost. */
    String target(Service service) throws IOException {
        if (server != null) {
            return server;
        }
        Path endpoints = stateDir().resolve(AllInOne.ENDPOINTS);
        if (Files.isRegularFile(endpoints)) {
            JsonNode n = new ObjectMapper().readTree(endpoints.toFile());
            if (n.hasNonNull(service.endpoint())) {
                return n.get(service.endpoint()).asText();
            }
        }
        return "localhost:" + service.port();
    }

    private Path path(Path option, String variable) {
        if (option != null) {
            return option;
        }
        String v = env.get(variable);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }

    private String string(String option, String variable) {
        if (option != null) {
            return option;
        }
        String v = env.get(variable);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The bearer token to send, or null. */
    String token() throws IOException {
        String t = string(token, ENV_TOKEN);
        if (t != null) {
            return t;
        }
        Path file = path(tokenFile, ENV_TOKEN_FILE);
        if (file != null) {
            t = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("the token file " + file + " is empty");
            }
            return t;
        }
        return null;
    }

    /** The credentials of the channel: TLS when asked for (a CA, a client certificate or --tls), else plaintext. */
    ChannelCredentials credentials() throws IOException {
        Path ca = path(tlsCa, ENV_TLS_CA);
        Path cert = path(tlsCert, ENV_TLS_CERT);
        Path key = path(tlsKey, ENV_TLS_KEY);
        boolean useTls = tls || "true".equalsIgnoreCase(string(null, ENV_TLS)) || ca != null || cert != null;
        if (!useTls) {
            return InsecureChannelCredentials.create();
        }
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key (LT_TLS_CERT, LT_TLS_KEY) go together");
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        if (ca != null) {
            b.trustManager(ca.toFile());
        }
        if (cert != null) {
            b.keyManager(cert.toFile(), key.toFile());
        }
        return b.build();
    }

    ManagedChannel channel(Service service) throws IOException {
        String target = target(service);
        ChannelCredentials credentials = credentials();
        ManagedChannelBuilder<?> b = Grpc.newChannelBuilder(target, credentials);
        String name = string(tlsServerName, ENV_TLS_SERVER_NAME);
        if (name != null) {
            b.overrideAuthority(name);
        }
        String t = token();
        if (t != null) {
            if (credentials instanceof InsecureChannelCredentials && !loopback(target)) {
                System.err.println("lt: warning: sending the token to " + target + " without TLS (use --tls-ca)");
            }
            b.intercept(bearer(t));
        }
        return b.build();
    }

    /** Adds {@code authorization: Bearer TOKEN} to every call. */
    static ClientInterceptor bearer(String token) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(AUTHORIZATION, "Bearer " + token);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    private static boolean loopback(String target) {
        String host = target.replaceFirst("^dns:///", "");
        int colon = host.lastIndexOf(':');
        host = colon > 0 ? host.substring(0, colon) : host;
        host = host.replace("[", "").replace("]", "");
        try {
            return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Something done over a channel to the run service. */
    interface ChannelCall {
        int call(ManagedChannel channel) throws Exception;
    }

    /** Opens a channel to the run service, runs {@code call}, closes the channel; returns the exit code. */
    int with(ChannelCall call) throws Exception {
        return with(SAMPLER, call);
    }

    /** {@link #with(ChannelCall)} to another service. */
    int with(Service service, ChannelCall call) throws Exception {
        ManagedChannel channel = channel(service);
        try {
            return call.call(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
