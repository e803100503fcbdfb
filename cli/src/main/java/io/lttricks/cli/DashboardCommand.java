package io.lttricks.cli;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.lttricks.dashboard.DashboardServer;
import io.lttricks.platform.grpc.GrpcSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dashboard", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Shows the run directories of lt train in a browser, with curves and comparisons.",
            "Each run's curves, per-class accuracy, confusion matrix and files; runs that train now move",
            "epoch by epoch; two or more runs compare side by side.",
            "It is the dashboard lt up serves for the services' runs (docs/DASHBOARD.md), on the run directories",
            "under DIR instead: each directory with a recipe.json (lt train and lt reproduce write them).",
            "It listens on 127.0.0.1 only and reads nothing but those directories.",
            "Example: lt dashboard runs   then open http://127.0.0.1:8081/",
            ""
        })
final class DashboardCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 8081;

    @Parameters(arity = "0..*", paramLabel = "DIR", description = "Run directories, or directories of them"
            + " (default: runs, where lt train writes).")
    List<Path> dirs;

    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, paramLabel = "PORT",
            description = "Port to serve on (default 8081, beside lt up's 8080; 0 picks a free one).")
    int port;

    @Override
    public Integer call() throws Exception {
        List<Path> roots = dirs == null || dirs.isEmpty() ? List.of(Path.of("runs")) : dirs;
        for (Path d : roots) {
            if (!Files.isDirectory(d)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), d
                        + ": no such directory (name the directory of your runs: lt train writes runs/NAME, --out DIR)");
            }
        }
        LocalRuns runs = new LocalRuns(roots);
        String name = "lt-dashboard-" + java.util.UUID.randomUUID();
        Server server = InProcessServerBuilder.forName(name).addService(runs).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        try (DashboardServer dashboard = DashboardServer.start(GrpcSecurity.LOOPBACK, port, channel)) {
            int found = runs.runs().size();
            System.out.println("lt dashboard: " + found + " run" + (found == 1 ? "" : "s") + " in " + roots
                    + (found == 0 ? " (none yet: they appear as lt train starts them)" : ""));
            System.out.println("Open the dashboard: " + dashboard.url() + "  (Ctrl-C stops it)");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
        return 0;
    }
}
