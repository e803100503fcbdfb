package io.lttricks.augment;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.bus.EndedRuns;
import io.lttricks.platform.plan.PlanMapper;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.ops.ServiceHealth;
import io.lttricks.platform.ServiceMain;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.AugmentServiceGrpc;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.GenerateRequest;
import io.lttricks.proto.v1.GenerationStatus;
import io.lttricks.proto.v1.GetGenerationRequest;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.ShardJob;
import io.lttricks.proto.v1.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The augment service: CAM generation stages from {@link Topics#AUGMENT_JOBS}, split into shards on
 * {@link Topics#SHARD_JOBS}, which every replica consumes as one consumer group. Adding a replica
 * adds a worker on the shards (up to the topic's partition count).
 */
public final class AugmentServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AugmentServer.class);
    public static final String SERVICE = "augment";

    private final Augmenter augmenter;
    private final JobWorker<CamJob> planner;
    private final JobWorker<ShardJob> shards;
    private final KafkaRunStateStore runs;
    private final GrpcServer grpc;
    private final ServiceHealth health;

    public AugmentServer(Platform platform) throws IOException {
        this(platform, true);
    }

    /** @param withGrpc false for extra in-process workers (tests, scaling on one machine) */
    public AugmentServer(Platform platform, boolean withGrpc) throws IOException {
        this.augmenter = new Augmenter(platform);
        this.runs = new KafkaRunStateStore(platform.config(), platform.bus());
        this.planner = new JobWorker<>(platform, Topics.AUGMENT_JOBS, Topics.GROUP_AUGMENT_PLANNER,
                CamJob.parser(), (key, job) -> augmenter.plan(job), (key, job, last) -> augmenter.giveUp(job, last))
                .skipping(EndedRuns.guard(runs)).start();
        this.shards = JobWorker.ofLongJobs(platform, Topics.SHARD_JOBS, ShardJob.parser(),
                (key, job) -> augmenter.shard(job), (key, job, last) -> augmenter.giveUp(job.getStage(), last))
                .skipping(EndedRuns.guard(runs)).start();
        this.grpc = withGrpc ? new GrpcServer(platform, List.of(new Api(platform))) : null;
        this.health = withGrpc ? ServiceHealth.of(platform).part("the CAM stage planner", planner::alive)
                .part("the shard worker", shards::alive).part("the run state follower", runs::alive)
                .attach(grpc).start() : null;
    }

    public int port() {
        return grpc == null ? -1 : grpc.port();
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        if (grpc != null) {
            grpc.close();
        }
        planner.close();
        shards.close();
        runs.close();
        augmenter.close();
    }

    static final class Api extends AugmentServiceGrpc.AugmentServiceImplBase {
        private static final String RUN_ID = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";

        private final Platform platform;

        Api(Platform platform) {
            this.platform = platform;
        }

        @Override
        public void generate(GenerateRequest request, StreamObserver<GenerationStatus> response) {
            if (request.getManifestKey().isBlank() || request.getOutputPrefix().isBlank()) {
                throw Status.INVALID_ARGUMENT.withDescription("manifest_key and output_prefix are required")
                        .asRuntimeException();
            }
            String bucket = platform.store().bucket();
            Recipe recipe;
            CamPlan plan;
            try {
                if (!request.getRunId().isEmpty() && !request.getRunId().matches(RUN_ID)) {
                    throw new IllegalArgumentException("run_id: letters, digits, '_', '.' and '-', at most 128, got "
                            + ClientInputs.quote(request.getRunId()));
                }
                ClientInputs.key(request.getManifestKey(), "manifest_key", ClientInputs.INPUT_PREFIXES);
                ClientInputs.key(request.getOutputPrefix(), "output_prefix", ClientInputs.OUTPUT_PREFIXES);
                ClientInputs.dataset(RecipeMapper.dataset(request.getDataset()), bucket, "dataset");
                ClientInputs.optionalKey(request.getCheckpointKey(), "checkpoint_key", ClientInputs.CHECKPOINT_PREFIXES);
                Stage stage = request.getStage().toBuilder().setType("cam").setName(
                        request.getStage().getName().isBlank() ? "cam" : request.getStage().getName())
                        .setInit("s3://" + bucket + "/" + request.getCheckpointKey()).build();
                recipe = Recipe.newBuilder().setName("generate").setDataset(request.getDataset()).setSeed(request.getSeed())
                        .setBackbone("resnet32").addStages(stage).build();
                plan = (CamPlan) RecipeMapper.resolve(recipe).stages().get(0);
                if (plan.needsModel() && request.getCheckpointKey().isEmpty()) {
                    throw new IllegalArgumentException("checkpoint_key: CAM-based sampling needs the first stage's model"
                            + " (s3 key under " + Keys.RUNS + "); method image_trans needs none");
                }
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                if (!platform.store().exists(request.getManifestKey())) {
                    throw Status.FAILED_PRECONDITION.withDescription("manifest " + request.getManifestKey()
                            + " does not exist: build the data set first").asRuntimeException();
                }
                if (plan.needsModel() && !platform.store().exists(request.getCheckpointKey())) {
                    throw Status.FAILED_PRECONDITION.withDescription("checkpoint " + request.getCheckpointKey()
                            + " does not exist: CAM-based sampling needs the first stage's model").asRuntimeException();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String runId = request.getRunId().isBlank() ? "generate-" + UUID.randomUUID() : request.getRunId();
            CamJob job = CamJob.newBuilder().setRunId(runId).setRecipe(recipe)
                    .setStageIndex(0).setPlan(PlanMapper.toProto(plan)).setManifestKey(request.getManifestKey())
                    .setCheckpointKey(plan.needsModel() ? request.getCheckpointKey() : "")
                    .setOutputPrefix(request.getOutputPrefix()).setShards(request.getShards()).build();
            Augmenter.markStarted(platform, job);
            platform.bus().publish(Topics.AUGMENT_JOBS, runId, job);
            response.onNext(GenerationStatus.newBuilder().setRunId(runId).setOutputPrefix(request.getOutputPrefix()).build());
            response.onCompleted();
        }

        /**
         * The generation under a prefix: NOT_FOUND when none was started there (no record of its
         * start, no shard, no manifest).
         */
        @Override
        public void getGeneration(GetGenerationRequest request, StreamObserver<GenerationStatus> response) {
            String prefix = request.getOutputPrefix();
            try {
                ClientInputs.key(prefix, "output_prefix", ClientInputs.OUTPUT_PREFIXES);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                List<String> stored = platform.store().list(Keys.shards(prefix), Keys::isShard);
                boolean complete = platform.store().exists(Keys.generatedManifest(prefix));
                if (stored.isEmpty() && !complete && !platform.store().exists(Keys.generationStarted(prefix))) {
                    throw Status.NOT_FOUND.withDescription("no generation under " + prefix
                            + " (AugmentService.Generate starts one)").asRuntimeException();
                }
                GenerationStatus.Builder b = GenerationStatus.newBuilder().setOutputPrefix(prefix)
                        .setShardsDone(stored.size());
                if (!stored.isEmpty()) {
                    b.setShards(Integer.parseInt(stored.get(0).replaceAll(".*-of-(\\d+)\\.zip$", "$1")));
                }
                if (complete) {
                    b.setManifestKey(Keys.generatedManifest(prefix));
                }
                response.onNext(b.build());
                response.onCompleted();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Runs the service alone, configured by environment variables (see {@link Config}). */
    public static void main(String[] args) throws Exception {
        Config config = ServiceMain.config(SERVICE, Config.AUGMENT_PORT, Config.AUGMENT_METRICS_PORT);
        try (Platform platform = Platform.open(config, SERVICE); AugmentServer server = new AugmentServer(platform)) {
            LOG.info("augment service on {}; metrics {}; Kafka {}, storage {}/{}", ServiceMain.describe(config.grpc(), server.port()),
                    ServiceMain.describeMetrics(platform), config.kafkaBootstrap(), config.s3Endpoint(), config.s3Bucket());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.grpc.awaitTermination();
        }
    }
}
