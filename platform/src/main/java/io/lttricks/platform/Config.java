package io.lttricks.platform;

import io.lttricks.platform.bus.JobWorker;

import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.bus.KafkaClients;
import io.lttricks.platform.ops.ServiceHealth;
import io.lttricks.platform.ops.ServiceMetrics;
import java.net.InetAddress;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Service configuration, from environment variables (how Kubernetes configures a pod) with a
 * default for each. Every key is a constant here, documented once.
 *
 * @param kafkaBootstrap Kafka bootstrap servers ({@value #KAFKA_BOOTSTRAP}, default localhost:9092)
 * @param s3Endpoint     S3 endpoint URL ({@value #S3_ENDPOINT}, default http://localhost:9000)
 * @param s3Bucket       bucket of data sets, runs, checkpoints and reports ({@value #S3_BUCKET}, default lttricks)
 * @param s3AccessKey    ({@value #S3_ACCESS_KEY}; no default: a service without it refuses to start)
 * @param s3SecretKey    ({@value #S3_SECRET_KEY}; no default, as the access key)
 * @param s3Region       ({@value #S3_REGION}, default us-east-1)
 * @param grpcPort       this service's gRPC port ({@value #GRPC_PORT}; default per service)
 * @param workDir        local scratch space: downloaded objects, extracted data sets ({@value #WORK_DIR})
 * @param dataDir        local data sets to fall back on before downloading ({@value #DATA_DIR})
 * @param instance       this worker's name in events ({@value #INSTANCE}, default the host name)
 * @param augmentShards  shards per CAM generation stage ({@value #AUGMENT_SHARDS}, default 8)
 * @param topicPartitions partitions of topics the services create ({@value #TOPIC_PARTITIONS}, default 8): the
 *                       augment replicas that can work at once on one generation stage
 * @param topicReplication replication factor of topics the services create ({@value #TOPIC_REPLICATION}, default 1)
 * @param datasetDirs    directories of data sets registered on this server ({@value #DATASET_DIRS}: absolute
 *                       paths separated by ':'; default none). A client names
 *                       an entry of one as {@code dataset://NAME/...}; no other server path is ever
 *                       read for a client (see {@link ClientInputs})
 * @param grpc           address, TLS and accepted tokens of the gRPC server ({@link GrpcSecurity}: {@value GrpcSecurity#BIND},
 *                       {@value GrpcSecurity#TLS_CERT}, {@value GrpcSecurity#TLS_KEY}, {@value GrpcSecurity#TLS_CLIENT_CA},
 *                       {@value GrpcSecurity#TOKENS}, {@value GrpcSecurity#TOKENS_FILE}, {@value GrpcSecurity#ALLOW_UNAUTHENTICATED})
 * @param kafkaClients   security settings of every Kafka client ({@link KafkaClients}: {@value KafkaClients#PROPERTIES_FILE},
 *                       LT_KAFKA_SECURITY_*, LT_KAFKA_SASL_*, LT_KAFKA_SSL_*)
 * @param s3CaFile       PEM bundle of the CAs that storage's TLS certificate is checked against, instead of the
 *                       JVM's ({@value #S3_CA_FILE}; for a MinIO with a private CA)
 * @param healthGraceSeconds how long Kafka or storage may stay unreachable before the health service says
 *                       NOT_SERVING ({@value #HEALTH_GRACE_SECONDS}, default 60; see {@link ServiceHealth})
 * @param metricsPort    plain HTTP port of this service's Prometheus metrics, {@code GET /metrics} on the gRPC
 *                       server's address ({@value #METRICS_PORT}; default per service, 9401-9404 as the gRPC
 *                       ports 50051-50054; 0 serves none). See {@link ServiceMetrics}
 * @param downloads      whether a service may download a data set it finds nowhere else (CIFAR named without a
 *                       source, after storage's {@code datasets/} and the data directory): {@value #DOWNLOADS}
 *                       {@code on} (the default) or {@code off}, for a cluster without internet access, where a
 *                       run naming a missing CIFAR is then refused at submission instead of failing later
 * @param drainSeconds   trainer service only: seconds a trainer told to stop (SIGTERM) lets its stage finish the
 *                       epoch and store that checkpoint before it stops ({@value #DRAIN_SECONDS}, default 50,
 *                       within Kubernetes' default grace period of 60 s; 0 stops at once; keep it below the pod's
 *                       terminationGracePeriodSeconds, as deploy/ does)
 * @param jobDelivery    how the workers of a kind share the long jobs, training stages, augment shards and
 *                       evaluations ({@value #JOB_DELIVERY}; {@value #TRAIN_DELIVERY}, its older name, is still
 *                       read): {@code shared} (default; Kafka share groups, Kafka 4.2 or newer: any idle worker
 *                       takes the next waiting job) or {@code partitions} (classic consumer groups, for older
 *                       brokers: a job waits behind a busy worker that owns its partition); see
 *                       {@link JobWorker.Delivery} and {@link io.lttricks.platform.bus.Topics#group}
 *
 * @param shardCacheBytes most bytes of whole shards of shard-set data sets kept on local disk
 *                       ({@value #SHARD_CACHE}: a size such as {@code 8Gi}; {@code 0} keeps none and reads every
 *                       image by range; unset (-1): the smaller of 2 GiB and half the free space of the work
 *                       directory's volume). In a pod, set it below the work volume's {@code sizeLimit}, which
 *                       the file system does not report (deploy/ does, and its tests check it)
 *
 * <p>{@link #toString()} shows no credential.
 */
public record Config(String kafkaBootstrap, String s3Endpoint, String s3Bucket, String s3AccessKey,
                     String s3SecretKey, String s3Region, int grpcPort, Path workDir, Path dataDir, String instance,
                     int augmentShards, int topicPartitions, short topicReplication, List<Path> datasetDirs,
                     GrpcSecurity grpc, KafkaClients kafkaClients, Path s3CaFile, int healthGraceSeconds,
                     int metricsPort, boolean downloads, int drainSeconds,
                     JobWorker.Delivery jobDelivery, long shardCacheBytes) {

    public static final String KAFKA_BOOTSTRAP = "LT_KAFKA_BOOTSTRAP";
    public static final String S3_ENDPOINT = "LT_S3_ENDPOINT";
    public static final String S3_BUCKET = "LT_S3_BUCKET";
    public static final String S3_ACCESS_KEY = "LT_S3_ACCESS_KEY";
    public static final String S3_SECRET_KEY = "LT_S3_SECRET_KEY";
    public static final String S3_REGION = "LT_S3_REGION";
    public static final String GRPC_PORT = "LT_GRPC_PORT";
    public static final String WORK_DIR = "LT_WORK_DIR";
    public static final String DATA_DIR = "LT_DATA_DIR";
    public static final String INSTANCE = "LT_INSTANCE";
    public static final String AUGMENT_SHARDS = "LT_AUGMENT_SHARDS";
    public static final String TOPIC_PARTITIONS = "LT_TOPIC_PARTITIONS";
    public static final String TOPIC_REPLICATION = "LT_TOPIC_REPLICATION";
    public static final String S3_CA_FILE = "LT_S3_CA_FILE";
    public static final String HEALTH_GRACE_SECONDS = "LT_HEALTH_GRACE_SECONDS";
    public static final String DATASET_DIRS = "LT_DATASET_DIRS";
    public static final String METRICS_PORT = "LT_METRICS_PORT";
    public static final String DRAIN_SECONDS = "LT_DRAIN_SECONDS";
    /** The services' log format: text (default) or json, one object a line (read by logback.xml; checked at start). */
    public static final String LOG_FORMAT = "LT_LOG_FORMAT";
    public static final String DOWNLOADS = "LT_DOWNLOADS";
    public static final String SHARD_CACHE = "LT_SHARD_CACHE";
    public static final String JOB_DELIVERY = "LT_JOB_DELIVERY";
    /** The older name of {@link #JOB_DELIVERY}, when it was the trainers' alone; read where that is unset. */
    public static final String TRAIN_DELIVERY = "LT_TRAIN_DELIVERY";

    /** Default gRPC ports: sampler (with the run service) 50051, augment 50052, trainer 50053, evaluator 50054. */
    public static final int SAMPLER_PORT = 50051;
    public static final int AUGMENT_PORT = 50052;
    public static final int TRAINER_PORT = 50053;
    public static final int EVALUATOR_PORT = 50054;

    /** Default metrics ports, in the same order: sampler 9401, augment 9402, trainer 9403, evaluator 9404. */
    public static final int SAMPLER_METRICS_PORT = 9401;
    public static final int AUGMENT_METRICS_PORT = 9402;
    public static final int TRAINER_METRICS_PORT = 9403;
    public static final int EVALUATOR_METRICS_PORT = 9404;

    public Config {
        if (grpcPort < 0 || grpcPort > 65535) {
            throw new IllegalArgumentException(GRPC_PORT + " must be a port number, got " + grpcPort);
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new IllegalArgumentException(METRICS_PORT + " must be a port number (0: no metrics endpoint), got "
                    + metricsPort);
        }
        if (metricsPort != 0 && metricsPort == grpcPort) {
            throw new IllegalArgumentException(METRICS_PORT + " and " + GRPC_PORT + " are both " + grpcPort);
        }
        if (topicPartitions < 1 || topicReplication < 1) {
            throw new IllegalArgumentException(TOPIC_PARTITIONS + " and " + TOPIC_REPLICATION + " must be >= 1");
        }
        if (augmentShards < 1) {
            throw new IllegalArgumentException(AUGMENT_SHARDS + " must be >= 1, got " + augmentShards);
        }
        if (drainSeconds < 0) {
            throw new IllegalArgumentException(DRAIN_SECONDS + " must be a whole number of seconds >= 0, got " + drainSeconds);
        }
        if (shardCacheBytes < -1) {
            throw new IllegalArgumentException(SHARD_CACHE + " must be a size >= 0, got " + shardCacheBytes);
        }
        if (healthGraceSeconds < 1) {
            throw new IllegalArgumentException(HEALTH_GRACE_SECONDS + " must be >= 1, got " + healthGraceSeconds);
        }
        grpc = grpc == null ? GrpcSecurity.DEFAULT : grpc;
        jobDelivery = jobDelivery == null ? JobWorker.Delivery.SHARED : jobDelivery;
        kafkaClients = kafkaClients == null ? KafkaClients.NONE : kafkaClients;
        s3AccessKey = s3AccessKey == null || s3AccessKey.isBlank() ? null : s3AccessKey;
        s3SecretKey = s3SecretKey == null || s3SecretKey.isBlank() ? null : s3SecretKey;
        datasetDirs = datasetDirs == null ? List.of() : List.copyOf(datasetDirs);
        for (Path d : datasetDirs) {
            if (!d.isAbsolute()) {
                throw new IllegalArgumentException(DATASET_DIRS + " lists absolute directories, got '" + d + "'");
            }
        }
    }

    /**
     * From the process environment, {@code defaultPort} when {@value #GRPC_PORT} is not set and
     * {@code defaultMetricsPort} when {@value #METRICS_PORT} is not.
     */
    public static Config fromEnvironment(int defaultPort, int defaultMetricsPort) {
        return from(System.getenv(), defaultPort, defaultMetricsPort);
    }

    /** From {@code env}, with no metrics endpoint unless {@value #METRICS_PORT} names one (tests, {@code lt up}). */
    public static Config from(Map<String, String> env, int defaultPort) {
        return from(env, defaultPort, 0);
    }

    public static Config from(Map<String, String> env, int defaultPort, int defaultMetricsPort) {
        String home = System.getProperty("user.home");
        return new Config(
                get(env, KAFKA_BOOTSTRAP, "localhost:9092"),
                get(env, S3_ENDPOINT, "http://localhost:9000"),
                get(env, S3_BUCKET, "lttricks"),
                get(env, S3_ACCESS_KEY, null),
                get(env, S3_SECRET_KEY, null),
                get(env, S3_REGION, "us-east-1"),
                integer(env, GRPC_PORT, defaultPort),
                Path.of(get(env, WORK_DIR, Path.of(home, ".lttricks", "work").toString())),
                Path.of(get(env, DATA_DIR, Path.of(home, ".lttricks", "data").toString())),
                get(env, INSTANCE, hostName()),
                integer(env, AUGMENT_SHARDS, 8),
                integer(env, TOPIC_PARTITIONS, 8),
                (short) integer(env, TOPIC_REPLICATION, 1),
                paths(env, DATASET_DIRS),
                GrpcSecurity.from(env), KafkaClients.from(env), path(env, S3_CA_FILE),
                integer(env, HEALTH_GRACE_SECONDS, 60),
                integer(env, METRICS_PORT, defaultMetricsPort),
                onOff(env, DOWNLOADS, true),
                integer(env, DRAIN_SECONDS, 50),
                delivery(env, isBlank(env.get(JOB_DELIVERY)) && !isBlank(env.get(TRAIN_DELIVERY)) ? TRAIN_DELIVERY
                        : JOB_DELIVERY), shardCache(env));
    }

    public Config withGrpcPort(int port) {
        return new Config(kafkaBootstrap, s3Endpoint, s3Bucket, s3AccessKey, s3SecretKey, s3Region, port, workDir, dataDir,
                instance, augmentShards, topicPartitions, topicReplication, datasetDirs, grpc, kafkaClients, s3CaFile,
                healthGraceSeconds, metricsPort, downloads, drainSeconds, jobDelivery, shardCacheBytes);
    }

    public Config withInstance(String name) {
        return new Config(kafkaBootstrap, s3Endpoint, s3Bucket, s3AccessKey, s3SecretKey, s3Region, grpcPort, workDir,
                dataDir, name, augmentShards, topicPartitions, topicReplication, datasetDirs, grpc, kafkaClients, s3CaFile,
                healthGraceSeconds, metricsPort, downloads, drainSeconds, jobDelivery, shardCacheBytes);
    }

    /** The same, with the gRPC server's address, TLS and tokens {@code security}. */
    public Config withGrpc(GrpcSecurity security) {
        return new Config(kafkaBootstrap, s3Endpoint, s3Bucket, s3AccessKey, s3SecretKey, s3Region, grpcPort, workDir, dataDir,
                instance, augmentShards, topicPartitions, topicReplication, datasetDirs, security, kafkaClients, s3CaFile,
                healthGraceSeconds, metricsPort, downloads, drainSeconds, jobDelivery, shardCacheBytes);
    }

    /** The same, with storage credentials (which {@code lt up} makes for its embedded server). */
    public Config withS3Credentials(String accessKey, String secretKey) {
        return new Config(kafkaBootstrap, s3Endpoint, s3Bucket, accessKey, secretKey, s3Region, grpcPort, workDir, dataDir,
                instance, augmentShards, topicPartitions, topicReplication, datasetDirs, grpc, kafkaClients, s3CaFile,
                healthGraceSeconds, metricsPort, downloads, drainSeconds, jobDelivery, shardCacheBytes);
    }

    /** The same, with Kafka client settings {@code clients}. */
    public Config withKafkaClients(KafkaClients clients) {
        return new Config(kafkaBootstrap, s3Endpoint, s3Bucket, s3AccessKey, s3SecretKey, s3Region, grpcPort, workDir, dataDir,
                instance, augmentShards, topicPartitions, topicReplication, datasetDirs, grpc, clients, s3CaFile,
                healthGraceSeconds, metricsPort, downloads, drainSeconds, jobDelivery, shardCacheBytes);
    }

    /**
     * Fails, naming the settings, when storage credentials are not configured: there are no
     * built-in ones (only {@code lt up} makes some, for its own embedded server).
     */
    public void requireS3Credentials() {
        if (s3AccessKey == null || s3SecretKey == null) {
            throw new IllegalStateException("object storage credentials are not configured: set " + S3_ACCESS_KEY
                    + " and " + S3_SECRET_KEY + " (in Kubernetes from the Secret lttricks-storage; deploy/README.md)");
        }
    }

    /** Every setting, with the storage secret and the Kafka and gRPC secrets left out. */
    @Override
    public String toString() {
        return "Config[kafkaBootstrap=" + kafkaBootstrap + ", s3Endpoint=" + s3Endpoint + ", s3Bucket=" + s3Bucket
                + ", s3AccessKey=" + (s3AccessKey == null ? "(none)" : "(set)") + ", s3SecretKey="
                + (s3SecretKey == null ? "(none)" : "(set)") + ", s3Region=" + s3Region + ", grpcPort=" + grpcPort
                + ", workDir=" + workDir + ", dataDir=" + dataDir + ", instance=" + instance + ", augmentShards="
                + augmentShards + ", topicPartitions=" + topicPartitions + ", topicReplication=" + topicReplication
                + ", datasetDirs=" + datasetDirs
                + ", grpc=" + grpc + ", kafkaClients=" + kafkaClients + ", s3CaFile=" + s3CaFile
                + ", healthGraceSeconds=" + healthGraceSeconds + ", metricsPort=" + metricsPort + ", downloads=" + downloads + "]";
    }

    private static String get(Map<String, String> env, String key, String fallback) {
        String v = env.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static Path path(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }

    /** A list of paths separated by the platform's path separator (':'); empty when unset. */
    private static List<Path> paths(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(File.pathSeparator)).map(String::trim).filter(p -> !p.isEmpty())
                .map(Path::of).toList();
    }

    private static long shardCache(Map<String, String> env) {
        String v = env.get(SHARD_CACHE);
        if (isBlank(v)) {
            return -1;
        }
        return io.lttricks.core.data.ShardCache.parseSize(v, SHARD_CACHE);
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }

    private static boolean isBlank(String v) {
        return v == null || v.isBlank();
    }

    private static JobWorker.Delivery delivery(Map<String, String> env, String key) {
        String v = get(env, key, "shared").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "shared" -> JobWorker.Delivery.SHARED;
            case "partitions" -> JobWorker.Delivery.PARTITIONS;
            default -> throw new IllegalArgumentException(key + " must be shared (a Kafka share group, Kafka 4.2 or newer)"
                    + " or partitions (a classic consumer group), got '" + v + "'");
        };
    }

    private static boolean onOff(Map<String, String> env, String key, boolean fallback) {
        String v = env.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be on or off, got '" + v + "'");
        };
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "lttricks";
        }
    }
}
