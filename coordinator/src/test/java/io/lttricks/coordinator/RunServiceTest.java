package io.lttricks.coordinator;

import io.lttricks.platform.testing.Recorder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.Dataset;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.Loss;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.Stage;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.WatchRunRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run service's Submit, Get and Watch on in-memory storage, bus and run state: what a client
 * may name (objects under the allowed prefixes, registered data sets; never a server path), what
 * is refused at submission (with the field named, and nothing of the server in the message), and
 * idempotent submission under concurrency.
 */
class RunServiceTest {
    static final String OK = "name: ok\ndataset: {name: cifar10, imbalance: 100}\nprofile: quick\nstages: [{name: train}]\n";

    @TempDir
    Path dir;

    InMemoryObjectStore store;
    InMemoryEventBus bus;
    InMemoryRunStateStore runs;
    RunServiceImpl service;

    @BeforeEach
    void setUp() {
        store = new InMemoryObjectStore();
        bus = new InMemoryEventBus();
        runs = new InMemoryRunStateStore(bus);
        service = new RunServiceImpl(TestPlatform.of(dir, "test", store, bus), runs);
    }

    static SubmitRunRequest request(String yaml, String requestId) {
        return SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml)))
                .setRequestId(requestId).build();
    }

    RunStatus submit(SubmitRunRequest request) {
        Recorder<RunStatus> r = new Recorder<>();
        service.submit(request, r);
        return r.only();
    }

    Status refused(SubmitRunRequest request) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> submit(request),
                "submitting " + request.getRecipe() + " should be refused");
        return e.getStatus();
    }

    Status refused(String yaml) {
        return refused(request(yaml, ""));
    }

    static void assertNamesField(Status s, Status.Code code, String field, String... also) {
        assertEquals(code, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().contains(field), "names " + field + ": " + s.getDescription());
        for (String a : also) {
            assertTrue(s.getDescription().contains(a), "says " + a + ": " + s.getDescription());
        }
    }

    /** Issue 13's reproduction: a list data set over the server's root; Get showed /etc/passwd's first line. */
    @Test
    void theServersFilesAreNeverReadForAClient() {
        Status s = refused("dataset: {name: list, source: '/', train_list: /etc/passwd, test_list: /etc/passwd}\n"
                + "backbone: resnet10\nstages: [{name: train}]\n");
        assertNamesField(s, Status.Code.INVALID_ARGUMENT, "dataset.source", "lt dataset upload", "dataset://");
        assertFalse(s.getDescription().contains("root:"), s.getDescription());
        assertEquals(List.of(), runs.all(), "no run was made");
        assertEquals(List.of(), bus.events(), "nothing was announced");
    }

    @Test
    void everyLocalPathIsRefusedAtSubmitNamingTheField() {
        String base = "dataset: {name: list, source: 's3://lttricks/datasets/images.tar.gz', train_list: "
                + "'s3://lttricks/datasets/train.txt', test_list: 's3://lttricks/datasets/test.txt'%s}\n"
                + "backbone: resnet10\nstages: [{name: train}]\n";
        assertNamesField(refused(String.format(base, ", class_names: /etc/hostname")), Status.Code.INVALID_ARGUMENT,
                "dataset.class_names");
        assertNamesField(refused(String.format(base, ", manifest: ../m.json")), Status.Code.INVALID_ARGUMENT,
                "dataset.manifest");
        assertNamesField(refused(String.format(base, "").replace("'s3://lttricks/datasets/train.txt'", "train.txt")),
                Status.Code.INVALID_ARGUMENT, "dataset.train_list");
        assertNamesField(refused(String.format(base, "").replace("'s3://lttricks/datasets/test.txt'", "/data/test.txt")),
                Status.Code.INVALID_ARGUMENT, "dataset.test_list");
        assertNamesField(refused("dataset: {name: cifar10, source: /root/cifar}\nstages: [{name: t}]"),
                Status.Code.INVALID_ARGUMENT, "dataset.source");
        assertNamesField(refused("dataset: {name: cifar10}\nstages: [{name: ft, init: /tmp/model.ckpt}]"),
                Status.Code.INVALID_ARGUMENT, "stages[0] (ft).init", "s3://lttricks/runs/");
        assertEquals(List.of(), runs.all());
    }

    /** Issue 13 item 2: references that climb out of the bucket, and keys that are not what they seem. */
    @Test
    void referencesThatLeaveTheirPrefixAreRefused() {
        for (String bad : List.of("s3://lttricks/../../../../../../etc/passwd", "s3://lttricks/runs//x/final.ckpt",
                "s3://lttricks/runs/./x/final.ckpt", "s3://lttricks/runs/x\\..\\final.ckpt",
                "s3://lttricks/runs/x\u0007/final.ckpt", "s3://lttricks/datasets/other.ckpt", "s3://other/runs/x/final.ckpt")) {
            Status st = refused("dataset: {name: cifar10}\nstages: [{name: ft, init: " + quoted(bad) + "}]");
            assertEquals(Status.Code.INVALID_ARGUMENT, st.getCode(), ClientInputs.quote(bad) + ": " + st.getDescription());
            assertTrue(st.getDescription().contains("stages[0] (ft).init"), st.getDescription());
        }
        for (String bad : List.of("s3://lttricks/../../../../../../etc", "s3://lttricks/runs/x/images.tar.gz",
                "s3://lttricks//datasets/x.tar.gz", "s3://lttricks/datasets/\u0000.tar.gz")) {
            assertNamesField(refused("dataset: {name: imagefolder, source: " + quoted(bad) + "}\nbackbone: resnet10\n"
                    + "stages: [{name: t}]"), Status.Code.INVALID_ARGUMENT, "dataset.source");
        }
        for (String bad : List.of("dataset://../etc", "dataset:///etc", "dataset://a/../../b")) {
            assertNamesField(refused("dataset: {name: imagefolder, source: " + quoted(bad) + "}\nbackbone: resnet10\n"
                    + "stages: [{name: t}]"), Status.Code.INVALID_ARGUMENT, "dataset.source");
        }
    }

    /** {@code s} as a YAML double-quoted string (control characters as escapes). */
    static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c == '\\' || c == '"') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** runs.proto: an input the run needs that is missing is FAILED_PRECONDITION, named, at submission. */
    @Test
    void missingObjectsAndDataSetsAreAFailedPreconditionAtSubmit() throws IOException {
        assertNamesField(refused("dataset: {name: imagefolder, source: 's3://lttricks/datasets/none.tar.gz'}\n"
                + "backbone: resnet10\nstages: [{name: t}]"), Status.Code.FAILED_PRECONDITION, "dataset.source",
                "s3://lttricks/datasets/none.tar.gz", "lt dataset upload");
        assertNamesField(refused("dataset: {name: cifar10}\nstages: [{name: ft, init: 's3://lttricks/runs/none/final.ckpt'}]"),
                Status.Code.FAILED_PRECONDITION, "stages[0] (ft).init", "no checkpoint");
        assertNamesField(refused("dataset: {name: imagefolder, source: 'dataset://nowhere'}\nbackbone: resnet10\n"
                + "stages: [{name: t}]"), Status.Code.FAILED_PRECONDITION, "dataset.source", "dataset://nowhere");
        store.put("datasets/some.tar.gz", new byte[] {1}, "application/gzip");
        store.put("runs/old/01-train/final.ckpt", new byte[] {1}, "application/zip");
        RunStatus ok = submit(request("dataset: {name: imagefolder, source: 's3://lttricks/datasets/some.tar.gz'}\n"
                + "backbone: resnet10\nstages: [{name: ft, init: 's3://lttricks/runs/old/01-train/final.ckpt'}]", ""));
        assertEquals(RunPhase.RUN_QUEUED, ok.getPhase());
    }

    /** Issue 25: a recipe file's text, shorthands included, is a submission; a dry run records nothing. */
    @Test
    void aRecipeDocumentIsSubmittedAsWrittenAndADryRunRecordsNothing() throws IOException {
        String file = "name: doc\ndataset: {name: cifar10, imbalance: 100}\nprofile: quick\n"
                + "stages:\n  - {name: mix, loss: CE, mixup: none, epochs: 3}\n";
        SubmitRunRequest document = SubmitRunRequest.newBuilder().setRecipeDocument(file).setDryRun(true).build();
        RunStatus dry = submit(document);
        assertEquals("", dry.getRunId());
        assertTrue(dry.getMessage().startsWith("dry run: nothing recorded or started"), dry.getMessage());
        assertEquals(1, dry.getPlansCount());
        assertEquals(List.of(), runs.all(), "a dry run records no run");
        assertEquals(List.of(), store.list("runs/"), "and writes nothing");

        RunStatus real = submit(document.toBuilder().setDryRun(false).build());
        assertEquals(RunPhase.RUN_QUEUED, real.getPhase());
        RunStatus asMessage = submit(request(file, ""));
        assertEquals(asMessage.getRecipe(), real.getRecipe(), "the document and the message are one recipe");
        assertEquals(2, runs.all().size());

        // What would stop the run is said, not refused; what is wrong is refused as for a real submission.
        RunStatus missing = submit(SubmitRunRequest.newBuilder().setDryRun(true).setRecipeDocument(
                "dataset: {name: imagefolder, source: 's3://lttricks/datasets/none.tar.gz'}\nbackbone: resnet10\n"
                        + "stages: [{name: t}]").build());
        assertTrue(missing.getMessage().contains("it would stop at: dataset.source"), missing.getMessage());
        assertNamesField(refused(SubmitRunRequest.newBuilder().setDryRun(true).setRecipeDocument(
                "dataset: {name: cifar10}\nstages: [{name: t, lr: 20}]").build()),
                Status.Code.INVALID_ARGUMENT, "stages[0] (t).lr", "must lie in (0, 10]");
        assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipeDocument("stages: [{name: t, los: CE}]").build()),
                Status.Code.INVALID_ARGUMENT, "los");
        assertNamesField(refused(document.toBuilder().setRecipe(real.getRecipe()).build()),
                Status.Code.INVALID_ARGUMENT, "recipe_document", "not both");
        assertEquals(2, runs.all().size(), "refusals record nothing");
    }

    /** RELIABILITY row 73: a registered data set's file linked out of the data set is refused at Submit. */
    @Test
    void aLinkOutOfARegisteredDataSetIsRefusedAtSubmit() throws IOException {
        Path registered = Files.createDirectories(dir.resolve("registered"));
        Path set = Files.createDirectories(registered.resolve("set").resolve("images"));
        Files.writeString(set.getParent().resolve("train.txt"), "a.png 0\n");
        Files.createSymbolicLink(set.getParent().resolve("names.txt"),
                Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n"));
        service = new RunServiceImpl(TestPlatform.of(dir, "test", store, bus,
                java.util.Map.of(io.lttricks.platform.Config.DATASET_DIRS, registered.toString())), runs);
        Status s = refused("dataset: {name: list, source: 'dataset://set/images', train_list: 'dataset://set/train.txt',"
                + " test_list: 'dataset://set/train.txt', class_names: 'dataset://set/names.txt'}\nbackbone: resnet10\n"
                + "stages: [{name: t}]\n");
        assertNamesField(s, Status.Code.INVALID_ARGUMENT, "dataset.class_names",
                "dataset://set/names.txt leaves its registered data set through a symbolic link");
        assertFalse(s.getDescription().contains("root:x") || s.getDescription().contains(dir.toString()), s.getDescription());
        assertEquals(List.of(), runs.all());
    }

    /** Issue 13 item 11: what runs.proto promises to refuse at submission. */
    @Test
    void whatCannotRunIsRefusedAtSubmitNamingTheField() {
        Recipe empty = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10")).build();
        assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(empty).build()), Status.Code.INVALID_ARGUMENT,
                "stages", "at least one stage");
        assertNamesField(refused("dataset: {name: cifar10}\nstages: [{type: evaluate}]"), Status.Code.INVALID_ARGUMENT,
                "stages[0] (stage1).type", "cam");
        for (double beta : new double[] {1.0, -0.1, 1.5}) {
            Recipe r = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10"))
                    .addStages(Stage.newBuilder().setLoss(Loss.newBuilder().setName("CB_Focal").setBeta(beta))).build();
            assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(r).build()), Status.Code.INVALID_ARGUMENT,
                    "stages[0] (stage1).loss", "[0, 1)");
        }
        assertNamesField(refused("dataset: {name: cifar10}\nstages: [{name: ../x}]"), Status.Code.INVALID_ARGUMENT,
                "stages[0]", "letters");
        assertNamesField(refused("dataset: {name: cifar1000}\nstages: [{name: t}]"), Status.Code.INVALID_ARGUMENT,
                "dataset.name", "cifar100");
        assertNamesField(refused("dataset: {name: cifar10, profile: zipf, imbalance: 10}\nstages: [{name: t}]"),
                Status.Code.INVALID_ARGUMENT, "dataset.profile", "pareto");
        for (double alpha : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            Recipe r = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10").setProfile("pareto")
                    .setParetoAlpha(alpha).setImbalance(10)).addStages(Stage.newBuilder().setName("t")).build();
            assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(r).build()), Status.Code.INVALID_ARGUMENT,
                    "dataset.pareto_alpha", "positive number");
        }
        for (double imbalance : new double[] {Double.POSITIVE_INFINITY, Double.NaN, 0.5}) {
            Recipe r = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10").setImbalance(imbalance))
                    .addStages(Stage.newBuilder().setName("t")).build();
            assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(r).build()), Status.Code.INVALID_ARGUMENT,
                    "dataset.imbalance");
        }
        assertEquals(List.of(), runs.all());
    }

    /** A 300-character name made a key the store refused, and the error carried the store's HTTP request. */
    @Test
    void longOrOddRunNamesAreRefusedWithoutAnythingOfTheServer() {
        Status s = refused(OK.replace("name: ok", "name: " + "n".repeat(300)));
        assertNamesField(s, Status.Code.INVALID_ARGUMENT, "name:", "at most 64", "(300 characters)");
        assertTrue(s.getDescription().length() < 400, s.getDescription());
        for (String name : List.of("../../x", "a/b", ".hidden", "-x", "a b", "x\u0007")) {
            assertNamesField(refused(OK.replace("name: ok", "name: " + quoted(name))), Status.Code.INVALID_ARGUMENT,
                    "name:", "letters");
        }
        assertEquals(List.of(), runs.all());
        assertEquals(List.of(), store.keys(), "nothing was stored");
    }

    /** A run's state travels on Kafka (1 MiB a message): recipes that could not are refused at once. */
    @Test
    void oversizedRecipesAreRefused() {
        Recipe.Builder many = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10"));
        for (int i = 0; i < 65; i++) {
            many.addStages(Stage.newBuilder().setName("s" + i));
        }
        assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(many).build()), Status.Code.INVALID_ARGUMENT,
                "recipe: at most 64 stages");
        Recipe big = Recipe.newBuilder().setDataset(Dataset.newBuilder().setName("cifar10"))
                .addStages(Stage.newBuilder().setName("t").setLoss(Loss.newBuilder().setName("CE")
                        .putParams("x".repeat(70_000), 1.0))).build();
        assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(big).build()), Status.Code.INVALID_ARGUMENT,
                "64 KiB");
        assertNamesField(refused(SubmitRunRequest.newBuilder().setRecipe(RecipeMapper.toProto(Recipes.parseYaml(OK)))
                .setRequestId("r".repeat(300)).build()), Status.Code.INVALID_ARGUMENT, "request_id");
    }

    /** Issue 13 item 5: the same request id, 20 times at once, is one run. */
    @Test
    void theSameRequestIdSubmittedTwentyTimesAtOnceIsOneRun() throws Exception {
        // Storage that answers slowly widens the window in which the submissions overlap.
        service = new RunServiceImpl(TestPlatform.of(dir, "test", new SlowStore(store, 50), bus), runs);
        SubmitRunRequest request = request(OK, "same-request");
        int n = 20;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<RunStatus>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return submit(request);
                }));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            for (Future<RunStatus> f : results) {
                ids.add(f.get(30, TimeUnit.SECONDS).getRunId());
            }
            assertEquals(1, ids.size(), "every caller got the same run: " + ids);
            assertEquals(1, runs.all().size(), "one run recorded");
            assertEquals(1, bus.events(RunEvent.KindCase.SUBMITTED).size(), "one run announced");
            assertEquals(1, store.writes("runs/" + ids.iterator().next() + "/recipe.json").size(), "one recipe stored");
        } finally {
            pool.shutdownNow();
        }
        // Later, the same id again is still that run; another id is another run.
        String first = runs.all().get(0).getRunId();
        assertEquals(first, submit(request).getRunId());
        assertFalse(first.equals(submit(request(OK, "another")).getRunId()));
        assertEquals(2, runs.all().size());
    }

    /** Issue 13 item 12: watching from now a run that has ended used to wait for events that never come. */
    @Test
    void watchingFromNowARunThatHasEndedEndsAtOnce() {
        RunStatus run = submit(request(OK, ""));
        runs.put(run.toBuilder().setPhase(RunPhase.RUN_SUCCEEDED).build());
        Recorder<RunEvent> events = new Recorder<>();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> service.watch(WatchRunRequest.newBuilder()
                .setRunId(run.getRunId()).setFromNow(true).build(), events));
        assertTrue(events.completed, "the stream ended");
        assertEquals(List.of(), events.values);
    }

    /**
     * Issue 14 item 10: a client fetches a run's result files through the run service (lt results
     * --open), in chunks, and no other object: not a checkpoint of the same run, no key that leaves
     * its prefix, nothing of a run that does not exist.
     */
    @Test
    void aRunsResultFilesAndNothingElseCanBeFetched() throws IOException {
        RunStatus run = submit(request(OK, ""));
        String stage = io.lttricks.platform.store.Keys.stage(run.getRunId(), 0, "train");
        String report = io.lttricks.platform.store.Keys.report(stage);
        runs.put(run.toBuilder().setPhase(RunPhase.RUN_SUCCEEDED).setStages(0, run.getStages(0).toBuilder()
                .setMetrics(Metrics.newBuilder().setReportKey(report + "/report.json").setTableKey(report + "/report.txt")
                        .addPlotKeys(report + "/per-class.png").addPlotKeys(report + "/curves.png"))).build());
        byte[] plot = new byte[RunServiceImpl.FILE_CHUNK_BYTES * 2 + 5];
        new java.util.Random(1).nextBytes(plot);
        store.put(report + "/per-class.png", plot, "image/png");
        store.put(report + "/report.txt", "Top-1 error".getBytes(), "text/plain");
        store.put(io.lttricks.platform.store.Keys.finalCheckpoint(stage), new byte[10], "application/zip");

        Recorder<RunResults> results = new Recorder<>();
        service.results(GetRunRequest.newBuilder().setRunId(run.getRunId()).build(), results);
        assertEquals(List.of(report + "/report.json", report + "/report.txt", report + "/per-class.png",
                report + "/curves.png", stage + "/history.jsonl", stage + "/environment.jsonl"),
                results.only().getStages(0).getFileKeysList());

        Recorder<FileChunk> chunks = fetch(run.getRunId(), report + "/per-class.png");
        assertEquals(3, chunks.values.size());
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        for (FileChunk c : chunks.values) {
            got.write(c.getData().toByteArray());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(plot, got.toByteArray());
        assertTrue(chunks.completed);

        assertEquals(Status.Code.NOT_FOUND, fetchRefused(run.getRunId(), report + "/report.json").getCode(), "listed, not stored");
        assertEquals(Status.Code.NOT_FOUND, fetchRefused("no-such-run", report + "/report.txt").getCode());
        for (String key : List.of(io.lttricks.platform.store.Keys.finalCheckpoint(stage) + ".part", io.lttricks.platform.store.Keys.recipe(run.getRunId()),
                report + "/../final.ckpt", "/etc/passwd", "datasets/cifar-10-binary.tar.gz", "")) {
            Status s = fetchRefused(run.getRunId(), key);
            assertNamesField(s, Status.Code.INVALID_ARGUMENT, "key");
        }
    }

    /**
     * Issue 25: a training stage's final checkpoint is listed (checkpoint_key) and served to a token
     * that may do everything, or where the server takes no tokens; a read-only token is refused.
     */
    @Test
    void theFinalCheckpointIsServedToATokenOfRoleAll() throws Exception {
        RunStatus run = submit(request(OK, ""));
        String stage = io.lttricks.platform.store.Keys.stage(run.getRunId(), 0, "train");
        String report = io.lttricks.platform.store.Keys.report(stage);
        runs.put(run.toBuilder().setPhase(RunPhase.RUN_SUCCEEDED).setStages(0, run.getStages(0).toBuilder()
                .setMetrics(Metrics.newBuilder().setReportKey(report + "/report.json"))).build());
        byte[] weights = new byte[RunServiceImpl.FILE_CHUNK_BYTES + 17];
        new java.util.Random(2).nextBytes(weights);
        String ckpt = io.lttricks.platform.store.Keys.finalCheckpoint(stage);
        store.put(ckpt, weights, "application/zip");
        Recorder<RunResults> results = new Recorder<>();
        service.results(GetRunRequest.newBuilder().setRunId(run.getRunId()).build(), results);
        assertEquals(ckpt, results.only().getStages(0).getCheckpointKey());
        assertFalse(results.only().getStages(0).getFileKeysList().contains(ckpt), "a report file it is not");
        for (io.lttricks.platform.grpc.GrpcSecurity.Role role : new io.lttricks.platform.grpc.GrpcSecurity.Role[] {null,
                io.lttricks.platform.grpc.GrpcSecurity.Role.ALL}) {
            Recorder<FileChunk> chunks = io.grpc.Context.current()
                    .withValue(io.lttricks.platform.grpc.GrpcSecurity.CALLER_ROLE, role).call(() -> fetch(run.getRunId(), ckpt));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            for (FileChunk c : chunks.values) {
                got.write(c.getData().toByteArray());
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(weights, got.toByteArray(), "role " + role);
        }
        Status denied = io.grpc.Context.current().withValue(io.lttricks.platform.grpc.GrpcSecurity.CALLER_ROLE,
                io.lttricks.platform.grpc.GrpcSecurity.Role.READ).call(() -> fetchRefused(run.getRunId(), ckpt));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getCode());
        assertTrue(denied.getDescription().contains("role 'all'"), denied.getDescription());
    }

    Recorder<FileChunk> fetch(String runId, String key) {
        Recorder<FileChunk> r = new Recorder<>();
        service.getResultFile(GetResultFileRequest.newBuilder().setRunId(runId).setKey(key).build(), r);
        return r;
    }

    Status fetchRefused(String runId, String key) {
        return assertThrows(StatusRuntimeException.class, () -> fetch(runId, key), key).getStatus();
    }

    /** An ObjectStore whose every call takes {@code millis} longer. */
    static final class SlowStore implements ObjectStore {
        private final ObjectStore store;
        private final long millis;

        SlowStore(ObjectStore store, long millis) {
            this.store = store;
            this.millis = millis;
        }

        private void pause() {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String bucket() {
            return store.bucket();
        }

        @Override
        public void ensureBucket() throws IOException {
            store.ensureBucket();
        }

        @Override
        public void put(String key, byte[] bytes, String contentType) throws IOException {
            pause();
            store.put(key, bytes, contentType);
        }

        @Override
        public void putFile(String key, Path file, String contentType) throws IOException {
            pause();
            store.putFile(key, file, contentType);
        }

        @Override
        public byte[] get(String key) throws IOException {
            pause();
            return store.get(key);
        }

        @Override
        public Path getFile(String key, Path file) throws IOException {
            pause();
            return store.getFile(key, file);
        }

        @Override
        public boolean exists(String key) throws IOException {
            pause();
            return store.exists(key);
        }

        @Override
        public List<String> list(String prefix) throws IOException {
            pause();
            return store.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            pause();
            store.delete(key);
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
