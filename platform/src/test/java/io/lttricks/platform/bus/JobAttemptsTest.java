package io.lttricks.platform.bus;

import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.store.S3ObjectStore;
import io.lttricks.platform.TransientFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A job that asks for a retry is tried again after growing pauses, a bounded number of times, then given up with its reason. */
class JobAttemptsTest {
    static final JobAttempts.RetryPolicy POLICY = new JobAttempts.RetryPolicy(4, Duration.ofSeconds(2), Duration.ofSeconds(5));

    final List<Duration> pauses = new ArrayList<>();
    final List<String> gaveUp = new ArrayList<>();
    final AtomicInteger calls = new AtomicInteger();

    JobAttempts<String> attempts(JobWorker.Handler<String> handler) {
        return new JobAttempts<>(handler, (key, job, last) -> gaveUp.add(last.getMessage()), POLICY, pauses::add);
    }

    static JobWorker.Retry unreachable() {
        return new JobWorker.Retry("object storage: connection refused", new ConnectException("connection refused"));
    }

    @Test
    void aJobThatSucceedsRunsOnce() throws Exception {
        assertEquals(JobAttempts.Outcome.DONE, attempts((k, j) -> calls.incrementAndGet()).run("k", "job").outcome());
        assertEquals(1, calls.get());
        assertEquals(List.of(), pauses);
    }

    @Test
    void aTransientFailureIsTriedAgainAfterAPause() throws Exception {
        JobAttempts.Outcome outcome = attempts((k, j) -> {
            if (calls.incrementAndGet() < 3) {
                throw unreachable();
            }
        }).run("k", "job").outcome();
        assertEquals(JobAttempts.Outcome.DONE, outcome);
        assertEquals(3, calls.get());
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4)), pauses, "pauses double");
        assertEquals(List.of(), gaveUp);
    }

    @Test
    void aFailureThatLastsIsGivenUpWithItsReason() throws Exception {
        JobAttempts.Outcome outcome = attempts((k, j) -> {
            calls.incrementAndGet();
            throw unreachable();
        }).run("k", "job").outcome();
        assertEquals(JobAttempts.Outcome.GAVE_UP, outcome);
        assertEquals(4, calls.get(), "the policy's number of attempts");
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5)), pauses,
                "pauses capped at the maximum");
        assertEquals(List.of("failed 4 times, the last: object storage: connection refused"), gaveUp);
    }

    @Test
    void aJobGivenUpEndsWithTheReasonItWasReportedWith() throws Exception {
        JobAttempts.Ended ended = attempts((k, j) -> {
            throw unreachable();
        }).run("k", "job");
        assertEquals(new JobAttempts.Ended(JobAttempts.Outcome.GAVE_UP,
                "failed 4 times, the last: object storage: connection refused"), ended);
    }

    @Test
    void aFailureThatCannotBeReportedIsSaidSo() throws Exception {
        JobAttempts<String> a = new JobAttempts<>((k, j) -> {
            throw unreachable();
        }, (key, job, last) -> {
            throw new IllegalStateException("broker gone too");
        }, POLICY, pauses::add);
        assertEquals(JobAttempts.Outcome.UNREPORTED, a.run("k", "job").outcome());
    }

    @Test
    void otherFailuresAreNotTriedAgain() throws Exception {
        JobAttempts.Ended ended = attempts((k, j) -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("bad recipe");
        }).run("k", "job");
        assertEquals(new JobAttempts.Ended(JobAttempts.Outcome.FAILED, "java.lang.IllegalArgumentException: bad recipe"),
                ended, "the reason goes with the job to the dead-letter topic");
        assertEquals(1, calls.get());
        assertEquals(List.of(), gaveUp);
    }

    @Test
    void aJobStoppedForAShutdownIsNeitherTriedAgainNorGivenUp() throws Exception {
        JobAttempts.Ended ended = attempts((k, j) -> {
            calls.incrementAndGet();
            throw new JobWorker.Stopped("stage main stopped on request after epoch 4");
        }).run("k", "job");
        assertEquals(new JobAttempts.Ended(JobAttempts.Outcome.STOPPED, "stage main stopped on request after epoch 4"), ended,
                "the worker leaves it uncommitted for another replica");
        assertEquals(1, calls.get());
        assertEquals(List.of(), gaveUp);
        assertEquals(List.of(), pauses);
    }

    @Test
    void anInterruptionEndsTheAttempts() {
        JobAttempts<String> a = new JobAttempts<>((k, j) -> {
            throw unreachable();
        }, (key, job, last) -> gaveUp.add("x"), POLICY, d -> {
            throw new InterruptedException();
        });
        assertThrows(InterruptedException.class, () -> a.run("k", "job").outcome());
        assertEquals(List.of(), gaveUp);
    }

    @Test
    void onlyTransientFailuresAskForARetry() {
        assertThrows(JobWorker.Retry.class, () -> JobWorker.Retry.throwIfTransient(
                new IOException("wrapped", new ObjectStore.UnavailableException("storage down", new ConnectException()))));
        assertThrows(JobWorker.Retry.class, () -> JobWorker.Retry.throwIfTransient(
                new EventBus.UnavailableException("publishing timed out", null)));
        try {
            JobWorker.Retry.throwIfTransient(new ObjectStore.NoSuchObjectException("b", "k"));
            JobWorker.Retry.throwIfTransient(new IOException("access denied"));
            JobWorker.Retry.throwIfTransient(new IllegalStateException("cannot publish: record too large"));
        } catch (JobWorker.Retry r) {
            throw new AssertionError("a lasting failure asked for a retry", r);
        }
        assertTrue(TransientFailure.in(new RuntimeException(new java.io.UncheckedIOException(
                new ObjectStore.UnavailableException("x", null)))));
    }

    @Test
    void s3ClientFailuresAreTransientWhenTheServerCannotBeReached() {
        assertTrue(S3ObjectStore.isTransient(new ConnectException("refused")));
        assertTrue(S3ObjectStore.isTransient(new java.net.SocketTimeoutException("read timed out")));
        assertEquals(false, S3ObjectStore.isTransient(new java.nio.file.NoSuchFileException("/tmp/x")));
        assertEquals(false, S3ObjectStore.isTransient(new IllegalArgumentException("bad")));
        // What the storage client throws when an upload finds the server gone (seen in ServicesFaultTest).
        assertTrue(S3ObjectStore.isTransient(new IllegalStateException(new ConnectException("Connection refused"))));
        assertEquals(false, S3ObjectStore.isTransient(new IllegalStateException(
                new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("/tmp/x")))), "a local file's error is final");
    }
}
