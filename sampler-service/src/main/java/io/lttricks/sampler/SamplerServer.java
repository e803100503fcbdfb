package io.lttricks.sampler;

import io.lttricks.coordinator.CoordinatorLoop;
import io.lttricks.coordinator.RunCoordinator;
import io.lttricks.coordinator.RunServiceImpl;
import io.lttricks.dashboard.DashboardServer;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.bus.EndedRuns;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.ops.ServiceHealth;
import io.lttricks.platform.ServiceMain;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.DatasetInfo;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.DatasetReady;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.StageFailed;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sampler service: long-tailed data sets (the worker that builds each run's training set, and
 * the SamplerService API) and sampling ({@link StoredEpochOrders}: every training stage's epoch
 * orders). Its process also hosts the run service and the run coordinator (module
 * {@code coordinator}), which asks it for the orders.
 */
public final class SamplerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerServer.class);
    public static final String SERVICE = "sampler";

    private final KafkaRunStateStore runs;
    private final CoordinatorLoop coordinator;
    private final JobWorker<DatasetJob> datasets;
    private final GrpcServer grpc;
    private final ServiceHealth health;
    /** The web dashboard of the run service; null when not served. */
    private final DashboardServer dashboard;

    /** Without a dashboard. */
    public SamplerServer(Platform platform) throws IOException {
        this(platform, -1);
    }

    /**
     * @param dashboardPort where the web dashboard is served ({@link DashboardServer}, with the gRPC
     *                      server's address, TLS and tokens): a port, 0 for a free one, -1 for none
     */
    public SamplerServer(Platform platform, int dashboardPort) throws IOException {
        DatasetBuilder builder = new DatasetBuilder(platform);
        this.runs = new KafkaRunStateStore(platform.config(), platform.bus());
        this.coordinator = new CoordinatorLoop(platform.config(), platform.metrics(),
                new RunCoordinator(platform.bus(), platform.store(), runs, new StoredEpochOrders(platform.store()))).start();
        new io.lttricks.coordinator.StageQueue(runs).publishOn(platform.metrics());
        this.datasets = new JobWorker<>(platform, Topics.DATASET_JOBS, Topics.GROUP_DATASET, DatasetJob.parser(),
                (key, job) -> buildDataset(platform, builder, job),
                (key, job, last) -> failDataset(platform, job, ClientMessages.of(last, platform)))
                .skipping(EndedRuns.guard(runs)).start();
        this.grpc = new GrpcServer(platform,
                List.of(new SamplerServiceImpl(platform, builder), new RunServiceImpl(platform, runs)));
        this.health = ServiceHealth.of(platform).part("the run coordinator", coordinator::alive)
                .part("the data set worker", datasets::alive).part("the run state follower", runs::alive)
                .attach(grpc).start();
        DashboardServer d = null;
        if (dashboardPort >= 0) {
            try {
                d = DashboardServer.start(platform.config().grpc(), dashboardPort, grpc.inProcessChannel());
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }
        this.dashboard = d;
    }

    /** Where the dashboard is ({@code http(s)://HOST:PORT/}), null when it is not served. */
    public String dashboardUrl() {
        return dashboard == null ? null : dashboard.url();
    }

    /** Builds a run's training set; a transient failure asks for a retry, any other fails the run. */
    private static void buildDataset(Platform platform, DatasetBuilder builder, DatasetJob job) throws JobWorker.Retry {
        try {
            DatasetSpec spec = RecipeMapper.fromProto(job.getRecipe()).dataset();
            DatasetInfo info = builder.build(spec, job.getManifestKey(), new DatasetProgressEvents(platform, job.getRunId()));
            platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setDataset(DatasetReady.newBuilder()
                    .setManifestKey(info.getManifestKey()).addAllClasses(info.getClassesList())
                    .addAllCounts(info.getCountsList())));
        } catch (IOException | RuntimeException e) {
            JobWorker.Retry.throwIfTransient(e);
            LOG.error("training set of run {}", job.getRunId(), e);
            failDataset(platform, job, ClientMessages.of(e, platform));
        }
    }

    private static void failDataset(Platform platform, DatasetJob job, String reason) {
        LOG.error("training set of run {} failed: {}", job.getRunId(), reason);
        platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(DatasetProgressEvents.STAGE)
                .setFailed(StageFailed.newBuilder().setReason("training set: " + reason).setPermanent(true)));
    }

    public int port() {
        return grpc.port();
    }

    @Override
    public void close() {
        if (dashboard != null) {
            dashboard.close();
        }
        health.close();
        grpc.close();
        datasets.close();
        coordinator.close();
        runs.close();
    }

    /** Runs the service alone, configured by environment variables (see {@link Config}). */
    public static void main(String[] args) throws Exception {
        Config config = ServiceMain.config(SERVICE, Config.SAMPLER_PORT, Config.SAMPLER_METRICS_PORT);
        int dashboardPort = DashboardServer.port(System.getenv(), DashboardServer.DEFAULT_PORT);
        try (Platform platform = Platform.open(config, SERVICE);
             SamplerServer server = new SamplerServer(platform, dashboardPort == 0 ? -1 : dashboardPort)) {
            LOG.info("sampler service (with the run service) on {}; dashboard {}; metrics {}; Kafka {}, storage {}/{}",
                    ServiceMain.describe(config.grpc(), server.port()),
                    server.dashboardUrl() == null ? "not served (" + DashboardServer.PORT + "=0)" : server.dashboardUrl(),
                    ServiceMain.describeMetrics(platform),
                    config.kafkaBootstrap(), config.s3Endpoint(),
                    config.s3Bucket());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.grpc.awaitTermination();
        }
    }

}
