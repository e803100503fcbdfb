package io.lttricks.platform.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a service's gRPC server is reached and who may call it.
 *
 * <ul>
 *   <li>{@value #BIND}: the address to listen on (default {@code 0.0.0.0}, every interface, as a pod
 *       needs; {@code lt up} uses {@code 127.0.0.1});</li>
 *   <li>{@value #TLS_CERT} and {@value #TLS_KEY}: PEM files of the server's certificate chain and
 *       its PKCS#8 private key ({@code BEGIN PRIVATE KEY}): the server speaks TLS only;</li>
 *   <li>{@value #TLS_CLIENT_CA}: PEM file of the CAs whose client certificates are accepted: mutual
 *       TLS, a client without such a certificate fails the handshake;</li>
 *   <li>{@value #TOKENS} (comma-separated) and/or {@value #TOKENS_FILE} (one a line; {@code #} starts
 *       a comment): the bearer tokens accepted in the {@code authorization: Bearer TOKEN} header. A
 *       token may be followed by a role, {@code read} (Get/List/Watch/Results/SamplingPlan only) or
 *       {@code all} (the default). A call without a token is UNAUTHENTICATED, with a wrong one too;
 *       a read token on another method is PERMISSION_DENIED. Health checking stays open (Kubernetes
 *       probes carry no token); reflection needs a token;</li>
 *   <li>{@value #ALLOW_UNAUTHENTICATED}={@code true}: serve on a non-loopback address without tokens
 *       or client certificates. Without it such a server refuses to start.</li>
 * </ul>
 * Tokens are kept as SHA-256 digests and compared in constant time; {@link #toString()} shows none.
 */
public record GrpcSecurity(String bind, Path tlsCert, Path tlsKey, Path clientCa, List<Token> tokens,
                           boolean allowUnauthenticated) {
    public static final String BIND = "LT_GRPC_BIND";
    public static final String TLS_CERT = "LT_GRPC_TLS_CERT";
    public static final String TLS_KEY = "LT_GRPC_TLS_KEY";
    public static final String TLS_CLIENT_CA = "LT_GRPC_TLS_CLIENT_CA";
    public static final String TOKENS = "LT_GRPC_TOKENS";
    public static final String TOKENS_FILE = "LT_GRPC_TOKENS_FILE";
    public static final String ALLOW_UNAUTHENTICATED = "LT_GRPC_ALLOW_UNAUTHENTICATED";

    /** Every interface, no TLS, no tokens: a service in a pod, before {@link #from}. */
    public static final GrpcSecurity DEFAULT = new GrpcSecurity("0.0.0.0", null, null, null, List.of(), false);
    /** Loopback only, no TLS, no tokens: {@code lt up} and the tests. */
    public static final GrpcSecurity LOOPBACK = new GrpcSecurity("127.0.0.1", null, null, null, List.of(), false);

    /**
     * The role of the token the current call came with ({@link AuthInterceptor}); absent where the
     * server takes no tokens (loopback), where every caller may do everything.
     */
    public static final io.grpc.Context.Key<Role> CALLER_ROLE = io.grpc.Context.key("lttricks-caller-role");

    /** What a token may call. */
    public enum Role {
        /** Every method. */
        ALL,
        /** Methods that change nothing: Get*, List, Watch, Results, SamplingPlan. */
        READ
    }

    /** An accepted token: its SHA-256 digest and its role. */
    public record Token(byte[] digest, Role role) {
        public static Token of(String secret, Role role) {
            return new Token(sha256(secret), role);
        }

        @Override
        public String toString() {
            return "Token[" + role + "]";
        }
    }

    public GrpcSecurity {
        bind = bind == null || bind.isBlank() ? "0.0.0.0" : bind.trim();
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException(TLS_CERT + " and " + TLS_KEY + " go together: set both or neither");
        }
        if (clientCa != null && tlsCert == null) {
            throw new IllegalArgumentException(TLS_CLIENT_CA + " needs TLS: set " + TLS_CERT + " and " + TLS_KEY + " too");
        }
    }

    public static GrpcSecurity from(Map<String, String> env) {
        List<Token> tokens = new ArrayList<>();
        String inline = env.get(TOKENS);
        if (inline != null) {
            for (String t : inline.split(",")) {
                parse(t, TOKENS, tokens);
            }
        }
        String file = env.get(TOKENS_FILE);
        if (file != null && !file.isBlank()) {
            try {
                for (String line : Files.readAllLines(Path.of(file.trim()), StandardCharsets.UTF_8)) {
                    int hash = line.indexOf('#');
                    parse(hash >= 0 ? line.substring(0, hash) : line, TOKENS_FILE + " (" + file.trim() + ")", tokens);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(TOKENS_FILE + ": cannot read " + file.trim(), e);
            }
        }
        String allow = env.getOrDefault(ALLOW_UNAUTHENTICATED, "false").trim().toLowerCase(Locale.ROOT);
        if (!allow.equals("true") && !allow.equals("false") && !allow.isEmpty()) {
            throw new IllegalArgumentException(ALLOW_UNAUTHENTICATED + " must be true or false, got '" + allow + "'");
        }
        return new GrpcSecurity(env.get(BIND), path(env, TLS_CERT), path(env, TLS_KEY), path(env, TLS_CLIENT_CA), tokens,
                allow.equals("true"));
    }

    private static void parse(String entry, String where, List<Token> into) {
        String[] parts = entry.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) {
            return;
        }
        if (parts.length > 2) {
            throw new IllegalArgumentException(where + ": a token line is 'TOKEN [read|all]'");
        }
        if (parts[0].length() < 16) {
            throw new IllegalArgumentException(where + ": a token must have at least 16 characters");
        }
        Role role = Role.ALL;
        if (parts.length == 2) {
            try {
                role = Role.valueOf(parts[1].toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": unknown role '" + parts[1] + "' (read or all)");
            }
        }
        into.add(Token.of(parts[0], role));
    }

    private static Path path(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }

    /** The same, listening on {@code address}. */
    public GrpcSecurity withBind(String address) {
        return new GrpcSecurity(address, tlsCert, tlsKey, clientCa, tokens, allowUnauthenticated);
    }

    /** The same, serving beyond loopback without authentication ({@value #ALLOW_UNAUTHENTICATED}=true). */
    public GrpcSecurity allowingUnauthenticated() {
        return new GrpcSecurity(bind, tlsCert, tlsKey, clientCa, tokens, true);
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** Whether callers must prove who they are (a token or a client certificate). */
    public boolean authenticates() {
        return !tokens.isEmpty() || clientCa != null;
    }

    /** Whether {@link #bind} is a loopback address (reachable from this machine only). */
    public boolean loopback() {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(BIND + ": unknown address '" + bind + "'", e);
        }
    }

    /**
     * Fails when the server would listen beyond this machine with nobody authenticated, unless
     * {@value #ALLOW_UNAUTHENTICATED} says so.
     */
    public void checkExposure(int port) {
        if (!loopback() && !authenticates() && !allowUnauthenticated) {
            throw new IllegalStateException("refusing to serve gRPC on " + bind + ":" + port
                    + " without authentication: set " + TOKENS + " or " + TOKENS_FILE + " (bearer tokens) or "
                    + TLS_CLIENT_CA + " (client certificates), listen on loopback only (" + BIND + "=127.0.0.1), or set "
                    + ALLOW_UNAUTHENTICATED + "=true to serve anyway (e.g. behind a network policy)");
        }
    }

    /** The role of {@code presented}, or null when no accepted token matches; constant time in the token. */
    public Role roleOf(String presented) {
        byte[] d = sha256(presented);
        Role found = null;
        for (Token t : tokens) {
            if (MessageDigest.isEqual(t.digest(), d) && found == null) {
                found = t.role();
            }
        }
        return found;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "GrpcSecurity[bind=" + bind + ", tls=" + (tls() ? tlsCert : "off") + ", clientCa=" + clientCa
                + ", tokens=" + tokens.size() + ", allowUnauthenticated=" + allowUnauthenticated + "]";
    }
}
