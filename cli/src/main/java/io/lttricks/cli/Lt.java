package io.lttricks.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lt} command. */
@Command(
        name = "lt",
        mixinStandardHelpOptions = true,
        versionProvider = Lt.Version.class,
        description = {
            "Long-tailed image classification with the tricks of Zhang et al., \"Bag of Tricks for",
            "Long-Tailed Visual Recognition with Deep Convolutional Neural Networks\" (AAAI 2021).",
            "",
            "Start with:  lt train recipes/baseline.yaml --profile quick",
            "Look:        lt dashboard (lt train's runs in a browser), lt compare runs/A runs/B (in the terminal).",
            "Services:    lt run RECIPE (all in one process), or lt up, then lt submit / watch / runs / results;",
            "             lt up serves their dashboard at http://127.0.0.1:8080/.",
            "Data: CIFAR is looked up in --data-dir (or $LT_DATA_DIR, default ~/.lttricks/data) and",
            "downloaded there when missing and the network is reachable."
        },
        subcommands = {TrainCommand.class, EvalCommand.class, DatasetCommand.class, CamCommand.class,
            ReproduceCommand.class, PredictCommand.class, CompareCommand.class, ExportCommand.class, DashboardCommand.class,
            RunCommands.Up.class, RunCommands.Run.class, RunCommands.Submit.class, RunCommands.Watch.class,
            RunCommands.Runs.class, RunCommands.Results.class, RunCommands.Cancel.class,
            CommandLine.HelpCommand.class})
public final class Lt {

    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            // The PyTorch natives ship in the pytorch-native-cpu jar: never reach for the network.
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new Lt());
        cli.setUsageHelpWidth(110);
        cli.setExecutionExceptionHandler(ErrorReport::handle);
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Lt.class.getPackage().getImplementationVersion();
            return new String[] {"lt " + (v == null ? "development build" : v)};
        }
    }
}
