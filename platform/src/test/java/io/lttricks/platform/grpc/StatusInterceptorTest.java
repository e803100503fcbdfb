package io.lttricks.platform.grpc;

import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.store.ObjectStore;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.lttricks.core.recipe.RecipeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** Exceptions out of a service method become the status codes the services document. */
class StatusInterceptorTest {
    static Status.Code code(Throwable e) {
        return StatusInterceptor.toStatus(e).getCode();
    }

    @Test
    void eachKindOfFailureHasItsCode() {
        assertEquals(Status.Code.INVALID_ARGUMENT, code(new RecipeException("stages[0].loss: unknown")));
        assertEquals(Status.Code.NOT_FOUND, code(new UncheckedIOException(new ObjectStore.NoSuchObjectException("b", "k"))));
        assertEquals(Status.Code.UNAVAILABLE, code(new UncheckedIOException(
                new ObjectStore.UnavailableException("storage down", null))));
        assertEquals(Status.Code.UNAVAILABLE, code(new UncheckedIOException(new IOException("storage says no"))));
        assertEquals(Status.Code.UNAVAILABLE, code(new EventBus.UnavailableException("publishing timed out", null)),
                "Kafka unreachable is UNAVAILABLE too");
        assertEquals(Status.Code.UNAVAILABLE, code(new org.apache.kafka.common.errors.TimeoutException(
                "Timeout expired while fetching topic metadata")), "a Kafka client used directly (run state, event tails)");
        assertEquals(Status.Code.UNAVAILABLE, code(new IllegalStateException("cannot watch",
                new org.apache.kafka.common.errors.DisconnectException("broker gone"))));
        assertEquals(Status.Code.INTERNAL, code(new IllegalStateException("a bug")));
    }

    /** An unexpected exception's text may name server paths or hold data: the client gets its kind only. */
    @Test
    void anUnexpectedExceptionTellsTheClientItsKindAndNotItsText() {
        Status s = StatusInterceptor.toStatus(new IllegalStateException("cannot read /srv/lttricks/work/runs/x: root:x:0:0"));
        assertEquals(Status.Code.INTERNAL, s.getCode());
        assertEquals("internal error (IllegalStateException); the server's log has the details", s.getDescription());
    }
}
