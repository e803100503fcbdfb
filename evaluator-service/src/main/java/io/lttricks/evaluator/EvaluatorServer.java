package io.lttricks.evaluator;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.state.KafkaRunStateStore;
import io.lttricks.platform.bus.EndedRuns;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.Config;
import io.lttricks.platform.TransientFailure;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.ObjectStore;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.ops.ServiceHealth;
import io.lttricks.platform.ServiceMain;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.EvaluateRequest;
import io.lttricks.proto.v1.EvaluationCompleted;
import io.lttricks.proto.v1.EvaluatorServiceGrpc;
import io.lttricks.proto.v1.GetReportRequest;
import io.lttricks.proto.v1.Metrics;
import io.lttricks.proto.v1.PredictRequest;
import io.lttricks.proto.v1.PredictResponse;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.StageFailed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator service: evaluates every finished training stage ({@link Topics#EVAL_JOBS}) and,
 * on request, any stored checkpoint; writes the report and plots to storage and publishes the
 * metrics. Predict applies a stored checkpoint to images a client sends ({@link Predictions}).
 */
public final class EvaluatorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluatorServer.class);
    public static final String SERVICE = "evaluator";

    private final JobWorker<EvalJob> worker;
    private final GrpcServer grpc;
    private final ServiceHealth health;
    private final Predictions predictions;
    private final KafkaRunStateStore runs;

    public EvaluatorServer(Platform platform) throws IOException {
        ReportMaker reports = new ReportMaker(platform);
        this.predictions = new Predictions(platform);
        this.runs = new KafkaRunStateStore(platform.config(), platform.bus());
        this.worker = JobWorker.ofLongJobs(platform, Topics.EVAL_JOBS, EvalJob.parser(),
                (key, job) -> evaluate(platform, reports, job),
                (key, job, last) -> fail(platform, job, ClientMessages.of(last, platform)))
                .skipping(EndedRuns.guard(runs)).start();
        this.grpc = new GrpcServer(platform, List.of(new Api(platform, reports, predictions)), Predictions.MAX_REQUEST_BYTES);
        this.health = ServiceHealth.of(platform).part("the evaluation worker", worker::alive)
                .part("the run state follower", runs::alive).attach(grpc).start();
    }

    /** Evaluates a finished stage; a transient failure asks for a retry, any other fails the stage. */
    private static void evaluate(Platform platform, ReportMaker reports, EvalJob job) throws JobWorker.Retry {
        try {
            Metrics m = reports.evaluate(RecipeMapper.fromProto(job.getRecipe()).dataset(), job.getManifestKey(),
                    job.getCheckpointKey(), job.getReportPrefix());
            platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(job.getStage())
                    .setEvaluation(EvaluationCompleted.newBuilder().setMetrics(m).setCheckpointKey(job.getCheckpointKey())));
        } catch (IOException | RuntimeException e) {
            JobWorker.Retry.throwIfTransient(e);
            LOG.error("evaluation of {}", job.getCheckpointKey(), e);
            fail(platform, job, ClientMessages.of(e, platform));
        }
    }

    private static void fail(Platform platform, EvalJob job, String reason) {
        LOG.error("evaluation of {} failed: {}", job.getCheckpointKey(), reason);
        platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(job.getStage())
                .setFailed(StageFailed.newBuilder().setReason("evaluation: " + reason).setPermanent(true)));
    }

    public int port() {
        return grpc.port();
    }

    @Override
    public void close() {
        health.close();
        grpc.close();
        worker.close();
        runs.close();
        predictions.close();
    }

    static final class Api extends EvaluatorServiceGrpc.EvaluatorServiceImplBase {
        private final Platform platform;
        private final ReportMaker reports;
        private final Predictions predictions;

        Api(Platform platform, ReportMaker reports, Predictions predictions) {
            this.platform = platform;
            this.reports = reports;
            this.predictions = predictions;
        }

        @Override
        public void predict(PredictRequest request, StreamObserver<PredictResponse> response) {
            response.onNext(predictions.predict(request));
            response.onCompleted();
        }

        @Override
        public void evaluate(EvaluateRequest request, StreamObserver<Metrics> response) {
            if (request.getCheckpointKey().isBlank() || !request.hasDataset() || request.getReportPrefix().isBlank()) {
                throw Status.INVALID_ARGUMENT.withDescription("checkpoint_key, dataset and report_prefix are required")
                        .asRuntimeException();
            }
            DatasetSpec spec;
            try {
                spec = RecipeMapper.dataset(request.getDataset());
                ClientInputs.dataset(spec, platform.store().bucket(), "dataset");
                ClientInputs.key(request.getCheckpointKey(), "checkpoint_key", ClientInputs.CHECKPOINT_PREFIXES);
                ClientInputs.optionalKey(request.getManifestKey(), "manifest_key", ClientInputs.INPUT_PREFIXES);
                ClientInputs.key(request.getReportPrefix(), "report_prefix", ClientInputs.OUTPUT_PREFIXES);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                if (!platform.store().exists(request.getCheckpointKey())) {
                    throw Status.NOT_FOUND.withDescription("no checkpoint " + request.getCheckpointKey()).asRuntimeException();
                }
                response.onNext(reports.evaluate(spec, request.getManifestKey(), request.getCheckpointKey(),
                        request.getReportPrefix()));
                response.onCompleted();
            } catch (io.lttricks.platform.grpc.OutputExists e) {
                throw Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
            } catch (IOException | RuntimeException e) {
                if (e instanceof io.grpc.StatusRuntimeException sre) {
                    throw sre;
                }
                if (TransientFailure.in(e)) {
                    throw Status.UNAVAILABLE.withDescription("storage could not be reached; try again").asRuntimeException();
                }
                LOG.error("evaluation of {}", request.getCheckpointKey(), e);
                throw Status.FAILED_PRECONDITION.withDescription("cannot evaluate: " + ClientMessages.of(e, platform))
                        .asRuntimeException();
            }
        }

        @Override
        public void getReport(GetReportRequest request, StreamObserver<Metrics> response) {
            try {
                ClientInputs.key(request.getReportPrefix(), "report_prefix", ClientInputs.OUTPUT_PREFIXES);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
            }
            try {
                byte[] json = platform.store().get(ReportMaker.jsonKey(request.getReportPrefix()));
                response.onNext(ReportMaker.metrics(new com.fasterxml.jackson.databind.ObjectMapper()
                        .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .readValue(json, io.lttricks.core.eval.EvaluationReport.class), request.getReportPrefix()));
                response.onCompleted();
            } catch (ObjectStore.NoSuchObjectException e) {
                throw Status.NOT_FOUND.withDescription("no report under " + request.getReportPrefix()).asRuntimeException();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Runs the service alone, configured by environment variables (see {@link Config}). */
    public static void main(String[] args) throws Exception {
        Config config = ServiceMain.config(SERVICE, Config.EVALUATOR_PORT, Config.EVALUATOR_METRICS_PORT);
        try (Platform platform = Platform.open(config, SERVICE); EvaluatorServer server = new EvaluatorServer(platform)) {
            LOG.info("evaluator service on {}; metrics {}; Kafka {}, storage {}/{}", ServiceMain.describe(config.grpc(), server.port()),
                    ServiceMain.describeMetrics(platform), config.kafkaBootstrap(), config.s3Endpoint(), config.s3Bucket());
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.grpc.awaitTermination();
        }
    }
}
