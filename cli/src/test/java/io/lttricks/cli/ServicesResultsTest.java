package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.store.Keys;
import io.lttricks.system.ServicesFixture;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.StageResult;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline run's results from a client that reaches only the services: lt results --open copies
 * every stage's report files, and lt predict --server answers as lt predict on the same checkpoint.
 */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesResultsTest {
    private final ServicesFixture system;

    @TempDir
    Path tmp;

    ServicesResultsTest(ServicesFixture system) {
        this.system = system;
    }

    @Test
    void resultsOpenCopiesEveryResultFileOfTheRunIntoTheDirectory() throws Exception {
        ServicesFixture.Finished run = system.pipeline();
        Path dir = tmp.resolve("results");
        LtTest.Run r = LtTest.lt("results", run.runId(), "--server", system.endpoint("sampler"), "--open", dir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        RunResults results = system.runs().results(GetRunRequest.newBuilder().setRunId(run.runId()).build());
        ObjectStore store = system.store();
        String prefix = results.getRun().getPrefix() + "/";
        List<String> copied = new ArrayList<>();
        for (StageResult s : results.getStagesList()) {
            for (String key : s.getFileKeysList()) {
                Path local = dir.resolve(key.substring(prefix.length()));
                if (store.exists(key)) {
                    assertArrayEquals(store.get(key), Files.readAllBytes(local), key);
                    assertTrue(r.out().contains(local.toRealPath().toString()), r.out());
                    copied.add(key.substring(prefix.length()));
                }
            }
        }
        for (String stage : List.of("01-first", "03-deferred")) {
            for (String file : List.of("report/report.txt", "report/report.json", "report/per-class.png", "history.jsonl",
                    "environment.jsonl")) {
                assertTrue(copied.contains(stage + "/" + file), stage + "/" + file + " in " + copied);
            }
        }
        LtTest.Run again = LtTest.lt("results", run.runId(), "--server", system.endpoint("sampler"), "--open", dir.toString());
        assertEquals(0, again.code(), "the same files again: " + again.err());
        assertFalse(Files.exists(dir.resolve("01-first/final.ckpt")), "checkpoints only when asked");
        LtTest.Run withModels = LtTest.lt("results", run.runId(), "--server", system.endpoint("sampler"), "--open",
                dir.toString(), "--checkpoints");
        assertEquals(0, withModels.code(), withModels.err());
        String first = Keys.finalCheckpoint(Keys.stage(run.runId(), 0, "first"));
        String deferred = Keys.finalCheckpoint(Keys.stage(run.runId(), 2, "deferred"));
        assertArrayEquals(store.get(first), Files.readAllBytes(dir.resolve("01-first/final.ckpt")), first);
        assertTrue(r.out().contains("  checkpoint s3://" + results.getRun().getBucket() + "/" + first), "lt results names"
                + " each stage's final checkpoint, as lt predict --server takes it: " + r.out());
        assertArrayEquals(store.get(deferred), Files.readAllBytes(dir.resolve("03-deferred/final.ckpt")), deferred);
    }

    @Test
    void predictOnTheEvaluatorPrintsWhatPredictPrintsLocally() throws Exception {
        ServicesFixture.Finished run = system.pipeline();
        String key = Keys.finalCheckpoint(Keys.stage(run.runId(), 0, "first"));
        Path checkpoint = system.store().getFile(key, tmp.resolve("final.ckpt"));
        Random r = new Random(5);
        List<String> images = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int w = 20 + 17 * i;
            BufferedImage img = new BufferedImage(w, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, r.nextInt(0xffffff));
                }
            }
            Path file = tmp.resolve("image-" + i + (i == 1 ? ".jpg" : ".png"));
            ImageIO.write(img, i == 1 ? "jpg" : "png", file.toFile());
            images.add(file.toString());
        }
        for (List<String> format : List.of(List.of("--top", "3"), List.of("--json"))) {
            List<String> local = new ArrayList<>(List.of("predict", checkpoint.toString()));
            local.addAll(images);
            local.addAll(format);
            List<String> remote = new ArrayList<>(List.of("predict", system.store().uri(key)));
            remote.addAll(images);
            remote.addAll(format);
            remote.addAll(List.of("--server", system.endpoint("evaluator")));
            LtTest.Run here = LtTest.lt(local.toArray(String[]::new));
            LtTest.Run there = LtTest.lt(remote.toArray(String[]::new));
            assertEquals(0, here.code(), here.err());
            assertEquals(0, there.code(), there.err());
            assertEquals(here.out(), there.out());
        }
        LtTest.Run missing = LtTest.lt("predict", "runs/none/01-first/final.ckpt", images.get(0), "--server",
                system.endpoint("evaluator"));
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no checkpoint"), missing.err());
    }
}
