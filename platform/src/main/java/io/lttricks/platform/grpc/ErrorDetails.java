package io.lttricks.platform.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine-readable half of every refusal, added in one place to whatever status a service or
 * an interceptor closes a call with: the {@code google.rpc.Status} details a client library reads
 * ({@code grpc-status-details-bin}): an {@link ErrorInfo} with a stable {@link #reason} in the
 * domain {@value #DOMAIN}, and for INVALID_ARGUMENT whose message names a request field
 * ("stages[0] (warmup).lr: must lie in (0, 10], got 20") a {@link BadRequest} field violation with
 * that field's path ({@code stages[0].lr}) and the message. The status's code and description
 * stay as they were, so clients that read only those see no change.
 */
public final class ErrorDetails implements ServerInterceptor {
    public static final String DOMAIN = "lttricks.io";
    private static final Metadata.Key<byte[]> DETAILS = Metadata.Key.of("grpc-status-details-bin",
            Metadata.BINARY_BYTE_MARSHALLER);
    /**
     * A field path at the start of a message, then ": ": names with indices, a stage's name in
     * parentheses after its index ({@code stages[0] (warmup).lr}), dots between.
     */
    private static final Pattern FIELD = Pattern.compile(
            "^([a-z][a-z0-9_]*(?:\\[\\d+\\])?(?: \\([^)]{0,80}\\))?(?:\\.[a-z][a-z0-9_]*(?:\\[\\d+\\])?)*): ");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (!status.isOk() && !trailers.containsKey(DETAILS)) {
                    trailers.merge(trailers(status));
                }
                super.close(status, trailers);
            }
        }, headers);
    }

    /** The trailers that carry {@link #of}. */
    static Metadata trailers(Status status) {
        Metadata m = StatusProto.toStatusRuntimeException(of(status)).getTrailers();
        return m != null ? m : new Metadata();
    }

    /** The rich status of a failure: its code and message, with the details above. */
    public static com.google.rpc.Status of(Status status) {
        String message = status.getDescription() != null ? status.getDescription() : "";
        com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder().setCode(status.getCode().value())
                .setMessage(message);
        b.addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason(status.getCode())).setDomain(DOMAIN)
                .putMetadata("code", status.getCode().name()).build()));
        String field = status.getCode() == Status.Code.INVALID_ARGUMENT ? field(message) : null;
        if (field != null) {
            b.addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(field).setDescription(message)).build()));
        }
        return b.build();
    }

    /**
     * A stable, upper-case reason per kind of refusal, for programs to branch on: INVALID_REQUEST,
     * NOT_FOUND, MISSING_INPUT, BACKEND_UNAVAILABLE, UNAUTHENTICATED (token missing or wrong),
     * PERMISSION_DENIED (a read-only token), LIMIT_EXCEEDED, INTERNAL, else the code's name.
     */
    static String reason(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> "INVALID_REQUEST";
            case FAILED_PRECONDITION -> "MISSING_INPUT";
            case UNAVAILABLE, DEADLINE_EXCEEDED -> "BACKEND_UNAVAILABLE";
            case RESOURCE_EXHAUSTED -> "LIMIT_EXCEEDED";
            default -> code.name().toUpperCase(Locale.ROOT);
        };
    }

    /** The request field a message starts with, as a path without stage names; null when it names none. */
    static String field(String message) {
        Matcher m = FIELD.matcher(message);
        return m.find() ? m.group(1).replaceAll(" \\([^)]*\\)", "") : null;
    }
}
