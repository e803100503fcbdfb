package io.lttricks.sampler;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.core.sampling.Sampler;
import io.lttricks.core.sampling.SamplerKind;
import io.lttricks.core.util.Seeds;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.TransientFailure;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.Platform;
import io.lttricks.proto.v1.BuildDatasetRequest;
import io.lttricks.proto.v1.DatasetInfo;
import io.lttricks.proto.v1.SamplerServiceGrpc;
import io.lttricks.proto.v1.SamplingPlanRequest;
import io.lttricks.proto.v1.SamplingPlanResponse;
import java.io.IOException;
import java.util.Locale;

/** Long-tailed data sets and per-epoch sampling plans over gRPC. */
final class SamplerServiceImpl extends SamplerServiceGrpc.SamplerServiceImplBase {
    private final Platform platform;
    private final DatasetBuilder builder;

    SamplerServiceImpl(Platform platform, DatasetBuilder builder) {
        this.platform = platform;
        this.builder = builder;
    }

    @Override
    public void buildDataset(BuildDatasetRequest request, StreamObserver<DatasetInfo> response) {
        if (!request.hasDataset() || request.getDataset().getName().isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("dataset.name is required (cifar10, cifar100, imagefolder, ...)")
                    .asRuntimeException();
        }
        io.lttricks.proto.v1.Dataset d = request.getDataset();
        DatasetSpec spec;
        String key;
        try {
            spec = RecipeMapper.dataset(d);
            if (!Recipes.DATASET_NAMES.contains(d.getName().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("dataset.name: use " + String.join(", ", Recipes.DATASET_NAMES)
                        + "; got " + ClientInputs.quote(d.getName()));
            }
            ClientInputs.dataset(spec, platform.store().bucket(), "dataset");
            key = request.getManifestKey().isBlank() ? defaultManifestKey(d)
                    : ClientInputs.key(request.getManifestKey(), "manifest_key", ClientInputs.INPUT_PREFIXES);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        try {
            response.onNext(builder.build(spec, key));
        } catch (io.lttricks.platform.grpc.OutputExists e) {
            throw Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
        } catch (IOException | RuntimeException e) {
            if (TransientFailure.in(e)) {
                throw Status.UNAVAILABLE.withDescription("storage could not be reached; try again").asRuntimeException();
            }
            throw Status.FAILED_PRECONDITION.withDescription("cannot build the data set: " + ClientMessages.of(e, platform))
                    .asRuntimeException();
        }
        response.onCompleted();
    }

    /**
     * Where a training set is stored when the request names no key: readable (data set, imbalance,
     * seed) and unique to the whole selection (a hash of the data set message: its source, lists,
     * profile), so that two different selections never share a key.
     */
    static String defaultManifestKey(io.lttricks.proto.v1.Dataset d) {
        String hash = java.util.HexFormat.of().formatHex(java.util.Arrays.copyOf(sha256(d.toByteArray()), 4));
        return String.format(Locale.ROOT, "datasets/manifests/%s-if%s-seed%d-%s.json", d.getName().toLowerCase(Locale.ROOT),
                d.hasImbalance() ? String.valueOf(d.getImbalance()) : "none", d.hasSeed() ? d.getSeed() : 0, hash);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void samplingPlan(SamplingPlanRequest request, StreamObserver<SamplingPlanResponse> response) {
        if (request.getEpoch() < 1) {
            throw Status.INVALID_ARGUMENT.withDescription("epoch counts from 1").asRuntimeException();
        }
        String manifestKey;
        try {
            manifestKey = ClientInputs.key(request.getManifestKey(), "manifest_key", ClientInputs.INPUT_PREFIXES);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        LongTailManifest m;
        try {
            m = LongTailManifest.read(new DataAccess(platform).fetch(manifestKey));
        } catch (ObjectStore.NoSuchObjectException e) {
            throw Status.NOT_FOUND.withDescription(e.getMessage() + ": build the data set first").asRuntimeException();
        } catch (IOException e) {
            if (TransientFailure.in(e)) {
                throw Status.UNAVAILABLE.withDescription("storage could not be reached; try again").asRuntimeException();
            }
            throw Status.FAILED_PRECONDITION.withDescription(ClientMessages.of(e, platform)).asRuntimeException();
        }
        int[] labels = m.images().stream().mapToInt(LongTailManifest.Entry::label).toArray();
        int epochs = Math.max(request.getEpochs(), request.getEpoch());
        SamplerKind kind;
        try {
            kind = SamplerKind.parse(request.getSampler().isBlank() ? "instance" : request.getSampler());
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT.withDescription("sampler: " + e.getMessage()).asRuntimeException();
        }
        Sampler sampler = kind.create(new SamplerKind.Context(labels, m.classes().size(), epochs, null));
        int[] order = sampler.epoch(request.getEpoch(), Seeds.stream(request.getSeed(), "sampler", 0, request.getEpoch()));
        SamplingPlanResponse.Builder b = SamplingPlanResponse.newBuilder();
        for (int i : order) {
            b.addIndices(i);
        }
        for (double p : sampler.classProbabilities(request.getEpoch())) {
            b.addClassProbabilities(p);
        }
        response.onNext(b.build());
        response.onCompleted();
    }
}
