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
     * The topics of long jobs and the group of the workers that take them: in a share group under
     * {@link JobWorker.Delivery#SHARED} (any idle worker takes the next waiting job), in a classic
     * consumer group otherwise. The short jobs (data sets, augment planning) stay in classic groups.
     */
    public static final Map<String, String> SHARED_TOPICS = Map.of(TRAIN_JOBS, GROUP_TRAINER, SHARD_JOBS, GROUP_AUGMENT,
            EVAL_JOBS, GROUP_EVALUATOR);

    /**
     * The group id of the workers of {@code group} under the configured delivery: for the groups of
     * {@link #SHARED_TOPICS}, {@code group} itself for a classic consumer group and {@code group + "-shared"}
     * for a share group; any other group is a classic consumer group, by its own name. Kafka keeps one type per group id and refuses a share consumer in an id
     * that is (or was, until its offsets expire) a consumer group's: "Group lt-evaluator is not a share
     * group", seen on the embedded 4.4 broker after a classic worker had committed in it. Own ids let a
     * deployment move from one delivery to the other without deleting groups; the new share group
     * starts at the earliest job, and the jobs of runs that ended are skipped (RELIABILITY row 77).
     */
    public static String group(String group, Config config) {
        return SHARED_TOPICS.containsValue(group) && config.jobDelivery() == JobWorker.Delivery.SHARED
                ? group + "-shared" : group;
    }

    /**
     * The client ids of the members of a group (by its id, {@link #group}) that have partitions
     * assigned, whether it is a share group or a consumer group; empty while it does not exist.
     */
    public static List<String> membersWithPartitions(Admin admin, String groupId) throws InterruptedException {
        try {
            if (groupId.endsWith("-shared")) {
                return admin.describeShareGroups(List.of(groupId)).all().get().get(groupId).members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty()).map(m -> m.clientId()).toList();
            }
            return admin.describeConsumerGroups(List.of(groupId)).all().get().get(groupId).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).map(m -> m.clientId()).toList();
        } catch (ExecutionException e) {
            return List.of();   // the group does not exist until its first member joins
        }
    }

    /**
     * Creates the topics that do not exist yet (retention: forever; run state compacted) and, when
     * the workers share their topics, sets up their share groups; one admin client for all.
     */
    public static void ensure(Config config) {
        try (Admin admin = Admin.create(config.kafkaClients().admin(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap())))) {
            createMissing(admin, config);
            if (config.jobDelivery() == JobWorker.Delivery.SHARED) {
                for (String group : SHARED_TOPICS.values()) {
                    ensureShareGroup(admin, config, group(group, config));
                }
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
            if (config.jobDelivery() == JobWorker.Delivery.SHARED) {
                List<String> shared = SHARED_TOPICS.keySet().stream().filter(existing::contains).sorted().toList();
                if (!shared.isEmpty()) {
                    admin.describeTopics(shared).allTopicNames().get().forEach((topic, d) -> {
                        if (d.partitions().size() > 1) {
                            LOG.warn("{} has {} partitions: in a share group each partition goes to one worker while there"
                                    + " are fewer workers than partitions, so a job can wait behind a busy worker; recreate"
                                    + " the topic with one partition (deploy/README.md, section 7)", topic, d.partitions().size());
                        }
                    });
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
                    + " (" + cause.getMessage() + "): trainers, augment shards and evaluators take their jobs through"
                    + " Kafka share groups, which need Kafka 4.2 or newer with share groups on; on an older broker set "
                    + Config.JOB_DELIVERY + "=partitions", cause);
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
     * topics of long jobs when their workers share them in share groups. A share group's assignor
     * gives each partition to one member as long as there are at least as many partitions as members
     * (KIP-932's simple assignor), so with several partitions a job still waits behind the busy
     * worker that was given its partition while another idles (seen in ServicesScalingTest); one
     * partition is shared by every worker of the group, and records, not partitions, are what a
     * share group hands out.
     */
    public static int partitions(String topic, Config config) {
        return SHARED_TOPICS.containsKey(topic) && config.jobDelivery() == JobWorker.Delivery.SHARED ? 1
                : config.topicPartitions();
    }

    static Map<String, String> configFor(String topic) {
        if (topic.equals(RUN_STATE)) {
            return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        return Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
    }
}
