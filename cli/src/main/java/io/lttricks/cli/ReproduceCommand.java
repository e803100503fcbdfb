package io.lttricks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LongTailProfile;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.reproduce.LocalRunner;
import io.lttricks.core.reproduce.PaperTables;
import io.lttricks.core.reproduce.Reproduction;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.train.StageStopped;
import io.lttricks.core.sampling.SamplerKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageResult;
import io.lttricks.proto.v1.SubmitRunRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reproduce", sortOptions = false, mixinStandardHelpOptions = true,
        description = {
            "Reproduces a table of the paper (2-11), beside the paper's figures.",
            "It runs each row's recipe (recipes/tables/paper.yaml says which, and the paper's figures),",
            "once per seed, and writes the table beside the paper's into --out:",
            "table-T.md, table-T.json and a bar chart table-T.png, with the final model's top-1 error (the",
            "headline) and the best test epoch's (as the official code keeps it; selected on test data).",
            "",
            "Finished runs are kept and read back, interrupted ones resumed: run the same command again",
            "after a stop. Ctrl-C (or SIGTERM) stops after the current epoch with its checkpoint stored;",
            "twice stops at once. Rows sharing a recipe share its runs (baseline appears in tables 2, 3, 11).",
            "Rows whose data set is not here (CIFAR-100, ImageNet-LT, iNaturalist), or with --server that",
            "the services refuse as missing, are skipped, saying so. A row whose run fails is marked failed",
            "with the reason and the other rows go on; the command then exits 1.",
            "",
            "  lt reproduce --list                          every table, row, and what it costs here",
            "  lt reproduce 11 --profile quick              the bag of tricks, CPU-sized (4 rows)",
            "  lt reproduce 7 --rows cam_balance,drs_class_balanced --seeds 0,1,2",
            "  lt reproduce 2 --server host:50051           through the services",
            ""
        })
final class ReproduceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TABLE", arity = "0..1", description = "Table id: 2 to 11 (see --list).")
    String table;

    @Option(names = "--list", description = "List the tables and rows with their cost on this machine, and stop.")
    boolean list;

    @Option(names = "--dry-run", description = "Show what the command would do and stop: each row's run (its"
            + " directory and how far it has come), the stages as the profile fills them in, and the stage the"
            + " table reports. Nothing is trained.")
    boolean dryRun;

    @Option(names = "--rows", split = ",", paramLabel = "ID", description = "Only these rows (default: all).")
    List<String> rows;

    @Option(names = "--dataset", defaultValue = "cifar10", paramLabel = "NAME",
            description = "cifar10 or cifar100 (the paper's columns). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--imbalance", defaultValue = "100", paramLabel = "IF", description = "100 or 50. Default: ${DEFAULT-VALUE}.")
    double imbalance;

    @Option(names = "--profile", defaultValue = "paper", paramLabel = "paper|quick",
            description = "paper: the official schedules (CIFAR: 200 epochs, 400 with mixup); quick: 15%% of them."
                    + " Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--seeds", split = ",", defaultValue = "0", paramLabel = "S", description = "Seeds (default 0).")
    List<Long> seeds;

    @Option(names = "--out", defaultValue = "runs/reproduce", paramLabel = "DIR",
            description = "Tables here, runs under DIR/runs. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--tables", paramLabel = "FILE",
            description = "Table definitions (default: recipes/tables/paper.yaml of this lttricks). A table of your own"
                    + " has the same shape.")
    Path tablesFile;

    @Option(names = "--eval-every", defaultValue = "1", paramLabel = "N",
            description = "Evaluate on the test set every N epochs after each stage's first decay (a first stage of"
                    + " DRS/DRW: at its end; a deferred stage: from its start), for the best test epoch (0: off; ~7 s"
                    + " per CIFAR evaluation on 2 cores)."
                    + " Default: ${DEFAULT-VALUE}.")
    int evalEvery;

    @Option(names = "--rate", paramLabel = "IMG/S",
            description = "Training images per second for --list's estimates (default: measured from the runs in"
                    + " --out, else 500, about what 2 CPU cores train).")
    Double rate;

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "Run on the services (the run service at HOST:PORT) instead of in this process.")
    String server;

    @Option(names = "--loader-threads", paramLabel = "N", description = "Threads preparing batches (local runs).")
    int loaderThreads;

    @Option(names = "--max-batches", hidden = true, paramLabel = "N", description = "Cap steps per epoch (smoke tests).")
    int maxBatches;

    @Mixin
    StopOptions stop;

    @Option(names = "--epochs", hidden = true, paramLabel = "N", description = "Every training stage this long (smoke tests).")
    Integer epochs;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        PaperTables tables = PaperTables.read(tablesFile != null ? tablesFile : defaultTables());
        if (list) {
            list(tables);
            return 0;
        }
        if (table == null) {
            throw new IllegalArgumentException("name a table (2 to 11), or use --list");
        }
        if (!profile.equals("paper") && !profile.equals("quick")) {
            throw new IllegalArgumentException("--profile: use paper or quick, got " + profile);
        }
        PaperTables.Table t = tables.table(table);
        List<PaperTables.Row> selected = rows == null ? t.rows() : rows.stream().map(t::row).toList();
        Reproduction reproduction = new Reproduction(epochs == null ? tables : withEpochs(tables, epochs), dataset,
                imbalance, profile, evalEvery);
        ConsoleReporter reporter = ConsoleReporter.forStdout();
        Datasets datasets = new Datasets(data.dataDir(), !data.offline, reporter);
        DatasetSpec rowsData = reproduction.recipe(selected.get(0), seeds.get(0)).dataset();
        String unavailable = server != null ? null : datasets.unavailable(rowsData);
        if (dryRun) {
            dryRun(t, selected, reproduction, server != null ? null : datasets.whereFrom(rowsData));
            return 0;
        }
        Reproduction.Runner runner = server != null ? new ServerRunner(server)
                : new LocalRunner(out.resolve("runs"), reporter, reporter,
                        new TrainingRun.Options(data.dataDir(), !data.offline, loaderThreads, 256, maxBatches));
        List<Reproduction.RowResult> results = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (StopOnSignal signals = server != null ? null : StopOnSignal.install(reporter::note, StopOnSignal::exit)) {
            stop.apply(reporter, signals);
            Integer stopped = runRows(t, selected, reproduction, runner, unavailable, results, failed, reporter, signals);
            if (stopped != null) {
                return stopped;
            }
        }
        Reproduction.TableResult result = reproduction.table(t, merge(t, results));
        Path md = Reproduction.write(result, out);
        System.out.println();
        System.out.print(Reproduction.markdown(result));
        System.out.println();
        System.out.println("Table: " + md + " (and .json, .png)");
        if (!failed.isEmpty()) {
            System.err.println("lt reproduce: " + failed.size() + " row(s) failed (" + String.join(", ", failed)
                    + "); the table says why. Run the same command again to retry them: finished runs are kept.");
            return 1;
        }
        return 0;
    }

    /**
     * Runs the rows, writing the table after each. Returns the exit code when a signal stopped the
     * training (the table so far is written), else null.
     */
    private Integer runRows(PaperTables.Table t, List<PaperTables.Row> selected, Reproduction reproduction,
                            Reproduction.Runner runner, String unavailable, List<Reproduction.RowResult> results,
                            List<String> failed, ConsoleReporter reporter, StopOnSignal signals) throws IOException {
        for (PaperTables.Row row : selected) {
            reporter.note("table " + t.id() + ", row " + row.id() + " (" + row.label() + ")"
                    + (unavailable != null ? ": skipped, " + unavailable : ""));
            Integer stopped = null;
            try {
                results.add(reproduction.run(t.id(), row, seeds, runner, unavailable));
            } catch (StageStopped e) {
                System.err.println("lt: row " + row.id() + ": " + e.getMessage() + ". Run the same command again to"
                        + " continue: finished runs are kept, this one resumes.");
                stopped = StopOnSignal.exitCode(signals == null ? null : signals.received());
            } catch (IOException | RuntimeException e) {
                // One row's failure (a damaged checkpoint, a run the services failed) does not cost the others.
                String reason = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
                if (e instanceof RuntimeException) {
                    e.printStackTrace();
                }
                reporter.note("table " + t.id() + ", row " + row.id() + " failed: " + reason + "; going on with the"
                        + " other rows");
                results.add(reproduction.failed(t.id(), row, seeds, reason));
                failed.add(row.id());
            }
            Reproduction.write(reproduction.table(t, merge(t, results)), out);
            if (stopped != null) {
                return stopped;
            }
        }
        return null;
    }

    /** @param whereFrom where the rows' data comes from (null: through the services) */
    private void dryRun(PaperTables.Table t, List<PaperTables.Row> selected, Reproduction reproduction,
                        String whereFrom) throws IOException {
        Map<String, String> seen = new LinkedHashMap<>();
        for (PaperTables.Row row : selected) {
            System.out.println("table " + t.id() + ", row " + row.id() + " (" + row.label() + ")");
            for (long seed : seeds) {
                Recipe recipe = reproduction.recipe(row, seed);
                String key = Reproduction.key(recipe);
                List<StagePlan> plans = Recipes.resolve(recipe).stages();
                Path dir = out.resolve("runs").resolve(key);
                String sharedWith = seen.putIfAbsent(key, row.id());
                System.out.println("  seed " + seed + ": run " + key + (sharedWith != null ? " (the run of row "
                        + sharedWith + ")" : "") + " in " + dir);
                if (server == null) {
                    System.out.println("    " + TrainingRun.state(new RunLayout(dir), plans));
                }
                if (sharedWith == null) {
                    for (StagePlan p : plans) {
                        System.out.println("    " + p.describe());
                    }
                }
                System.out.println("    the table reports stage " + PaperTables.reportStage(row, plans));
            }
        }
        if (whereFrom != null) {
            System.out.println("data: " + whereFrom);
        }
        System.out.println("dry run: nothing was trained; the same command without --dry-run runs the rows");
    }

    /** This call's rows, with the other rows of the table from an earlier call kept. */
    private List<Reproduction.RowResult> merge(PaperTables.Table t, List<Reproduction.RowResult> now) throws IOException {
        Path json = out.resolve("table-" + t.id() + ".json");
        Map<String, Reproduction.RowResult> earlier = new LinkedHashMap<>();
        if (Files.exists(json)) {
            Reproduction.TableResult before = Reproduction.read(json);
            if (before.dataset().equals(dataset) && before.imbalance() == imbalance && before.profile().equals(profile)) {
                earlier.putAll(Reproduction.byId(before.rows()));
            }
        }
        earlier.putAll(Reproduction.byId(now));
        List<Reproduction.RowResult> ordered = new ArrayList<>();
        for (PaperTables.Row r : t.rows()) {
            if (earlier.containsKey(r.id())) {
                ordered.add(earlier.get(r.id()));
            }
        }
        return ordered;
    }

    private static Path defaultTables() {
        String home = System.getProperty("lt.home");
        Path base = home != null ? Path.of(home) : Path.of("");
        return base.resolve("recipes").resolve("tables").resolve("paper.yaml");
    }

    /** Tables whose rows set every training stage to {@code epochs} (smoke tests). */
    private static PaperTables withEpochs(PaperTables tables, int epochs) {
        List<PaperTables.Table> out = new ArrayList<>();
        for (PaperTables.Table t : tables.tables()) {
            List<PaperTables.Row> rows = new ArrayList<>();
            for (PaperTables.Row r : t.rows()) {
                List<Map<String, Object>> set = new ArrayList<>(r.set());
                set.add(Map.of("epochs", epochs));
                rows.add(new PaperTables.Row(r.id(), r.label(), r.recipe(), set, r.report(), r.paper()));
            }
            out.add(new PaperTables.Table(t.id(), t.title(), rows));
        }
        return new PaperTables(tables.file(), out);
    }

    private void list(PaperTables tables) throws IOException {
        double r = rate != null ? rate : measuredRate();
        Reproduction reproduction = new Reproduction(tables, dataset, imbalance, profile, evalEvery);
        int column = PaperTables.column(dataset, imbalance);
        System.out.printf(Locale.ROOT, "%s IF %s, profile %s, %d seed(s); estimates at %.0f training images/s%s%n%n",
                dataset, fmt(imbalance), profile, seeds.size(), r,
                rate != null ? " (--rate)" : "");
        double total = 0;
        Map<String, Double> counted = new LinkedHashMap<>();
        for (PaperTables.Table t : tables.tables()) {
            System.out.println(t.title() + "   (lt reproduce " + t.id() + ")");
            for (PaperTables.Row row : t.rows()) {
                Recipe recipe = reproduction.recipe(row, seeds.get(0));
                String key = Reproduction.key(recipe);
                double seconds = seeds.size() * estimate(Recipes.resolve(recipe).stages(), r);
                boolean shared = counted.containsKey(key);
                counted.putIfAbsent(key, seconds);
                Double paper = row.paper(column);
                System.out.printf(Locale.ROOT, "  %-22s %-46s paper %6s   %s%s%n", row.id(), row.label(),
                        paper == null ? "-" : String.format(Locale.ROOT, "%.2f", paper), hours(seconds),
                        shared ? " (shares a run listed above)" : "");
            }
            System.out.println();
        }
        for (double s : counted.values()) {
            total += s;
        }
        System.out.printf(Locale.ROOT, "All tables: %s of training on this machine (distinct runs: %d).%n", hours(total),
                counted.size());
    }

    /** Seconds a run of these plans takes at {@code rate} training images/s, evaluations included. */
    private double estimate(List<StagePlan> plans, double rate) {
        int[] counts = trainCounts();
        if (counts == null) {
            return Double.NaN;
        }
        int n = Arrays.stream(counts).sum();
        int max = Arrays.stream(counts).max().orElse(0);
        int min = Arrays.stream(counts).min().orElse(0);
        int generated = counts.length * (max + min) - n;
        double seconds = 0;
        boolean haveGenerated = false;
        for (StagePlan p : plans) {
            if (p instanceof CamPlan) {
                haveGenerated = true;
                seconds += generated / 2500.0;
                continue;
            }
            TrainPlan t = (TrainPlan) p;
            int pool = t.generated() != null && haveGenerated ? n + generated : n;
            double perEpoch = t.sampler() == SamplerKind.RANDOM_OVER ? Math.max(pool, counts.length * max)
                    : t.sampler() == SamplerKind.INSTANCE ? pool : n;
            seconds += t.epochs() * perEpoch / rate;
            int evaluations = 0;
            for (int e = 1; e <= t.epochs(); e++) {
                evaluations += t.evaluatesAfter(e) ? 1 : 0;
            }
            seconds += (evaluations + 1) * testImages() / (2.5 * rate);
        }
        return seconds;
    }

    private int[] trainCounts() {
        if (dataset.equals("cifar10")) {
            return new LongTailProfile.Exponential(imbalance).counts(10, 5000);
        }
        if (dataset.equals("cifar100")) {
            return new LongTailProfile.Exponential(imbalance).counts(100, 500);
        }
        return null;
    }

    private int testImages() {
        return 10_000;
    }

    /** The median training rate of the runs under --out, else 500 images/s. */
    private double measuredRate() throws IOException {
        Path runs = out.resolve("runs");
        List<Double> rates = new ArrayList<>();
        if (Files.isDirectory(runs)) {
            ObjectMapper json = new ObjectMapper();
            try (Stream<Path> files = Files.walk(runs, 3)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("history.jsonl")).toList()) {
                    for (String line : Files.readAllLines(f)) {
                        JsonNode node = json.readTree(line);
                        if (node.has("imagesPerSecond")) {
                            rates.add(node.get("imagesPerSecond").asDouble());
                        }
                    }
                }
            }
        }
        if (rates.isEmpty()) {
            return 500;
        }
        rates.sort(Double::compare);
        return rates.get(rates.size() / 2);
    }

    private static String hours(double seconds) {
        if (Double.isNaN(seconds)) {
            return "(no estimate for this data set)";
        }
        return seconds >= 3600 ? String.format(Locale.ROOT, "%.1f h", seconds / 3600)
                : String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Runs a recipe on the services: submitted with its key as request id (so again is the same run), watched, read. */
    private static final class ServerRunner implements Reproduction.Runner {
        private final String target;

        ServerRunner(String target) {
            this.target = target;
        }

        @Override
        public Reproduction.Outcome run(Recipe recipe, String key) throws IOException {
            ServerOptions server = new ServerOptions();
            server.server = target;
            try {
                Map<String, Reproduction.StageFigures> stages = new LinkedHashMap<>();
                double[] wall = new double[1];
                int code = server.with(channel -> {
                    RunServiceGrpc.RunServiceBlockingStub stub = RunServiceGrpc.newBlockingStub(channel);
                    RunStatus run;
                    try {
                        run = stub.submit(SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(recipe))
                                .setRequestId("reproduce/" + key).build());
                    } catch (StatusRuntimeException e) {
                        String why = e.getStatus().getDescription();
                        if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION && why != null
                                && why.startsWith("dataset")) {
                            throw new Reproduction.DataUnavailable(why);
                        }
                        throw e;
                    }
                    RunPhase end = RunCommands.watch(channel, run.getRunId(),
                            new RunDisplay(ConsoleReporter.forStdout(), System.out));
                    if (end != RunPhase.RUN_SUCCEEDED) {
                        throw new IOException("run " + run.getRunId() + " ended " + end + ": see lt results "
                                + run.getRunId());
                    }
                    RunResults results = stub.results(GetRunRequest.newBuilder().setRunId(run.getRunId()).build());
                    for (StageResult s : results.getStagesList()) {
                        var m = s.getMetrics();
                        stages.put(s.getStage(), new Reproduction.StageFigures(m.getTop1Error(),
                                m.hasBestTestEpoch() ? m.getBestTestEpochTop1Error() : null,
                                m.hasBestTestEpoch() ? m.getBestTestEpoch() : null));
                    }
                    RunStatus done = results.getRun();
                    wall[0] = (done.getUpdatedMs() - done.getSubmittedMs()) / 1000.0;
                    return 0;
                });
                if (code != 0) {
                    throw new IOException("run of " + key + " failed");
                }
                return new Reproduction.Outcome(stages, wall[0]);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }
}
