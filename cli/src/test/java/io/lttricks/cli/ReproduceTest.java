package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.reproduce.Reproduction;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lt reproduce end to end on the quick profile: two rows of a small table (one a two-stage recipe
 * whose figure is its first stage's), a third row sharing the first one's run; then the same
 * command again reads the finished runs back instead of training them; a data set that is not
 * here is skipped, not failed.
 */
class ReproduceTest {
    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    /** CIFAR-10 format, 100 training and 5 test images per class, random pixels. */
    @BeforeAll
    static void writeData() throws IOException {
        Path dir = data.resolve("cifar-10-batches-bin");
        Files.createDirectories(dir);
        Random r = new Random(2);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), LtTest.records(200, r));
        }
        Files.write(dir.resolve("test_batch.bin"), LtTest.records(50, r));
    }

    Path tables() throws IOException {
        Files.writeString(tmp.resolve("one.yaml"), "name: one\ndataset: {name: cifar10, imbalance: 100}\n"
                + "backbone: resnet20\nstages: [{name: train, batch_size: 16, lr: 0.02}]\n");
        Files.writeString(tmp.resolve("two.yaml"), "name: two\ndataset: {name: cifar10, imbalance: 100}\n"
                + "backbone: resnet20\nstages: [{name: first, batch_size: 16, lr: 0.02},"
                + " {name: ft, batch_size: 16, sampler: class_balanced}]\n");
        Path file = tmp.resolve("tables.yaml");
        Files.writeString(file, "tables:\n"
                + "  - id: t1\n    title: \"A small table\"\n    rows:\n"
                + "      - {id: plain, label: plain, recipe: one.yaml, paper: [30.0, 20.0, 60.0, 50.0]}\n"
                + "      - {id: first_of_two, label: \"first stage\", recipe: two.yaml, report: first,"
                + " set: [{stage: ft, lr: 0.001}], paper: [28.0, 19.0]}\n"
                + "      - {id: plain_again, label: \"plain again\", recipe: one.yaml, paper: [30.0, 20.0]}\n");
        return file;
    }

    @Test
    void reproducesASmallTableAndResumesIt() throws IOException {
        Path tables = tables();
        Path out = tmp.resolve("out");
        String[] args = {"reproduce", "t1", "--tables", tables.toString(), "--profile", "quick", "--imbalance", "50",
            "--epochs", "2", "--max-batches", "2", "--out", out.toString(), "--data-dir", data.toString(), "--offline"};
        String[] dry = java.util.stream.Stream.concat(java.util.Arrays.stream(args), Stream.of("--dry-run"))
                .toArray(String[]::new);
        LtTest.Run plan = LtTest.lt(dry);
        assertEquals(0, plan.code(), plan.err() + plan.out());
        for (String expected : new String[] {"table t1, row first_of_two (first stage)", "stage ft: ",
            "the table reports stage first", "(the run of row plain)", "not started",
            "data: " + data.resolve("cifar-10-batches-bin"), "dry run: nothing was trained"}) {
            assertTrue(plan.out().contains(expected), expected + " in:\n" + plan.out());
        }
        assertFalse(Files.exists(out), "a dry run writes nothing");
        String[] stopping = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                Stream.of("--stop-after-epochs", "1")).toArray(String[]::new);
        LtTest.Run stopped = LtTest.lt(stopping);
        assertEquals(130, stopped.code(), "stopped as by Ctrl-C: " + stopped.err() + stopped.out());
        assertTrue(stopped.err().contains("lt: row plain: stage train stopped on request after epoch 1")
                && stopped.err().contains("Run the same command again to continue"), stopped.err());
        LtTest.Run first = LtTest.lt(args);
        assertEquals(0, first.code(), first.err() + first.out());
        JsonNode t = new ObjectMapper().readTree(out.resolve("table-t1.json").toFile());
        assertEquals("CIFAR-10-LT IF 50", t.get("column").asText());
        assertEquals(3, t.get("rows").size());
        for (JsonNode row : t.get("rows")) {
            assertEquals(1, row.get("finalErrors").size(), row.toString());
            assertNotNull(row.get("meanBest"), "evaluated during training: " + row);
            assertEquals(row.get("meanFinal").asDouble() - row.get("paper").asDouble(), row.get("difference").asDouble(),
                    1e-9);
            assertTrue(row.get("command").asText().startsWith("lt reproduce t1 --rows " + row.get("id").asText()));
        }
        assertEquals(20.0, t.get("rows").get(0).get("paper").asDouble(), "the IF 50 column");
        assertEquals(t.get("rows").get(0).get("finalErrors"), t.get("rows").get(2).get("finalErrors"),
                "rows with the same recipe share its run");
        long runs;
        try (Stream<Path> s = Files.list(out.resolve("runs"))) {
            runs = s.count();
        }
        assertEquals(2, runs, "two distinct recipes, two runs");
        assertTrue(first.out().contains("resuming stage train after epoch 1"), "the stopped run resumed: " + first.out());
        String md = Files.readString(out.resolve("table-t1.md"));
        assertTrue(md.contains("| first stage | 19.00 |"), md);
        assertEquals("cifar-10-batches-bin", t.get("rows").get(1).get("data").asText(), "the copy each row trained on");
        assertTrue(md.contains("Data: cifar-10-batches-bin."), md);
        BufferedImage png = ImageIO.read(out.resolve("table-t1.png").toFile());
        assertTrue(png.getWidth() >= 640, "a bar chart");

        LtTest.Run done = LtTest.lt(dry);
        assertTrue(done.out().contains("finished (" + out.resolve("runs")), done.out());
        LtTest.Run again = LtTest.lt(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("is done: reading"), again.out());
        assertFalse(again.out().contains("starting "), "nothing trains again: " + again.out());
        assertEquals(t.get("rows").get(1).get("finalErrors"), new ObjectMapper().readTree(
                out.resolve("table-t1.json").toFile()).get("rows").get(1).get("finalErrors"));

        LtTest.Run absent = LtTest.lt("reproduce", "t1", "--tables", tables.toString(), "--dataset", "cifar100",
                "--profile", "quick", "--out", tmp.resolve("c100").toString(), "--data-dir", data.toString(), "--offline");
        assertEquals(0, absent.code(), absent.err());
        assertTrue(Files.readString(tmp.resolve("c100/table-t1.md")).contains("skipped: CIFAR-100 is not in"),
                Files.readString(tmp.resolve("c100/table-t1.md")));
    }

    /** Rows that trained on different copies of the data set (JPEG and binaries, say) are said not to compare. */
    @Test
    void rowsOnDifferentCopiesOfTheDataAreFlagged() {
        java.util.function.BiFunction<String, String, Reproduction.RowResult> row = (id, data) -> new Reproduction.RowResult(
                id, id, 30.0, java.util.List.of(0L), java.util.List.of(31.0), java.util.List.of(30.5), 31.0, null, 30.5,
                1.0, 60, "lt reproduce 2 --rows " + id, null, null, data);
        String md = Reproduction.markdown(new Reproduction.TableResult("2", "Table 2", "CIFAR-10-LT IF 100", "cifar10", 100,
                "paper", "2026-12-01", java.util.List.of(row.apply("a", "cifar-10-jpeg.tar.gz"),
                        row.apply("b", "cifar-10-binary.tar.gz"))));
        assertTrue(md.contains("the rows trained on different copies**, so they do not compare: a on cifar-10-jpeg.tar.gz;"
                + " b on cifar-10-binary.tar.gz."), md);
    }

    /** A row whose run fails is marked failed with its reason; the next row still runs; the command exits 1. */
    @Test
    void aFailedRowIsMarkedAndTheOthersGoOn() throws IOException {
        tables();
        Path broken = Files.write(tmp.resolve("broken.ckpt"), "not a checkpoint".getBytes());
        Files.writeString(tmp.resolve("broken.yaml"), "name: broken\ndataset: {name: cifar10, imbalance: 100}\n"
                + "backbone: resnet20\nstages: [{name: train, batch_size: 16, init: '" + broken + "'}]\n");
        Path file = Files.writeString(tmp.resolve("t2.yaml"), "tables:\n  - id: t2\n    title: \"Two rows\"\n    rows:\n"
                + "      - {id: broken, label: broken, recipe: broken.yaml, paper: [30.0]}\n"
                + "      - {id: plain, label: plain, recipe: one.yaml, paper: [30.0]}\n");
        Path out = tmp.resolve("out");
        LtTest.Run r = LtTest.lt("reproduce", "t2", "--tables", file.toString(), "--profile", "quick", "--epochs", "1",
                "--max-batches", "2", "--eval-every", "0", "--out", out.toString(), "--data-dir", data.toString(),
                "--offline");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("1 row(s) failed (broken)"), r.err());
        JsonNode rows = new ObjectMapper().readTree(out.resolve("table-t2.json").toFile()).get("rows");
        assertTrue(rows.get(0).has("failed") && !rows.get(0).has("finalErrors"), rows.toString());
        assertEquals(1, rows.get(1).get("finalErrors").size(), "the row after the failed one ran: " + rows);
        assertTrue(Files.readString(out.resolve("table-t2.md")).contains("| broken | 30.00 | failed: "));
    }

    @Test
    void listsTheTablesWithTheirCost() throws IOException {
        LtTest.Run list = LtTest.lt("reproduce", "--list", "--tables", tables().toString(), "--out",
                tmp.resolve("o").toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("A small table") && list.out().contains("first_of_two"), list.out());
        assertTrue(list.out().contains("(shares a run listed above)"), list.out());
    }
}
