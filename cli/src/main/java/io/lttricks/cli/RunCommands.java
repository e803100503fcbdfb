package io.lttricks.cli;

import io.lttricks.system.AllInOne;
import io.grpc.ManagedChannel;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.WatchRunRequest;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that work with the services: up, run, submit, watch, runs, results, cancel. */
final class RunCommands {
    private RunCommands() {
    }

    static RunPhase watch(ManagedChannel channel, String runId, RunDisplay display) {
        Iterator<RunEvent> events = RunServiceGrpc.newBlockingStub(channel)
                .watch(WatchRunRequest.newBuilder().setRunId(runId).build());
        RunPhase end = null;
        while (events.hasNext()) {
            RunPhase p = display.show(events.next());
            if (p != null) {
                end = p;
            }
        }
        return end;
    }

    /** How a command starts the system. */
    interface Starter {
        AllInOne start() throws java.io.IOException;
    }

    /** Starts the system; a failure because another process took the state directory meanwhile says so. */
    static AllInOne start(Path stateDir, Starter starter) throws java.io.IOException {
        try {
            return starter.start();
        } catch (RuntimeException e) {
            throw StateDirs.startFailure(stateDir, e);
        }
    }

    static int exitCode(RunPhase phase) {
        return phase == RunPhase.RUN_SUCCEEDED ? 0 : 1;
    }

    @Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Starts the whole system on this machine, in this process.",
                "That is a real Kafka broker (KRaft), an S3-compatible server over a directory, and the",
                "sampler (with the run service), augment, trainer and evaluator services, each on its own",
                "gRPC port. Data sets in --data-dir are uploaded to storage. Stop with Ctrl-C; start again",
                "over the same --state-dir and the runs are still there.",
                "Then, from another terminal: lt submit RECIPE, lt watch RUN, lt runs, lt results RUN.",
                ""
            })
    static final class Up implements Callable<Integer> {
        @Option(names = "--state-dir", paramLabel = "DIR", description = "Where Kafka and storage keep their data (default ~/.lttricks/up).")
        Path stateDir;

        @Mixin
        DataOptions data;

        @Option(names = "--augment-workers", defaultValue = "1", paramLabel = "N", description = "Augment replicas in the process (default 1).")
        int augmentWorkers;

        @Option(names = "--any-ports", description = "Pick free ports instead of 50051-50054, 9400 (metrics) and 8080 (dashboard).")
        boolean anyPorts;

        @Option(names = "--dashboard-port", paramLabel = "PORT", description = "Port of the web dashboard (default 8080;"
                + " 0 serves none). It shows the runs, their live progress, curves, per-class accuracy and comparisons.")
        Integer dashboardPort;

        @Option(names = "--dataset-dir", paramLabel = "DIR", description = "A directory of data sets clients may name"
                + " as dataset://NAME/... (repeatable; default: $LT_DATASET_DIRS). No other local path is read for a client.")
        java.util.List<Path> datasetDirs;

        @Override
        public Integer call() throws Exception {
            Path dir = stateDir != null ? stateDir : new ServerOptions().stateDir();
            StateDirs.requireFree(dir);
            String dirs = datasetDirs != null
                    ? String.join(java.io.File.pathSeparator, datasetDirs.stream().map(p -> p.toAbsolutePath().toString()).toList())
                    : System.getenv(io.lttricks.platform.Config.DATASET_DIRS);
            Map<String, String> env = new java.util.HashMap<>(data.servicesEnv());
            if (dirs != null && !dirs.isBlank()) {
                env.put(io.lttricks.platform.Config.DATASET_DIRS, dirs);
            }
            if (dashboardPort != null && (dashboardPort < 0 || dashboardPort > 65535)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--dashboard-port must be a port number (0: no dashboard), got " + dashboardPort);
            }
            AllInOne.Ports ports = anyPorts ? AllInOne.Ports.ANY : AllInOne.Ports.DEFAULT;
            if (dashboardPort != null) {
                ports = ports.withDashboard(dashboardPort == 0 ? -1 : dashboardPort);
            }
            AllInOne.Ports chosen = ports;
            try (AllInOne all = start(dir, () -> AllInOne.start(dir, data.dataDir(), chosen, augmentWorkers, env))) {
                System.out.println("lt up: the system runs in this process; state in " + dir);
                all.endpoints().forEach((k, v) -> System.out.printf("  %-10s %s%n", k, v));
                if (all.dashboardUrl() != null) {
                    System.out.println("Open the dashboard: " + all.dashboardUrl());
                }
                System.out.println("Submit with: lt submit RECIPE  (Ctrl-C stops everything)");
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    all.close();
                    stop.countDown();
                }));
                stop.await();
            }
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Runs a recipe through the services, started in this process (lt up, submit, watch, results).",
                "It starts the system, submits the recipe, shows its progress and prints the results table.",
                "Example: lt run recipes/pipeline_demo.yaml   (a first stage, CAM generation and a deferred stage,",
                "         a few minutes on a CPU)",
                ""
            })
    static final class Run implements Callable<Integer> {
        @Mixin
        RecipeOptions recipe;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (default ~/.lttricks/up).")
        Path stateDir;

        @Mixin
        DataOptions data;

        @Option(names = "--augment-workers", defaultValue = "1", paramLabel = "N",
                description = "Augment replicas in the process, sharing a CAM stage's shards (default 1).")
        int augmentWorkers;

        @Override
        public Integer call() throws Exception {
            Path dir = stateDir != null ? stateDir : new ServerOptions().stateDir();
            LocalSources.Mapped local = LocalSources.map(recipe.recipe());
            var submit = SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(local.recipe())).build();
            ConsoleReporter console = ConsoleReporter.forStdout();
            StateDirs.requireFree(dir);
            Map<String, String> env = new java.util.HashMap<>(local.env());
            env.putAll(data.servicesEnv());
            try (AllInOne all = start(dir, () -> AllInOne.start(dir, data.dataDir(), AllInOne.Ports.ANY, augmentWorkers,
                    env))) {
                ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(all.samplerTarget()).usePlaintext().build();
                try {
                    RunStatus run = RunServiceGrpc.newBlockingStub(channel).submit(submit);
                    console.note("run " + run.getRunId() + " submitted; state in " + dir + "; dashboard on "
                            + all.dashboardUrl() + "; metrics on " + all.metricsUrl());
                    RunDisplay display = new RunDisplay(console, System.out);
                    RunPhase end = watch(channel, run.getRunId(), display);
                    System.out.println();
                    display.results(RunServiceGrpc.newBlockingStub(channel)
                            .results(GetRunRequest.newBuilder().setRunId(run.getRunId()).build()));
                    return exitCode(end);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Submits a recipe to the run service and prints the run id (the options are those of lt train).")
    static final class Submit implements Callable<Integer> {
        @Mixin
        RecipeOptions recipe;

        @Mixin
        ServerOptions server;

        @Option(names = "--request-id", paramLabel = "ID", description = "Idempotency key: submitting again returns the same run.")
        String requestId;

        @Option(names = "--watch", description = "Then watch it (as lt watch).")
        boolean watch;

        @Option(names = "--dry-run", description = {"Check and resolve on the server only: prints the stages the run"
            + " would have and what would stop it (a data set or checkpoint not in storage); records and starts nothing."})
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            SubmitRunRequest.Builder req = SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(recipe.recipe()))
                    .setDryRun(dryRun);
            if (requestId != null) {
                req.setRequestId(requestId);
            }
            return server.with(channel -> {
                RunStatus run = RunServiceGrpc.newBlockingStub(channel).submit(req.build());
                if (dryRun) {
                    System.out.println(run.getMessage());
                    for (var stage : run.getStagesList()) {
                        System.out.printf("  %-16s %-10s %d epochs%n", stage.getName(), stage.getType(), stage.getTotal());
                    }
                    return run.getMessage().contains("it would stop at") ? 1 : 0;
                }
                System.out.println(run.getRunId());
                return watch ? exitCode(RunCommands.watch(channel, run.getRunId(),
                        new RunDisplay(ConsoleReporter.forStdout(), System.out))) : 0;
            });
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Streams a run's progress from its start until it ends (exit 0 when it succeeded).")
    static final class Watch implements Callable<Integer> {
        @Parameters(paramLabel = "RUN")
        String runId;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() throws Exception {
            return server.with(channel -> exitCode(RunCommands.watch(channel, runId,
                    new RunDisplay(ConsoleReporter.forStdout(), System.out))));
        }
    }

    @Command(name = "runs", mixinStandardHelpOptions = true, description = "Lists the runs, newest first.")
    static final class Runs implements Callable<Integer> {
        @Mixin
        ServerOptions server;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N")
        int limit;

        @Override
        public Integer call() throws Exception {
            return server.with(channel -> {
                new RunDisplay(ConsoleReporter.forStdout(), System.out).runs(RunServiceGrpc.newBlockingStub(channel)
                        .list(ListRunsRequest.newBuilder().setLimit(limit).build()).getRunsList());
                return 0;
            });
        }
    }

    @Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "The metrics of every evaluated stage of a run and where its reports and plots are in storage.",
                "",
                "  lt results RUN                      the table, and the s3:// addresses of each stage's files",
                "  lt results RUN --open results/RUN   also copies the files here and prints their paths",
                "",
                "--open fetches each stage's report.txt and report.json, the PNG plots (per-class accuracy,",
                "confusion matrix, training curves) and history.jsonl through the run service, so it works",
                "wherever lt submit does (no access to storage needed). They land as DIR/NN-STAGE/report/...",
                "and DIR/NN-STAGE/history.jsonl. A file already in DIR with other contents is kept (exit 1,",
                "naming it) unless --force; the same contents are left as they are. --checkpoints adds each",
                "training stage's final checkpoint (DIR/NN-STAGE/final.ckpt, for lt predict or init: of a",
                "recipe; the server gives it to a token of role 'all' only).",
                ""
            })
    static final class Results implements Callable<Integer> {
        @Parameters(paramLabel = "RUN", description = "The run's id, as lt submit printed it (lt runs lists them).")
        String runId;

        @Option(names = "--open", paramLabel = "DIR",
                description = "Copy the run's result files into DIR (made if missing) and print their local paths.")
        Path open;

        @Option(names = "--force", description = "With --open: overwrite files in DIR whose contents differ.")
        boolean force;

        @Option(names = "--checkpoints", description = "With --open: also copy each training stage's final checkpoint.")
        boolean checkpoints;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() throws Exception {
            if ((force || checkpoints) && open == null) {
                throw new IllegalArgumentException((force ? "--force" : "--checkpoints") + " goes with --open DIR");
            }
            return server.with(channel -> {
                RunServiceGrpc.RunServiceBlockingStub runs = RunServiceGrpc.newBlockingStub(channel);
                RunResults results = runs.results(GetRunRequest.newBuilder().setRunId(runId).build());
                new RunDisplay(ConsoleReporter.forStdout(), System.out).results(results);
                if (open != null) {
                    new ResultFiles(open, force, checkpoints, System.out).copy(results, ResultFiles.from(runs, runId));
                }
                return 0;
            });
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancels a run: the current stage stops at its next step, no further stage starts.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(paramLabel = "RUN")
        String runId;

        @Mixin
        ServerOptions server;

        @Override
        public Integer call() throws Exception {
            return server.with(channel -> {
                RunStatus r = RunServiceGrpc.newBlockingStub(channel).cancel(GetRunRequest.newBuilder().setRunId(runId).build());
                System.out.println(r.getRunId() + ": " + r.getMessage());
                return 0;
            });
        }
    }
}
