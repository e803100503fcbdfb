package io.lttricks.platform.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.bus.EventBus;
import io.lttricks.platform.state.InMemoryRunStateStore;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory fakes keep the contract of the real store and bus, as far as the services use it. */
class InMemoryObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void storesListsAndDeletesAsS3Does() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore();
        store.put("runs/a/2.txt", "two".getBytes(), "text/plain");
        store.put("runs/a/1.txt", "one".getBytes(), "text/plain");
        store.put("runs/ab/x.txt", "x".getBytes(), "text/plain");
        store.put("runs/b/epoch-0001.ckpt", new byte[] {1}, "application/zip");
        store.put("runs/b/epoch-0001.ckpt-7f3a", new byte[] {1}, "application/zip");

        assertEquals(List.of("runs/a/1.txt", "runs/a/2.txt"), store.list("runs/a/"), "recursive, in key order");
        assertEquals(List.of("runs/a/1.txt", "runs/a/2.txt", "runs/ab/x.txt"), store.list("runs/a"));
        assertEquals(List.of("runs/b/epoch-0001.ckpt"), store.list("runs/b/", Keys::isCheckpoint));
        assertEquals(List.of(), store.list("nothing/"));
        assertArrayEquals("two".getBytes(), store.get("runs/a/2.txt"));
        assertTrue(store.exists("runs/a/1.txt"));
        assertFalse(store.exists("runs/a/3.txt"));
        assertThrows(ObjectStore.NoSuchObjectException.class, () -> store.get("runs/a/3.txt"));
        assertThrows(ObjectStore.NoSuchObjectException.class, () -> store.getFile("runs/a/3.txt", dir.resolve("f")));
        assertThrows(IllegalArgumentException.class, () -> store.put("../x", new byte[0], "x"));
        assertThrows(IllegalArgumentException.class, () -> store.exists("/abs"));

        Path file = store.getFile("runs/a/1.txt", dir.resolve("deep/down/1.txt"));
        assertEquals("one", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("deep/down/1.txt.part")));
        Files.writeString(dir.resolve("up.txt"), "up");
        store.putFile("runs/c/up.txt", dir.resolve("up.txt"), "text/plain");
        assertArrayEquals("up".getBytes(), store.get("runs/c/up.txt"));

        store.delete("runs/a/1.txt");
        store.delete("runs/a/never.txt");
        assertEquals(List.of("runs/a/2.txt"), store.list("runs/a/"));
        assertEquals("s3://lttricks/runs/a/2.txt", store.uri("runs/a/2.txt"));

        store.put("runs/a/2.txt", "deux".getBytes(), "text/plain");
        assertEquals(2, store.writes("runs/a/2.txt").size(), "every version written is kept");
    }

    @Test
    void failsOnRequestAsUnreachableStorageDoes() throws Exception {
        InMemoryObjectStore store = new InMemoryObjectStore().failNext(2, "runs/x/");
        store.put("runs/y/ok", new byte[0], "x");
        assertThrows(ObjectStore.UnavailableException.class, () -> store.put("runs/x/a", new byte[0], "x"));
        assertThrows(ObjectStore.UnavailableException.class, () -> store.exists("runs/x/a"));
        store.put("runs/x/a", new byte[0], "x");
        assertTrue(store.exists("runs/x/a"));
    }

    @Test
    void theBusRecordsWhatWasPublishedPerTopic() {
        InMemoryEventBus bus = new InMemoryEventBus("svc/one", 4);
        bus.publish(Topics.DATASET_JOBS, "r1", DatasetJob.newBuilder().setRunId("r1").build());
        bus.event(RunEvent.newBuilder().setRunId("r1").setStage("s"));
        for (int i = 0; i < 6; i++) {
            bus.publishSpread(Topics.SHARD_JOBS, "r1/s/" + i, i, DatasetJob.newBuilder().build());
        }
        assertEquals(List.of("r1"), bus.messages(Topics.DATASET_JOBS, DatasetJob.class).stream().map(DatasetJob::getRunId).toList());
        RunEvent e = bus.events().get(0);
        assertEquals("svc/one", e.getSource());
        assertTrue(e.getTimeMs() > 0);
        assertEquals(List.of(0, 1, 2, 3, 0, 1), bus.published(Topics.SHARD_JOBS).stream()
                .map(InMemoryEventBus.Published::partition).toList());

        bus.failNext(1, Topics.EVENTS);
        bus.publish(Topics.DATASET_JOBS, "r2", DatasetJob.newBuilder().setRunId("r2").build());
        assertThrows(EventBus.UnavailableException.class, () -> bus.event(RunEvent.newBuilder().setRunId("r2")));
        assertEquals(1, bus.events().size(), "a failed publication is not recorded");
    }

    @Test
    void theRunStateIsStampedAndPublished() {
        InMemoryEventBus bus = new InMemoryEventBus();
        InMemoryRunStateStore runs = new InMemoryRunStateStore(bus);
        RunStatus first = runs.put(RunStatus.newBuilder().setRunId("old").setSubmittedMs(1).build());
        runs.put(RunStatus.newBuilder().setRunId("new").setSubmittedMs(2).build());
        RunStatus again = runs.put(first);
        assertTrue(again.getUpdatedMs() > first.getUpdatedMs());
        assertEquals(List.of("new", "old"), runs.all().stream().map(RunStatus::getRunId).toList());
        assertEquals(3, bus.published(Topics.RUN_STATE).size());
    }
}
