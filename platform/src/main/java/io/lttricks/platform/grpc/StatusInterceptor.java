package io.lttricks.platform.grpc;

import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.TransientFailure;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.recipe.RecipeException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns exceptions that escape a service method into status codes a caller can act on:
 * INVALID_ARGUMENT (a bad recipe or request), NOT_FOUND (an unknown object), FAILED_PRECONDITION
 * (missing inputs), UNAVAILABLE (storage or Kafka unreachable), INTERNAL otherwise. No exception
 * takes the server down.
 */
final class StatusInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(StatusInterceptor.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    Status s = toStatus(e);
                    if (s.getCode() == Status.Code.INTERNAL) {
                        LOG.error("{} failed", call.getMethodDescriptor().getFullMethodName(), e);
                    }
                    call.close(s, new Metadata());
                }
            }
        };
    }

    static Status toStatus(Throwable e) {
        if (e instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        Throwable cause = e.getCause() != null && e instanceof java.io.UncheckedIOException ? e.getCause() : e;
        if (cause instanceof RecipeException || cause instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(cause.getMessage());
        }
        if (cause instanceof ObjectStore.NoSuchObjectException) {
            return Status.NOT_FOUND.withDescription(cause.getMessage());
        }
        if (cause instanceof IOException || TransientFailure.in(cause) || kafkaUnavailable(cause)) {
            return Status.UNAVAILABLE.withDescription(cause.getMessage());
        }
        // The exception's text may hold server paths or data: the client gets its kind, the log the rest.
        return Status.INTERNAL.withDescription("internal error (" + cause.getClass().getSimpleName()
                + "); the server's log has the details");
    }

    /**
     * Whether a Kafka client failed because the broker could not be reached or timed out (Kafka's
     * retriable errors: a timeout, a disconnection, no leader), anywhere in the chain of causes: what
     * a client seeing a Kafka client used directly (run state, event tails) gets instead of INTERNAL.
     */
    static boolean kafkaUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
        }
        return false;
    }
}
