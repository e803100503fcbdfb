package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lttricks.proto.v1.CheckpointSaved;
import io.lttricks.proto.v1.DatasetProgress;
import io.lttricks.proto.v1.RunEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What `lt run` and `lt watch` print for the events a run's services send. */
class RunDisplayTest {
    /**
     * The training set's preparation shows (its notes, a finished task; the services send a task's
     * progress at most every two seconds), and a kept best test epoch is named, not taken for a
     * resume point; periodic checkpoints stay quiet.
     */
    @Test
    void showsTheTrainingSetsPreparationAndKeptBestEpochs() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        RunDisplay display = new RunDisplay(new ConsoleReporter(out, false), out);
        RunEvent.Builder e = RunEvent.newBuilder().setRunId("r").setStage("dataset");
        assertNull(display.show(e.clone().setDatasetProgress(DatasetProgress.newBuilder()
                .setNote("CIFAR-10 not found in <data dir>; downloading https://example.org/c.tar.gz")).build()));
        display.show(e.clone().setDatasetProgress(DatasetProgress.newBuilder().setTask("download")
                .setDone(170_052_171).setTotal(170_052_171).setUnit("B")).build());
        display.show(e.clone().setStage("first").setCheckpoint(CheckpointSaved.newBuilder().setEpoch(5)
                .setKey("runs/r/01-first/checkpoints/epoch-0005.ckpt")).build());
        display.show(e.clone().setStage("first").setCheckpoint(CheckpointSaved.newBuilder().setEpoch(7).setBest(true)
                .setKey("runs/r/01-first/best.ckpt")).build());
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of(
                "[dataset] CIFAR-10 not found in <data dir>; downloading https://example.org/c.tar.gz",
                "[dataset] download: 162.2 MiB / 162.2 MiB 100%",
                "[first] best test epoch so far (7), weights kept in runs/r/01-first/best.ckpt"), lines);
    }
}
