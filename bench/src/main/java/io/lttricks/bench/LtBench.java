package io.lttricks.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmarks' command, {@code bench/lt-bench}: measurements behind docs/PERFORMANCE.md, kept
 * out of {@code lt}. The scripts in bench/ call it; it can also be run by hand.
 */
@Command(
        name = "lt-bench",
        mixinStandardHelpOptions = true,
        versionProvider = LtBench.Version.class,
        description = {
            "Benchmarks of lttricks (docs/PERFORMANCE.md); the scripts in bench/ run these and compare.",
            "Data: CIFAR-10 in --data-dir (or $LT_DATA_DIR, default ~/.lttricks/data)."
        },
        subcommands = {ShardStreamingBench.class, S3ServerBench.class, TrainThroughputBench.class, AugmentScalingBench.class, InputPipelineBench.class, TwinStepBench.class,
            CommandLine.HelpCommand.class})
public final class LtBench {

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            // The PyTorch natives ship in the pytorch-native-cpu jar: never reach for the network.
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new LtBench());
        cli.setUsageHelpWidth(110);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
            if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof IllegalStateException) {
                commandLine.getErr().println("lt-bench: " + t.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** Deletes a directory and everything under it. */
    static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LtBench.class.getPackage().getImplementationVersion();
            return new String[] {"lt-bench " + (v == null ? "development build" : v)};
        }
    }
}
