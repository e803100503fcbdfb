package io.lttricks.trainer;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.bus.EndedRuns;
import io.lttricks.platform.plan.PlanMapper;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.ops.ServiceHealth;
import io.lttricks.platform.ServiceMain;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.GetTrainStageRequest;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.TrainJob;
import io.lttricks.proto.v1.TrainStageRequest;
import io.lttricks.proto.v1.TrainStageStatus;
import io.lttricks.proto.v1.TrainerServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: training stages from {@link Topics#TRAIN_JOBS}, one at a time per process
 * (the PyTorch engine allows one gradient collector per process); jobs wait on the topic until a
 * trainer is free. Over gRPC, stages can be submitted directly and looked up.
 */
public final class TrainerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerServer.class);
    public static final String SERVICE = "trainer";

    private final KafkaRunStateStore runs;
    private final TrainWorker trainer;
    private final Duration drain;
    private final JobWorker<TrainJob> worker;
    private final GrpcServer grpc;
    private final ServiceHealth health;

    /** A trainer that stops at once when closed (the stage resumes from its last periodic checkpoint): for lt up. */
    public TrainerServer(Platform platform) throws IOException {
        this(platform, Duration.ZERO);
    }

    /**
     * @param drain how long {@link #close} lets a stage in training finish its epoch and store its
     *              checkpoint before stopping (zero: stop at once)
     */
    public TrainerServer(Platform platform, Duration drain) throws IOException {
        this.runs = new KafkaRunStateStore(platform.config(), platform.bus());
        this.trainer = new TrainWorker(platform, runs);
        this.drain = drain;
        this.worker = JobWorker.ofLongJobs(platform, Topics.TRAIN_JOBS, TrainJob.parser(),
                (key, job) -> trainer.handle(job), (key, job, last) -> trainer.giveUp(job, last))
                .skipping(EndedRuns.guard(runs)).whenRevoked(trainer::yieldCurrent).start();
        this.grpc = new GrpcServer(platform, List.of(new Api(platform)));
        this.health = ServiceHealth.of(platform).part("the training worker", worker::alive)
                .part("the run state follower", runs::alive).attach(grpc).start();
    }

    public int port() {
        return grpc.port();
    }

    /**
     * Stops the service. With a drain time, a stage in training first finishes its epoch, stores
     * that checkpoint and leaves its job uncommitted, so that another trainer resumes it at once
     * with nothing lost (Kubernetes sends SIGTERM before a scale-down, a drain or a rollout).
     */
    @Override
    public void close() {
        if (!drain.isZero() && worker.busy()) {
            LOG.warn("stopping: the stage in training finishes its epoch and stores it (at most {} s)", drain.toSeconds());
            trainer.stopAfterEpoch();
            worker.drain(drain);
        }
        health.close();
        grpc.close();
        worker.close();
        runs.close();
    }

    /** Direct submission of stages; the run service uses the job topic the same way. */
    static final class Api extends TrainerServiceGrpc.TrainerServiceImplBase {
        private static final String RUN_ID = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";

        private final Platform platform;

        Api(Platform platform) {
            this.platform = platform;
        }

        @Override
        public void submitStage(TrainStageRequest request, StreamObserver<TrainStageStatus> response) {
            if (request.getRunId().isBlank() || request.getOutputPrefix().isBlank() || request.getManifestKey().isBlank()) {
                throw Status.INVALID_ARGUMENT.withDescription("run_id, manifest_key and output_prefix are required")
                        .asRuntimeException();
            }
            TrainPlan plan;
            try {
                if (!request.getRunId().matches(RUN_ID)) {
                    throw new IllegalArgumentException("run_id: letters, digits, '_', '.' and '-', at most 128, got "
                            + ClientInputs.quote(request.getRunId()));
                }
                ClientInputs.key(request.getManifestKey(), "manifest_key", ClientInputs.INPUT_PREFIXES);
                ClientInputs.key(request.getOutputPrefix(), "output_prefix", ClientInputs.OUTPUT_PREFIXES);
                ClientInputs.optionalKey(request.getInitKey(), "init_key", ClientInputs.CHECKPOINT_PREFIXES);
                ClientInputs.optionalKey(request.getGeneratedKey(), "generated_key", ClientInputs.OUTPUT_PREFIXES);
                var resolved = RecipeMapper.resolve(request.getRecipe());
                ClientInputs.dataset(resolved.recipe().dataset(), platform.store().bucket(), "recipe.dataset");
                if (request.getStageIndex() < 0 || request.getStageIndex() >= resolved.stages().size()
                        || !(resolved.stages().get(request.getStageIndex()) instanceof TrainPlan p)) {
                    throw new IllegalArgumentException("stage_index must name a training stage of the recipe");
                }
                plan = p;
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                if (!platform.store().exists(request.getManifestKey())) {
                    throw Status.FAILED_PRECONDITION.withDescription("manifest " + request.getManifestKey()
                            + " does not exist: build the data set first (SamplerService.BuildDataset)").asRuntimeException();
                }
                if (!request.getInitKey().isBlank() && !platform.store().exists(request.getInitKey())) {
                    throw Status.FAILED_PRECONDITION.withDescription("checkpoint " + request.getInitKey()
                            + " does not exist").asRuntimeException();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            platform.bus().publish(Topics.TRAIN_JOBS, request.getRunId(), TrainJob.newBuilder()
                    .setRunId(request.getRunId()).setRecipe(request.getRecipe()).setStageIndex(request.getStageIndex())
                    .setPlan(PlanMapper.toProto(plan))
                    .setManifestKey(request.getManifestKey()).setInitKey(request.getInitKey())
                    .setGeneratedKey(request.getGeneratedKey()).setOutputPrefix(request.getOutputPrefix()).build());
            response.onNext(TrainStageStatus.newBuilder().setRunId(request.getRunId())
                    .setStage(plan.name()).setPhase(StagePhase.STAGE_QUEUED).setEpochs(plan.epochs()).build());
            response.onCompleted();
        }

        @Override
        public void getStage(GetTrainStageRequest request, StreamObserver<TrainStageStatus> response) {
            String prefix = request.getOutputPrefix();
            try {
                ClientInputs.key(prefix, "output_prefix", ClientInputs.OUTPUT_PREFIXES);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                TrainStageStatus.Builder b = TrainStageStatus.newBuilder();
                if (platform.store().exists(Keys.finalCheckpoint(prefix))) {
                    b.setPhase(StagePhase.STAGE_SUCCEEDED).setFinalKey(Keys.finalCheckpoint(prefix));
                } else {
                    List<String> ckpts = platform.store().list(Keys.checkpoints(prefix), Keys::isCheckpoint);
                    if (ckpts.isEmpty()) {
                        throw Status.NOT_FOUND.withDescription("no training stage stored under " + prefix)
                                .asRuntimeException();
                    }
                    String last = ckpts.get(ckpts.size() - 1);
                    b.setPhase(StagePhase.STAGE_RUNNING)
                            .setEpoch(Integer.parseInt(last.replaceAll(".*epoch-(\\d+)\\.ckpt$", "$1")));
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
        Config config = ServiceMain.config(SERVICE, Config.TRAINER_PORT, Config.TRAINER_METRICS_PORT);
        Duration drain = Duration.ofSeconds(config.drainSeconds());
        try (Platform platform = Platform.open(config, SERVICE); TrainerServer server = new TrainerServer(platform, drain)) {
            LOG.info("trainer service on {}; metrics {}; device {}; Kafka {}, storage {}/{}",
                    ServiceMain.describe(config.grpc(), server.port()), ServiceMain.describeMetrics(platform),
                    ai.djl.engine.Engine.getInstance().defaultDevice(), config.kafkaBootstrap(), config.s3Endpoint(),
                    config.s3Bucket());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.grpc.awaitTermination();
        }
    }
}
