package io.lttricks.platform.bus;

import io.lttricks.platform.Config;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The Kafka topics of the system. Keys are run ids on every topic except the shard jobs (keyed by
 * shard, so that the augment replicas share one stage's shards).
 */
public final class Topics {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Topics.class);

    /** Everything that happens to runs ({@code RunEvent}), in order per run. */
    public static final String EVENTS = "lt.events";
    /** The latest {@code RunStatus} of every run: compacted, the durable run state. */
    public static final String RUN_STATE = "lt.run-state";
    /** {@code DatasetJob}: build a run's long-tailed training set (sampler service). */
    public static final String DATASET_JOBS = "lt.jobs.dataset";
    /** {@code TrainJob}: a training stage (trainer service). */
    public static final String TRAIN_JOBS = "lt.jobs.train";
    /** {@code CamJob}: a CAM generation stage, split into shards by the augment service. */
    public static final String AUGMENT_JOBS = "lt.jobs.augment";
    /** {@code ShardJob}: a range of generated images (augment replicas, one consumer group). */
    public static final String SHARD_JOBS = "lt.jobs.augment.shards";
    /** {@code EvalJob}: evaluate a checkpoint (evaluator service). */
    public static final String EVAL_JOBS = "lt.jobs.eval";
    /**
     * {@code DeadLetter}: a job a worker stopped trying (retries spent, failed for good, or
     * unreadable), kept whole with why ({@link DeadLetters}). Key: run id.
     */
    public static final String DEAD_LETTERS = "lt.jobs.dead-letters";

    public static final List<String> ALL = List.of(EVENTS, RUN_STATE, DATASET_JOBS, TRAIN_JOBS, AUGMENT_JOBS,
            SHARD_JOBS, EVAL_JOBS, DEAD_LETTERS);

    /** Consumer groups: one per kind of worker; replicas of a service share their group's work. */
    public static final String GROUP_COORDINATOR = "lt-coordinator";
    public static final String GROUP_DATASET = "lt-sampler";
    public static final String GROUP_TRAINER = "lt-trainer";
    public static final String GROUP_AUGMENT_PLANNER = "lt-augment-planner";
    public static final String GROUP_AUGMENT = "lt-augment";
    public static final String GROUP_EVALUATOR = "lt-evaluator";
    /** The trainers' view of cancellations (each trainer reads all events, no shared offsets). */
    public static final String GROUP_TRAINER_EVENTS_PREFIX = "lt-trainer-events-";

    private Topics() {
    }

    /**
     * Creates the topics that do not exist yet (retention: forever; run state compacted) and, when
     * the trainers share their topic, sets up their share group; one admin client for both.
     */
    public static void ensure(Config config) {
        try (Admin admin = Admin.create(config.kafkaClients().admin(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap())))) {
            createMissing(admin, config);
            if (config.trainDelivery() == JobWorker.Delivery.SHARED) {
                ensureShareGroup(admin, config, GROUP_TRAINER);
            }
        }
    }

    private static void createMissing(Admin admin, Config config) {
        try {
            // Bounded: an unreachable broker fails this in 15 s (StartupWait then waits for it).
            Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs(15_000)).names().get();
            List<NewTopic> missing = ALL.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions(t, config), config.topicReplication()).configs(configFor(t)))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(30_000)).all().get();
            }
            if (config.trainDelivery() == JobWorker.Delivery.SHARED && existing.contains(TRAIN_JOBS)) {
                int n = admin.describeTopics(List.of(TRAIN_JOBS)).allTopicNames().get().get(TRAIN_JOBS).partitions().size();
                if (n > 1) {
                    LOG.warn("{} has {} partitions: in a share group each partition goes to one trainer while there are"
                            + " fewer trainers than partitions, so a stage can wait behind a busy trainer; recreate the"
                            + " topic with one partition (deploy/README.md, section 7)", TRAIN_JOBS, n);
                }
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create Kafka topics at " + config.kafkaBootstrap() + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * The settings of a share group whose workers take jobs ({@link JobWorker.Delivery#SHARED}): from
     * the earliest job (a group starts at the latest record by default, which would skip jobs
     * published before its first worker came), and lock renewal allowed.
     */
    private static void ensureShareGroup(Admin admin, Config config, String group) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = SHARE_GROUP_CONFIG.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
        try {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot set up the share group " + group + " at " + config.kafkaBootstrap()
                    + " (" + cause.getMessage() + "): the trainers take stages through a Kafka share group, which needs"
                    + " Kafka 4.2 or newer with share groups on; on an older broker set " + Config.TRAIN_DELIVERY
                    + "=partitions", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up the share group " + group, e);
        }
    }

    /** Group settings of the job share groups. */
    static final Map<String, String> SHARE_GROUP_CONFIG = Map.of(
            "share.auto.offset.reset", "earliest",
            "share.renew.acknowledge.enable", "true");

    /**
     * The partitions a topic is created with: {@link Config#topicPartitions()}, but one for the
     * train topic when the trainers share it in a share group. A share group's assignor gives each
     * partition to one member as long as there are at least as many partitions as members (KIP-932's
     * simple assignor), so with several partitions a job still waits behind the busy trainer that
     * was given its partition while another trainer idles (seen in ServicesScalingTest); one
     * partition is shared by every trainer, and training stages are far too few to need more.
     */
    public static int partitions(String topic, Config config) {
        return topic.equals(TRAIN_JOBS) && config.trainDelivery() == JobWorker.Delivery.SHARED ? 1 : config.topicPartitions();
    }

    static Map<String, String> configFor(String topic) {
        if (topic.equals(RUN_STATE)) {
            return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        return Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
    }
}
