package io.lttricks.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) or SIGTERM during local training asks for a stop after the current epoch: that
 * epoch's checkpoint is stored and the same command with {@code --resume} (lt reproduce: the same
 * command) continues exactly, where a plain kill lost every epoch since the last periodic
 * checkpoint (up to four of a 200-epoch run). A second signal stops at once. A signal the process
 * was started ignoring (SIGINT of a background job) stays ignored. {@link #close} puts the
 * handlers back.
 */
final class StopOnSignal implements AutoCloseable {
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile String received;

    private StopOnSignal() {
    }

    /**
     * @param say         where to say what happens (the console)
     * @param secondStops what a second signal does, given its name (SIGINT, SIGTERM): exit; tests count instead
     */
    static StopOnSignal install(Consumer<String> say, Consumer<String> secondStops) {
        StopOnSignal s = new StopOnSignal();
        SignalHandler handler = sig -> {
            if (s.received != null) {
                say.accept("SIG" + sig.getName() + " again: stopping now; the last stored checkpoint resumes the run");
                secondStops.accept("SIG" + sig.getName());
                return;
            }
            s.received = "SIG" + sig.getName();
            say.accept("SIG" + sig.getName() + ": stopping after this epoch, once its checkpoint is stored"
                    + " (send it again to stop at once)");
        };
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal signal = new Signal(name);
                SignalHandler old = Signal.handle(signal, handler);
                if (old == SignalHandler.SIG_IGN) {
                    Signal.handle(signal, old);   // ignored when we started (a background job): keep it so
                } else {
                    s.signals.add(signal);
                    s.previous.add(old);
                }
            } catch (IllegalArgumentException e) {
                // not a signal this platform lets a program handle: the default stays
            }
        }
        return s;
    }

    /** Whether this object handles the signal (INT or TERM): not when it was ignored at start or may not be handled. */
    boolean handles(String name) {
        return signals.stream().anyMatch(sig -> sig.getName().equals(name));
    }

    /** Exits as a shell reports a process ended by the signal: 130 for SIGINT, 143 for SIGTERM. */
    static void exit(String signal) {
        System.exit(exitCode(signal));
    }

    /** The exit code for a stop asked by {@code signal} (130 when none, as for Ctrl-C). */
    static int exitCode(String signal) {
        return "SIGTERM".equals(signal) ? 143 : 130;
    }

    /** Whether a stop was asked for. */
    boolean requested() {
        return received != null;
    }

    /** The signal that asked, e.g. SIGINT; null when none did. */
    String received() {
        return received;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
        signals.clear();
        previous.clear();
    }
}
