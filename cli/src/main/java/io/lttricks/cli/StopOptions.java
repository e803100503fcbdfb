package io.lttricks.cli;

import picocli.CommandLine.Option;

/** When a local training stops early, as after Ctrl-C: on a signal, or (tests) after N epochs. */
final class StopOptions {
    @Option(names = "--stop-after-epochs", hidden = true, paramLabel = "N",
            description = "Stop as Ctrl-C does once N epochs are trained (tests).")
    int stopAfterEpochs;

    /** Makes {@code reporter} ask the trainer to stop once {@code signals} (may be null) got one, or after N epochs. */
    void apply(ConsoleReporter reporter, StopOnSignal signals) {
        reporter.stopWhen(() -> signals != null && signals.requested()
                || stopAfterEpochs > 0 && reporter.epochsDone() >= stopAfterEpochs);
    }
}
