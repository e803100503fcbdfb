package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;

/**
 * The first SIGINT or SIGTERM asks for a stop and says so; the second runs the stop-now action.
 * Signals are raised in this JVM only while the handlers are installed, and they are put back after.
 */
class StopOnSignalTest {
    @Test
    void theFirstSignalAsksTheSecondStops() throws InterruptedException {
        for (String name : new String[] {"INT", "TERM"}) {
            List<String> said = new CopyOnWriteArrayList<>();
            List<String> stoppedNow = new CopyOnWriteArrayList<>();
            try (StopOnSignal s = StopOnSignal.install(said::add, stoppedNow::add)) {
                if (!s.handles(name)) {
                    // ignored when this JVM started (a build run in the background ignores SIGINT): raising
                    // it would do nothing, and raising one nobody handles would end the JVM
                    assertEquals("INT", name, "SIGTERM is always handled");
                    continue;
                }
                assertFalse(s.requested());
                Signal.raise(new Signal(name));
                waitFor(() -> s.requested());
                assertEquals("SIG" + name, s.received());
                assertEquals(List.of(), stoppedNow, "the first signal only asks");
                Signal.raise(new Signal(name));
                waitFor(() -> stoppedNow.size() == 1);
                assertEquals(List.of("SIG" + name), stoppedNow);
                assertEquals(name.equals("TERM") ? 143 : 130, StopOnSignal.exitCode(s.received()));
                assertTrue(said.get(0).startsWith("SIG" + name + ": stopping after this epoch"), said.toString());
                assertTrue(said.get(1).startsWith("SIG" + name + " again: stopping now"), said.toString());
            }
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
