package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt train --smoke: the whole bag of tricks (mixup, CAM stage, deferred stage, fine-tuning) end to end, each training stage short. */
class SmokeRunTest {
    @TempDir
    Path tmp;

    @Test
    void runsEveryStageOfARecipeShortened() throws Exception {
        Path data = tmp.resolve("data/cifar-10-batches-bin");
        Files.createDirectories(data);
        Random r = new Random(4);
        for (int b = 1; b <= 5; b++) {
            Files.write(data.resolve("data_batch_" + b + ".bin"), LtTest.records(60, r));
        }
        Files.write(data.resolve("test_batch.bin"), LtTest.records(20, r));
        Path run = tmp.resolve("run");
        LtTest.Run t = LtTest.lt("train", "../recipes/bag_of_tricks.yaml", "--smoke", "--imbalance", "2", "--batch-size", "8",
                "--data-dir", tmp.resolve("data").toString(), "--offline", "--out", run.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("smoke run: every training stage 2 epochs of at most 8 steps"), t.out());
        ObjectMapper json = new ObjectMapper();
        for (String stage : List.of("01-mixup", "03-cam_drs", "04-finetune")) {
            List<String> history = Files.readAllLines(run.resolve(stage).resolve("history.jsonl"));
            long epochs = history.stream().filter(l -> l.contains("\"epoch\"")).count();
            assertEquals(2, epochs, stage + ": " + history);
            for (String line : history) {
                JsonNode h = json.readTree(line);
                assertTrue(h.get("images").asInt() <= 8 * 8, stage + " epoch of at most 8 steps of 8: " + line);
            }
            assertTrue(Files.exists(run.resolve(stage).resolve("report.json")), stage + " evaluated");
        }
        assertTrue(Files.isDirectory(run.resolve("02-cam")), "the CAM stage ran");
        assertTrue(Files.exists(run.resolve("report.json")), "the run's report");

        LtTest.Run withStage = LtTest.lt("train", "../recipes/bag_of_tricks.yaml", "--smoke", "--stage", "mixup", "--dry-run");
        assertTrue(withStage.code() != 0, withStage.err());
        assertTrue(withStage.err().contains("--smoke shortens every training stage"), withStage.err());
        LtTest.Run dry = LtTest.lt("train", "../recipes/bag_of_tricks.yaml", "--smoke", "--dry-run", "--offline",
                "--data-dir", tmp.resolve("data").toString());
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("runs/bag_of_tricks-smoke"), "a smoke run does not take the real run's directory: "
                + dry.out());
    }
}
