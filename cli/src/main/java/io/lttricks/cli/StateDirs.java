package io.lttricks.cli;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Whether a state directory of {@code lt up} / {@code lt run} is in use: its Kafka broker holds a
 * lock on {@code kafka/.lock} while it runs. Asked before starting anything, so that a second
 * {@code lt up} on the same directory says so in one line instead of failing inside the broker.
 */
final class StateDirs {
    private StateDirs() {
    }

    /** Fails with what to do when another process (or this one) runs a system on {@code stateDir}. */
    static void requireFree(Path stateDir) throws IOException {
        if (inUse(stateDir)) {
            throw busy(stateDir);
        }
    }

    static IllegalStateException busy(Path stateDir) {
        return new IllegalStateException("the state directory " + stateDir + " is in use by another 'lt up' or 'lt run'"
                + " (its Kafka broker holds " + stateDir.resolve("kafka").resolve(io.lttricks.embedded.EmbeddedKafka.LOCK_FILE)
                + "): stop that one, or"
                + " give this one another --state-dir");
    }

    static boolean inUse(Path stateDir) throws IOException {
        return io.lttricks.embedded.EmbeddedKafka.inUse(stateDir.resolve("kafka"));
    }

    /** A failure to start the system, with a lock taken meanwhile said as {@link #busy}. */
    static RuntimeException startFailure(Path stateDir, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Failed to acquire lock")) {
                return busy(stateDir);
            }
        }
        return e;
    }
}
