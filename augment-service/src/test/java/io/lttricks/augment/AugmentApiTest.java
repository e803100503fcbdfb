package io.lttricks.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.bus.Topics;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.Dataset;
import io.lttricks.proto.v1.GenerateRequest;
import io.lttricks.proto.v1.GenerationStatus;
import io.lttricks.proto.v1.GetGenerationRequest;
import io.lttricks.proto.v1.Stage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The augment service's RPCs: unknown generations are NOT_FOUND, keys stay under their prefixes. */
class AugmentApiTest {
    static final String MANIFEST = "runs/r/manifest.json";
    static final String PREFIX = "runs/r/02-cam/generated";

    @TempDir
    Path dir;

    InMemoryObjectStore store;
    InMemoryEventBus bus;
    AugmentServer.Api api;

    @BeforeEach
    void setUp() throws Exception {
        store = new InMemoryObjectStore();
        bus = new InMemoryEventBus();
        api = new AugmentServer.Api(TestPlatform.of(dir, "test", store, bus));
        store.put(MANIFEST, "{}".getBytes(), "application/json");
    }

    static final class Last<T> implements StreamObserver<T> {
        final List<T> values = new ArrayList<>();
        boolean completed;

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    GenerateRequest.Builder generate() {
        return GenerateRequest.newBuilder().setRunId("r").setDataset(Dataset.newBuilder().setName("cifar10"))
                .setStage(Stage.newBuilder().setMethod("image_trans")).setManifestKey(MANIFEST).setOutputPrefix(PREFIX);
    }

    /** Issue 13 item 12: GetGeneration of a prefix where nothing was generated answered OK with zeros. */
    @Test
    void anUnknownGenerationIsNotFound() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> api.getGeneration(
                GetGenerationRequest.newBuilder().setOutputPrefix("runs/nothing/02-cam/generated").build(), new Last<>()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());

        Last<GenerationStatus> started = new Last<>();
        api.generate(generate().build(), started);
        assertEquals(1, bus.published(Topics.AUGMENT_JOBS).size());
        Last<GenerationStatus> status = new Last<>();
        api.getGeneration(GetGenerationRequest.newBuilder().setOutputPrefix(PREFIX).build(), status);
        assertTrue(status.completed);
        assertEquals(0, status.values.get(0).getShardsDone(), "started, no shard yet");
        assertTrue(store.keys().contains(Keys.generationStarted(PREFIX)));
    }

    @Test
    void keysAClientGivesStayUnderTheirPrefixes() {
        List<GenerateRequest> bad = List.of(
                generate().setOutputPrefix("../../tmp/x").build(),
                generate().setOutputPrefix("datasets/x").build(),
                generate().setManifestKey("/etc/passwd").build(),
                generate().setCheckpointKey("runs/../../etc/passwd").build(),
                generate().setRunId("../x").build(),
                generate().setDataset(Dataset.newBuilder().setName("imagefolder").setSource("/srv/images")).build());
        for (GenerateRequest r : bad) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> api.generate(r, new Last<>()),
                    r.toString());
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> api.getGeneration(
                GetGenerationRequest.newBuilder().setOutputPrefix("runs/../../x").build(), new Last<>()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(List.of(), bus.published(Topics.AUGMENT_JOBS), "nothing was started");
    }
}
