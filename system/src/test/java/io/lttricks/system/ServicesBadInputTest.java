package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.DeadLetter;
import io.lttricks.proto.v1.DeadLetterCause;
import io.lttricks.proto.v1.AugmentServiceGrpc;
import io.lttricks.proto.v1.EvaluateRequest;
import io.lttricks.proto.v1.EvaluatorServiceGrpc;
import io.lttricks.proto.v1.GetGenerationRequest;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.WatchRunRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.TrainStageRequest;
import io.lttricks.proto.v1.TrainerServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Errors come back as the documented status codes, with a message that says what to do. */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesBadInputTest {
    private final ServicesFixture system;

    ServicesBadInputTest(ServicesFixture system) {
        this.system = system;
    }

    static Status status(Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus();
    }

    Status submit(String yaml) {
        return status(() -> system.runs().submit(SubmitRunRequest.newBuilder()
                .setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml))).build()));
    }

    @Test
    void aBadRecipeIsAnInvalidArgumentThatNamesTheChoices() {
        Status bad = submit("dataset: {name: cifar10}\nstages: [{loss: Hinge}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getCode());
        assertTrue(bad.getDescription().contains("CB_Focal"), bad.getDescription());
    }

    @Test
    void aCheckpointOutsideStorageIsAnInvalidArgumentAndAMissingOneAFailedPrecondition() {
        Status local = submit("dataset: {name: cifar10}\nstages: [{name: ft, init: /tmp/model.ckpt}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, local.getCode());
        assertTrue(local.getDescription().contains("s3://lttricks/"), local.getDescription());
        Status missing = submit("dataset: {name: cifar10}\nstages: [{name: ft, init: 's3://lttricks/runs/none/final.ckpt'}]");
        assertEquals(Status.Code.FAILED_PRECONDITION, missing.getCode(), "runs.proto: a missing input");
        assertTrue(missing.getDescription().contains("no checkpoint"), missing.getDescription());
    }

    /**
     * RELIABILITY row 12: CIFAR named without a source that the services have nowhere (not in storage,
     * not in their data directory) and may not download is refused at submission, with where to put
     * it; it was accepted and failed later, at its training set.
     */
    @Test
    void cifarTheServicesHaveNowhereIsRefusedAtSubmissionWithWhereToUploadIt() {
        Status s = submit("dataset: {name: cifar100}\nstages: [{name: t}]");
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().startsWith("dataset: CIFAR-100 is not in storage (s3://lttricks/datasets/"
                + "cifar-100-binary.tar.gz or s3://lttricks/datasets/cifar-100-jpeg.tar.gz)"), s.getDescription());
        assertTrue(s.getDescription().contains("lt dataset upload cifar-100-binary.tar.gz"), s.getDescription());
        for (String server : new String[] {system.config().workDir().toString(), "no-data", System.getProperty("user.home")}) {
            assertFalse(s.getDescription().contains(server), s.getDescription());
        }
    }

    /** Issue 13 item 1's reproduction, end to end: the request is refused; nothing of /etc/passwd comes back. */
    @Test
    void theServersFilesAreNotForClients() {
        Status s = submit("dataset: {name: list, source: '/', train_list: /etc/passwd, test_list: /etc/passwd}\n"
                + "backbone: resnet10\nstages: [{name: t}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertTrue(s.getDescription().startsWith("dataset.source: "), s.getDescription());
        assertFalse(s.getDescription().contains("root:"), s.getDescription());
        Status climb = submit("dataset: {name: cifar10}\nstages: [{name: ft, init: 's3://lttricks/../../../../../../etc/passwd'}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, climb.getCode(), climb.getDescription());
    }

    /** A 300-character name made a key the store refused; the error carried the store's HTTP request. */
    @Test
    void aLongRunNameIsRefusedWithoutTheStoresRequest() {
        Status s = submit("name: " + "n".repeat(300) + "\ndataset: {name: cifar10}\nstages: [{name: t}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.getDescription());
        assertTrue(s.getDescription().startsWith("name: "), s.getDescription());
        for (String internal : new String[] {"HTTP", "x-amz", "Host:", "request"}) {
            assertFalse(s.getDescription().contains(internal), s.getDescription());
        }
    }

    /**
     * A long tail that empties classes fails the run at its training set, naming the classes; the
     * reason a client reads holds no server path. Watching that ended run from now ends at once
     * (it waited for ever).
     */
    @Test
    void aRunWhoseTrainingSetWouldLeaveAClassEmptyFailsAndItsWatchFromNowEnds() throws Exception {
        RunStatus run = system.submit("name: empty-class\ndataset: {name: imagefolder, source: "
                + "'s3://lttricks/datasets/mini-cifar.tar.gz', imbalance: 100}\nbackbone: resnet20\nprofile: quick\n"
                + "stages: [{name: t, epochs: 1, batch_size: 16}]\n", "");
        GetRunRequest get = GetRunRequest.newBuilder().setRunId(run.getRunId()).build();
        long deadline = System.currentTimeMillis() + 120_000;
        while (system.runs().get(get).getPhase() != RunPhase.RUN_FAILED && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        RunStatus failed = system.runs().get(get);
        assertEquals(RunPhase.RUN_FAILED, failed.getPhase(), failed.getMessage());
        assertTrue(failed.getMessage().contains("would keep no training image at imbalance 100")
                && failed.getMessage().contains("'truck' (label 9"), failed.getMessage());
        for (String server : new String[] {system.config().workDir().toString(), "/objects/", System.getProperty("user.home")}) {
            assertFalse(failed.getMessage().contains(server), failed.getMessage());
        }
        java.util.Iterator<RunEvent> events = system.runs().withDeadlineAfter(20, TimeUnit.SECONDS)
                .watch(WatchRunRequest.newBuilder().setRunId(run.getRunId()).setFromNow(true).build());
        assertFalse(events.hasNext(), "nothing more will happen to an ended run");
    }

    /** RELIABILITY row 32: a request over gRPC's 4 MiB inbound limit is RESOURCE_EXHAUSTED, and the service goes on. */
    @Test
    void aRequestOverFourMebibytesIsResourceExhaustedAndTheServiceGoesOn() {
        Status s = status(() -> system.runs().submit(SubmitRunRequest.newBuilder().setRequestId("x".repeat(5 << 20)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.getDescription());
        anUnknownRunIsNotFound();
    }

    @Test
    void anUnknownRunIsNotFound() {
        assertEquals(Status.Code.NOT_FOUND, status(() -> system.runs().get(GetRunRequest.newBuilder().setRunId("nope").build()))
                .getCode());
    }

    @Test
    void aStageWithoutItsTrainingSetIsAFailedPrecondition() {
        ManagedChannel trainer = ManagedChannelBuilder.forTarget(system.endpoint("trainer")).usePlaintext().build();
        try {
            Status pre = status(() -> TrainerServiceGrpc.newBlockingStub(trainer).submitStage(TrainStageRequest.newBuilder()
                    .setRunId("x").setRecipe(RecipeMapper.toProto(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{name: t}]\n")))
                    .setManifestKey("runs/x/manifest.json").setOutputPrefix("runs/x/01-train").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, pre.getCode());
            assertTrue(pre.getDescription().contains("build the data set first"), pre.getDescription());
        } finally {
            trainer.shutdownNow();
        }
    }

    /** Keys a client gives the other services stay under their prefixes; an unknown generation is NOT_FOUND. */
    @Test
    void theOtherServicesTakeKeysUnderTheirPrefixesOnly() {
        ManagedChannel trainer = ManagedChannelBuilder.forTarget(system.endpoint("trainer")).usePlaintext().build();
        ManagedChannel evaluator = ManagedChannelBuilder.forTarget(system.endpoint("evaluator")).usePlaintext().build();
        ManagedChannel augment = ManagedChannelBuilder.forTarget(system.endpoint("augment")).usePlaintext().build();
        try {
            var recipe = RecipeMapper.toProto(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{name: t}]\n"));
            Status out = status(() -> TrainerServiceGrpc.newBlockingStub(trainer).submitStage(TrainStageRequest.newBuilder()
                    .setRunId("x").setRecipe(recipe).setManifestKey("runs/x/manifest.json")
                    .setOutputPrefix("../../../tmp/x").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, out.getCode(), out.getDescription());
            assertTrue(out.getDescription().startsWith("output_prefix: "), out.getDescription());
            Status ckpt = status(() -> EvaluatorServiceGrpc.newBlockingStub(evaluator).evaluate(EvaluateRequest.newBuilder()
                    .setCheckpointKey("/etc/passwd").setDataset(recipe.getDataset()).setReportPrefix("runs/x/report").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, ckpt.getCode(), ckpt.getDescription());
            Status none = status(() -> AugmentServiceGrpc.newBlockingStub(augment).getGeneration(
                    GetGenerationRequest.newBuilder().setOutputPrefix("runs/none/02-cam/generated").build()));
            assertEquals(Status.Code.NOT_FOUND, none.getCode(), none.getDescription());
        } finally {
            trainer.shutdownNow();
            evaluator.shutdownNow();
            augment.shutdownNow();
        }
    }

    /**
     * A record on a job topic that is not a job goes, whole and with why, to the dead-letter topic,
     * and the worker goes on (it was dropped with a log line only, before).
     */
    @Test
    void aRecordThatIsNotAJobGoesToTheDeadLetterTopic() throws Exception {
        byte[] truncated = {0x0a, 0x05, 0x61};   // field 1, 5 bytes announced, 1 there
        String key = "not-a-job-" + System.nanoTime();
        java.util.Map<String, Object> producerSettings = system.config().kafkaClients().producer(java.util.Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, system.config().kafkaBootstrap()));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(producerSettings,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.EVAL_JOBS, key, truncated)).get();
        }
        java.util.Map<String, Object> consumerSettings = system.config().kafkaClients().consumer(java.util.Map.of(
                org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.config().kafkaBootstrap(),
                org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        DeadLetter found = null;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(consumerSettings,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.DEAD_LETTERS, java.time.Duration.ofSeconds(30)).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            while (found == null && System.currentTimeMillis() < deadline) {
                for (var r : consumer.poll(java.time.Duration.ofMillis(300))) {
                    if (key.equals(r.key())) {
                        found = DeadLetter.parseFrom(r.value());
                    }
                }
            }
        }
        assertTrue(found != null, "no dead letter for the record within a minute");
        assertEquals(DeadLetterCause.DEAD_LETTER_UNREADABLE, found.getCause());
        assertEquals(Topics.EVAL_JOBS, found.getTopic());
        assertEquals(Topics.group(Topics.GROUP_EVALUATOR, system.config()), found.getGroup(), "the group that gave up (its share group)");
        assertTrue(java.util.Arrays.equals(truncated, found.getJob().toByteArray()), "the record's bytes as they were");
        assertTrue(found.getReason().startsWith("not a job of topic " + Topics.EVAL_JOBS), found.getReason());
    }
}
