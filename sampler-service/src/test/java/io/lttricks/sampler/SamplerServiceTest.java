package io.lttricks.sampler;

import io.lttricks.platform.testing.Recorder;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.platform.Platform;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestData;
import io.lttricks.platform.testing.TestPlatform;
import io.lttricks.proto.v1.BuildDatasetRequest;
import io.lttricks.proto.v1.Dataset;
import io.lttricks.proto.v1.DatasetInfo;
import io.lttricks.proto.v1.SamplingPlanRequest;
import io.lttricks.proto.v1.SamplingPlanResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BuildDataset and SamplingPlan: what a client may name, and a long-tailed set that would leave a class empty. */
class SamplerServiceTest {
    @TempDir
    Path dir;

    InMemoryObjectStore store;
    Platform platform;
    SamplerServiceImpl service;

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryObjectStore();
        platform = TestPlatform.of(dir, "test", store, new InMemoryEventBus());
        service = new SamplerServiceImpl(platform, new DatasetBuilder(platform));
        store.put("datasets/tiny-cifar.tar.gz", TestData.cifarTarGz(20), "application/gzip");
    }

    Status refused(BuildDatasetRequest request) {
        return assertThrows(StatusRuntimeException.class, () -> service.buildDataset(request, new Recorder<>())).getStatus();
    }

    @Test
    void aDataSetIsBuiltFromStorageOnly() throws IOException {
        Dataset cifar = Dataset.newBuilder().setName("cifar10").setSource("s3://lttricks/datasets/tiny-cifar.tar.gz")
                .setImbalance(10).build();
        Recorder<DatasetInfo> ok = new Recorder<>();
        service.buildDataset(BuildDatasetRequest.newBuilder().setDataset(cifar).build(), ok);
        assertEquals(10, ok.only().getCountsCount());

        Path local = Files.createDirectories(dir.resolve("local-cifar"));
        Status path = refused(BuildDatasetRequest.newBuilder().setDataset(cifar.toBuilder().setSource(local.toString())).build());
        assertEquals(Status.Code.INVALID_ARGUMENT, path.getCode());
        assertTrue(path.getDescription().startsWith("dataset.source: "), path.getDescription());
        for (String key : new String[] {"../../x.json", "/etc/x.json", "runs//x.json", "elsewhere/x.json"}) {
            Status bad = refused(BuildDatasetRequest.newBuilder().setDataset(cifar).setManifestKey(key).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getCode(), key);
            assertTrue(bad.getDescription().startsWith("manifest_key: "), bad.getDescription());
        }
    }

    /**
     * Issue 25 item 5: BuildDataset onto a key that holds another training set used to answer with
     * that set. Now the same request is answered from storage, another selection is refused
     * (ALREADY_EXISTS naming manifest_key) and the stored manifest is left as it was; default keys
     * of different selections differ.
     */
    @Test
    void buildingOntoAKeyThatHoldsAnotherTrainingSetIsRefused() throws IOException {
        Dataset if10 = Dataset.newBuilder().setName("cifar10").setSource("s3://lttricks/datasets/tiny-cifar.tar.gz")
                .setImbalance(10).build();
        BuildDatasetRequest request = BuildDatasetRequest.newBuilder().setDataset(if10)
                .setManifestKey("datasets/manifests/mine.json").build();
        Recorder<DatasetInfo> first = new Recorder<>();
        service.buildDataset(request, first);
        byte[] stored = store.get("datasets/manifests/mine.json");
        assertTrue(new String(stored, java.nio.charset.StandardCharsets.UTF_8)
                .contains("\"source\" : \"s3://lttricks/datasets/tiny-cifar.tar.gz\""), "the source as named");
        Recorder<DatasetInfo> again = new Recorder<>();
        service.buildDataset(request, again);
        assertEquals(first.only(), again.only(), "the same selection is read back");

        for (Dataset other : List.of(if10.toBuilder().setImbalance(5).build(), if10.toBuilder().setSeed(3).build(),
                if10.toBuilder().setProfile("pareto").build(), if10.toBuilder().setName("cifar100").build())) {
            Status s = refused(request.toBuilder().setDataset(other).build());
            assertEquals(Status.Code.ALREADY_EXISTS, s.getCode(), other + ": " + s.getDescription());
            assertTrue(s.getDescription().startsWith("manifest_key: datasets/manifests/mine.json already holds another"
                    + " training set ("), s.getDescription());
        }
        assertArrayEquals(stored, store.get("datasets/manifests/mine.json"), "left as it was");
        assertFalse(SamplerServiceImpl.defaultManifestKey(if10).equals(SamplerServiceImpl.defaultManifestKey(
                if10.toBuilder().setProfile("pareto").build())), "a default key per selection");
        assertTrue(SamplerServiceImpl.defaultManifestKey(if10).matches("datasets/manifests/cifar10-if10.0-seed0-[0-9a-f]{8}\\.json"),
                SamplerServiceImpl.defaultManifestKey(if10));
    }

    /** A key that names a server file: today's code read /etc/passwd as a manifest and quoted it back. */
    @Test
    void aSamplingPlanReadsNoServerFile() {
        for (String key : new String[] {"/etc/passwd", "../../../../../../etc/passwd", "runs/../../etc/passwd"}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> service.samplingPlan(
                    SamplingPlanRequest.newBuilder().setManifestKey(key).setEpoch(1).build(), new Recorder<SamplingPlanResponse>()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), key);
            assertFalse(e.getStatus().getDescription().contains("root"), e.getStatus().getDescription());
        }
    }

    /** Issue 13 item 11: a class left with no training image is refused, naming the class and the imbalance. */
    @Test
    void aLongTailThatEmptiesAClassIsRefusedNamingIt() {
        Dataset tooSteep = Dataset.newBuilder().setName("cifar10").setSource("s3://lttricks/datasets/tiny-cifar.tar.gz")
                .setImbalance(100).build();
        Status s = refused(BuildDatasetRequest.newBuilder().setDataset(tooSteep).build());
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode());
        for (String said : new String[] {"4 of 10 classes would keep no training image at imbalance 100", "'frog' (label 6, 20 in the source)", "'truck' (label 9, 20 in the source)", "at most 20"}) {
            assertTrue(s.getDescription().contains(said), said + ": " + s.getDescription());
        }
        assertFalse(s.getDescription().contains(dir.toString()), "no server path: " + s.getDescription());
    }
}
