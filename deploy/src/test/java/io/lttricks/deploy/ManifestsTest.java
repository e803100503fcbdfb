package io.lttricks.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lttricks.platform.Config;
import io.lttricks.platform.bus.Topics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every overlay rendered by kubectl kustomize and checked offline: strictly against the
 * Kubernetes, Strimzi and KEDA APIs, and for the facts that matter (probes and limits, the
 * autoscaler on the right consumer group, no secret in plain text, names shared with the code).
 */
class ManifestsTest {
    static final String GPU_OPTIONS = "src/test/resources/variants/gpu-options";
    static final String PROD_GPU = "src/test/resources/variants/prod-gpu";
    static final String PROD_TOPICS = "overlays/prod/kafka-topics";
    static final String UPLOAD = "jobs/upload";
    static final List<String> DIRS = List.of("base", "overlays/dev", "overlays/gpu", "overlays/prod", PROD_TOPICS, "jobs",
            UPLOAD, GPU_OPTIONS, PROD_GPU);
    /** Kinds that live outside namespaces (of those a kustomization here could hold). */
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "PriorityClass", "RuntimeClass",
            "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ClusterTriggerAuthentication");
    static final Map<String, Integer> PORTS = Map.of("sampler", Config.SAMPLER_PORT, "augment", Config.AUGMENT_PORT,
            "trainer", Config.TRAINER_PORT, "evaluator", Config.EVALUATOR_PORT);
    static final Map<String, Integer> METRICS_PORTS = Map.of("sampler", Config.SAMPLER_METRICS_PORT, "augment",
            Config.AUGMENT_METRICS_PORT, "trainer", Config.TRAINER_METRICS_PORT, "evaluator", Config.EVALUATOR_METRICS_PORT);
    static final Map<String, Rendered> RENDERED = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void render() throws Exception {
        String problem = Rendered.kubectlProblem();
        assumeTrue(problem == null, problem);
        for (String d : DIRS) {
            RENDERED.put(d, Rendered.of(d));
        }
    }

    static List<JsonNode> workloads(Rendered r) {
        List<JsonNode> w = new ArrayList<>(r.ofKind("Deployment"));
        w.addAll(r.ofKind("StatefulSet"));
        return w;
    }

    @Test
    void everyObjectIsValidAgainstItsApi() {
        List<String> problems = new ArrayList<>();
        for (Rendered r : RENDERED.values()) {
            assertFalse(r.objects().isEmpty(), r.name());
            for (JsonNode o : r.objects()) {
                for (String p : StrictModels.problems(o)) {
                    problems.add(r.name() + ": " + p);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void strictnessCatchesTypos() throws Exception {
        JsonNode bad = Rendered.YAML.readTree("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
                + "spec:\n  replicas: 1\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
                + "    spec:\n      containers:\n        - name: c\n          image: i\n          resourcez: {}\n");
        assertFalse(StrictModels.problems(bad).isEmpty(), "a misspelt field must be reported");
        JsonNode keda = Rendered.YAML.readTree("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\n"
                + "spec:\n  scaleTargetRef: {name: augment}\n  maxReplicas: 3\n  triggers: [{type: kafka, metadata: {lagThreshold: 2}}]\n");
        assertEquals(2, StrictModels.problems(keda).size(), StrictModels.problems(keda).toString());
    }

    @Test
    void everyWorkloadHasProbesLimitsAndRunsUnprivileged() {
        for (Rendered r : RENDERED.values()) {
            for (JsonNode w : workloads(r)) {
                String where = r.name() + " " + w.path("kind").asText() + "/" + w.path("metadata").path("name").asText();
                JsonNode pod = w.path("spec").path("template").path("spec");
                assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), where + " runs as non-root");
                for (JsonNode c : pod.path("containers")) {
                    assertTrue(c.has("readinessProbe"), where + " readiness probe");
                    assertTrue(c.has("livenessProbe"), where + " liveness probe");
                    for (String kind : List.of("requests", "limits")) {
                        assertTrue(c.path("resources").path(kind).has("cpu") && c.path("resources").path(kind).has("memory"),
                                where + " resources." + kind);
                    }
                    assertFalse(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true),
                            where + " no privilege escalation");
                }
            }
        }
    }

    @Test
    void servicesProbeTheirOwnGrpcHealthOnTheConfiguredPorts() {
        Rendered base = RENDERED.get("base");
        for (Map.Entry<String, Integer> e : PORTS.entrySet()) {
            JsonNode c = base.one("Deployment", e.getKey()).path("spec").path("template").path("spec").path("containers").get(0);
            int port = e.getValue();
            assertEquals(port, c.path("ports").get(0).path("containerPort").asInt());
            assertEquals(port, c.path("readinessProbe").path("grpc").path("port").asInt());
            assertEquals(port, c.path("livenessProbe").path("grpc").path("port").asInt());
            assertTrue(c.path("readinessProbe").path("grpc").path("service").asText().startsWith("lttricks.v1."));
            assertEquals(io.lttricks.platform.grpc.GrpcServer.LIVENESS, c.path("livenessProbe").path("grpc").path("service").asText(),
                    e.getKey() + ": liveness asks whether the process works, not whether Kafka answers");
            assertEquals(String.valueOf(port), env(c, Config.GRPC_PORT));
            assertEquals("lttricks-grpc", secretOf(c, io.lttricks.platform.grpc.GrpcSecurity.TOKENS),
                    e.getKey() + " listens on every interface: it needs its tokens, from the Secret lttricks-grpc");
            assertEquals(port, base.one("Service", e.getKey()).path("spec").path("ports").get(0).path("port").asInt());
            assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), e.getKey());
        }
    }

    /**
     * In every overlay, each service's container serves its metrics on a port named "metrics", the
     * one its {@value Config#METRICS_PORT} says (the code's default for it), and its Service
     * publishes that port under the same name, for a ServiceMonitor to name.
     */
    @Test
    void everyServiceExposesItsMetricsPortNamedMetrics() {
        for (String d : List.of("base", "overlays/dev", "overlays/gpu", "overlays/prod", PROD_GPU)) {
            Rendered r = RENDERED.get(d);
            for (Map.Entry<String, Integer> e : METRICS_PORTS.entrySet()) {
                String where = d + ": " + e.getKey();
                List<JsonNode> containers = new ArrayList<>();
                r.one("Deployment", e.getKey()).path("spec").path("template").path("spec").path("containers")
                        .forEach(containers::add);
                assertEquals(1, containers.size(), where);
                JsonNode c = containers.get(0);
                List<JsonNode> named = new ArrayList<>();
                c.path("ports").forEach(p -> {
                    if (p.path("name").asText().equals("metrics")) {
                        named.add(p);
                    }
                });
                assertEquals(1, named.size(), where + ": one container port named metrics");
                assertEquals(e.getValue().intValue(), named.get(0).path("containerPort").asInt(), where);
                assertEquals(String.valueOf(e.getValue()), env(c, Config.METRICS_PORT), where);
                JsonNode svcPort = null;
                for (JsonNode p : r.one("Service", e.getKey()).path("spec").path("ports")) {
                    if (p.path("name").asText().equals("metrics")) {
                        svcPort = p;
                    }
                }
                assertTrue(svcPort != null, where + ": the Service publishes the metrics port");
                assertEquals("metrics", svcPort.path("targetPort").asText(), where);
            }
        }
    }

    /**
     * Prod is scraped: its ServiceMonitor selects exactly the four services' Services in their
     * namespace, on the port named metrics at /metrics.
     */
    @Test
    void theServiceMonitorSelectsTheServices() {
        for (String d : List.of("overlays/prod", PROD_GPU)) {
            Rendered r = RENDERED.get(d);
            List<JsonNode> monitors = r.ofKind("ServiceMonitor");
            assertEquals(1, monitors.size(), d);
            JsonNode spec = monitors.get(0).path("spec");
            Set<String> namespaces = new TreeSet<>();
            spec.path("namespaceSelector").path("matchNames").forEach(n -> namespaces.add(n.asText()));
            Set<String> selected = new TreeSet<>();
            for (JsonNode svc : r.ofKind("Service")) {
                Map<String, String> labels = Policies.labels(svc.path("metadata").path("labels"));
                if (namespaces.contains(svc.path("metadata").path("namespace").asText())
                        && Policies.matches(spec.path("selector"), labels)) {
                    selected.add(svc.path("metadata").path("name").asText());
                }
            }
            assertEquals(new TreeSet<>(METRICS_PORTS.keySet()), selected, d);
            assertEquals(1, spec.path("endpoints").size(), d);
            JsonNode endpoint = spec.path("endpoints").get(0);
            assertEquals("metrics", endpoint.path("port").asText(), d);
            assertEquals(io.lttricks.platform.ops.ServiceMetrics.PATH, endpoint.path("path").asText(), d);
        }
        for (String d : List.of("base", "overlays/dev", "overlays/gpu")) {
            assertTrue(RENDERED.get(d).ofKind("ServiceMonitor").isEmpty(), d + ": no Prometheus Operator assumed");
        }
    }

    /**
     * Augment (from zero) and evaluators (from two) scale on the sampler's count of their waiting
     * work, as the trainers do: their jobs go through share groups, which have no lag.
     */
    @Test
    void augmentAndEvaluatorsScaleOnTheWorkWaitingForThem() {
        Rendered r = RENDERED.get("overlays/prod");
        for (String[] c : new String[][] {{"augment", "augment.wanted", "0"}, {"evaluator", "eval.wanted", "2"}}) {
            JsonNode so = r.one("ScaledObject", c[0]);
            assertEquals(c[0], so.path("spec").path("scaleTargetRef").path("name").asText());
            assertEquals(1, so.path("spec").path("triggers").size(), c[0]);
            JsonNode t = so.path("spec").path("triggers").get(0);
            assertEquals("metrics-api", t.path("type").asText(), c[0]);
            assertTrue(t.path("metadata").path("url").asText().endsWith(":9401" + io.lttricks.coordinator.StageQueue.PATH),
                    c[0] + ": the sampler's count");
            assertEquals(c[1], t.path("metadata").path("valueLocation").asText(), c[0]);
            assertEquals("1", t.path("metadata").path("targetValue").asText(), c[0] + ": one replica per job");
            assertEquals(Integer.parseInt(c[2]), so.path("spec").path("minReplicaCount").asInt(-1), c[0]);
            assertTrue(r.one("Deployment", c[0]).path("spec").path("replicas").isMissingNode(),
                    c[0] + ": KEDA owns the replica count");
        }
        JsonNode hpa = RENDERED.get("overlays/dev").one("HorizontalPodAutoscaler", "augment");
        assertEquals("augment", hpa.path("spec").path("scaleTargetRef").path("name").asText());
    }

    /** Every overlay whose scalers read the sampler's count lets KEDA's operator in (components/keda-stage-count). */
    @Test
    void everyOverlayThatScalesOnTheCountLetsKedaReadIt() {
        for (Rendered r : RENDERED.values()) {
            boolean reads = r.ofKind("ScaledObject").stream().anyMatch(so -> {
                for (JsonNode t : so.path("spec").path("triggers")) {
                    if (t.path("type").asText().equals("metrics-api")) {
                        return true;
                    }
                }
                return false;
            });
            if (reads) {
                assertFalse(r.ofKind("NetworkPolicy").stream().noneMatch(p -> p.path("metadata").path("name").asText()
                        .equals("stage-count-from-keda")), r.name() + ": add ../../components/keda-stage-count");
            }
        }
    }

    @Test
    void prodTopicsAreExactlyTheOnesTheCodeUses() {
        Set<String> names = new TreeSet<>();
        assertTrue(RENDERED.get("overlays/prod").ofKind("KafkaTopic").isEmpty(), "topics live in the Kafka cluster's namespace");
        for (JsonNode t : RENDERED.get(PROD_TOPICS).ofKind("KafkaTopic")) {
            names.add(t.path("metadata").path("name").asText());
            assertEquals("kafka", t.path("metadata").path("namespace").asText());
            assertTrue(t.path("spec").path("replicas").asInt() >= 3);
        }
        assertEquals(new TreeSet<>(Topics.ALL), names);
        assertEquals("compact", RENDERED.get(PROD_TOPICS).one("KafkaTopic", Topics.RUN_STATE)
                .path("spec").path("config").path("cleanup.policy").asText());
        String job = RENDERED.get("overlays/dev").one("Job", "create-topics").toString();
        for (String t : Topics.ALL) {
            assertTrue(job.contains(t), "the dev topic job creates " + t);
        }
    }

    @Test
    void noSecretValueIsInPlainText() {
        for (Rendered r : RENDERED.values()) {
            assertTrue(r.ofKind("Secret").isEmpty(), r.name() + " must not carry Secret objects");
            for (JsonNode w : workloads(r)) {
                for (JsonNode c : w.path("spec").path("template").path("spec").path("containers")) {
                    for (JsonNode e : c.path("env")) {
                        String n = e.path("name").asText().toUpperCase(java.util.Locale.ROOT);
                        if (n.contains("SECRET") || n.contains("PASSWORD") || n.contains("ACCESS_KEY") || n.contains("ROOT_USER")
                                || n.contains("TOKEN") || n.contains("JAAS")) {
                            assertTrue(e.path("valueFrom").has("secretKeyRef"), r.name() + ": " + n + " must come from a Secret");
                            assertFalse(e.has("value"), r.name() + ": " + n + " has a literal value");
                        }
                    }
                }
            }
            for (JsonNode cm : r.ofKind("ConfigMap")) {
                for (Iterator<String> it = cm.path("data").fieldNames(); it.hasNext(); ) {
                    String k = it.next().toUpperCase(java.util.Locale.ROOT);
                    assertFalse(k.contains("SECRET") || k.contains("PASSWORD") || k.contains("ACCESS_KEY") || k.contains("TOKEN")
                            || k.contains("JAAS"),
                            r.name() + ": ConfigMap key " + k);
                }
            }
        }
    }

    @Test
    void configMapKeysAreSettingsTheServicesRead() throws Exception {
        Set<String> known = new HashSet<>();
        for (Class<?> settings : List.of(Config.class, io.lttricks.platform.grpc.GrpcSecurity.class,
                io.lttricks.platform.bus.KafkaClients.class)) {
            for (Field f : settings.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                    known.add((String) f.get(null));
                }
            }
        }
        known.addAll(Set.of("LT_CACHE_DIR", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "DJL_OFFLINE", "HOME", "JAVA_TOOL_OPTIONS"));
        for (Rendered r : RENDERED.values()) {
            for (JsonNode cm : r.ofKind("ConfigMap")) {
                if (!cm.path("metadata").path("name").asText().equals("lttricks-config")) {
                    continue;
                }
                for (Iterator<String> it = cm.path("data").fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    assertTrue(known.contains(k) || k.matches("LT_KAFKA_(SECURITY|SASL|SSL)_[A-Z_]+"),
                            r.name() + ": " + k + " is not a setting the services read");
                }
            }
        }
    }

    @Test
    void gpuTrainersAskForAGpuAndFindLibtorch() {
        JsonNode c = RENDERED.get("overlays/gpu").one("Deployment", "trainer").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("1", c.path("resources").path("limits").path("nvidia.com/gpu").asText());
        assertEquals("cu128", env(c, "PYTORCH_FLAVOR"));
        assertEquals("2.7.1", env(c, "PYTORCH_VERSION"));
        assertTrue(c.path("image").asText().contains("trainer-service-gpu"));
    }

    @Test
    void everythingIsDeniedUnlessAllowed() {
        for (String d : List.of("base", "overlays/dev", "overlays/gpu", "overlays/prod")) {
            JsonNode deny = RENDERED.get(d).one("NetworkPolicy", "default-deny");
            assertTrue(deny.path("spec").path("podSelector").isEmpty());
            assertEquals(2, deny.path("spec").path("policyTypes").size());
        }
        JsonNode submit = RENDERED.get("jobs").one("Job", "submit-run");
        assertEquals("true", submit.path("spec").path("template").path("metadata").path("labels")
                .path("lttricks.io/client").asText(), "the submit job may reach the run service");
        assertEquals("lttricks-grpc", secretOf(submit.path("spec").path("template").path("spec").path("containers").get(0),
                "LT_TOKEN"), "the submit job sends the services' token");
    }

    /** What a Kafka bootstrap address of a Strimzi cluster says: {cluster, namespace}. */
    static String[] strimziCluster(String bootstrap) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([a-z0-9-]+)-kafka-bootstrap\\.([a-z0-9-]+)\\.svc")
                .matcher(bootstrap);
        assertTrue(m.find(), bootstrap + " is a Strimzi bootstrap address (CLUSTER-kafka-bootstrap.NAMESPACE.svc)");
        return new String[] {m.group(1), m.group(2)};
    }

    /**
     * Storage over https inside the cluster (a MinIO with its own CA, as prod's) is trusted through
     * the CA file the configuration names, mounted from a Secret into every pod that reads the
     * configuration (issue 28 item 3).
     */
    @Test
    void httpsStorageIsTrustedThroughAMountedCa() {
        int checked = 0;
        for (Rendered r : RENDERED.values()) {
            if (r.ofKind("ConfigMap").stream().noneMatch(c -> c.path("metadata").path("name").asText().equals("lttricks-config"))) {
                continue;
            }
            Map<String, String> c = config(r);
            String endpoint = c.getOrDefault(Config.S3_ENDPOINT, "");
            if (!endpoint.startsWith("https://") || !endpoint.contains(".svc")) {
                continue;
            }
            String ca = c.get(Config.S3_CA_FILE);
            assertTrue(ca != null && ca.startsWith("/"), r.name() + ": " + endpoint + " needs " + Config.S3_CA_FILE
                    + " (components/s3-private-ca)");
            String mountDir = ca.substring(0, ca.lastIndexOf('/'));
            for (JsonNode d : r.ofKind("Deployment")) {
                JsonNode pod = d.path("spec").path("template").path("spec");
                JsonNode container = pod.path("containers").get(0);
                String where = r.name() + " Deployment/" + d.path("metadata").path("name").asText();
                String volume = null;
                for (JsonNode m : container.path("volumeMounts")) {
                    if (m.path("mountPath").asText().equals(mountDir)) {
                        volume = m.path("name").asText();
                    }
                }
                assertTrue(volume != null, where + ": nothing mounted at " + mountDir);
                boolean fromSecret = false;
                for (JsonNode v : pod.path("volumes")) {
                    if (v.path("name").asText().equals(volume) && v.has("secret")) {
                        for (JsonNode item : v.path("secret").path("items")) {
                            fromSecret |= ca.endsWith("/" + item.path("path").asText());
                        }
                    }
                }
                assertTrue(fromSecret, where + ": " + ca + " comes from a Secret's item");
                checked++;
            }
        }
        assertTrue(checked >= 4, "the prod overlays' services: " + checked);
    }

    static Map<String, String> config(Rendered r) {
        Map<String, String> out = new java.util.HashMap<>();
        r.one("ConfigMap", "lttricks-config").path("data").fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static List<JsonNode> podTemplates(Rendered r) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode o : r.objects()) {
            if (Set.of("Deployment", "StatefulSet", "Job", "DaemonSet").contains(o.path("kind").asText())) {
                out.add(o);
            }
        }
        return out;
    }

    static java.math.BigDecimal quantity(JsonNode q) {
        return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(q.asText()));
    }

    /**
     * {@code kubectl apply -k DIR} and {@code kubectl apply -k DIR -n NS} both work: every
     * namespaced object says its namespace, and all of one kustomization share it. The services'
     * objects are in the namespace the base creates; the KafkaTopics in their Kafka cluster's.
     */
    @Test
    void everyNamespacedObjectHasItsNamespace() {
        String app = RENDERED.get("base").ofKind("Namespace").get(0).path("metadata").path("name").asText();
        List<String> problems = new ArrayList<>();
        for (Rendered r : RENDERED.values()) {
            Set<String> namespaces = new TreeSet<>();
            for (JsonNode o : r.objects()) {
                if (CLUSTER_SCOPED.contains(o.path("kind").asText())) {
                    continue;
                }
                String ns = o.path("metadata").path("namespace").asText();
                if (ns.isEmpty()) {
                    problems.add(r.name() + ": " + o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()
                            + " has no namespace");
                } else {
                    namespaces.add(ns);
                }
            }
            if (namespaces.size() > 1) {
                problems.add(r.name() + ": objects in several namespaces " + namespaces + " (kubectl apply -k -n fails)");
            }
            String expected = r.name().equals(PROD_TOPICS)
                    ? strimziCluster(config(RENDERED.get("overlays/prod")).get(Config.KAFKA_BOOTSTRAP))[1] : app;
            if (!namespaces.isEmpty() && !namespaces.equals(Set.of(expected))) {
                problems.add(r.name() + ": namespace " + namespaces + ", expected " + expected);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        String cluster = strimziCluster(config(RENDERED.get("overlays/prod")).get(Config.KAFKA_BOOTSTRAP))[0];
        for (JsonNode t : RENDERED.get(PROD_TOPICS).ofKind("KafkaTopic")) {
            assertEquals(cluster, t.path("metadata").path("labels").path("strimzi.io/cluster").asText(),
                    "the topic operator of the cluster that LT_KAFKA_BOOTSTRAP names keeps " + t.path("metadata").path("name"));
        }
    }

    /**
     * Every container, of every pod template in every kustomization, requests and limits CPU,
     * memory and ephemeral storage (requests no higher than limits); every emptyDir has a size
     * limit, and a pod's ephemeral-storage limits hold its emptyDirs (else the kubelet evicts the
     * pod before a volume reaches its size limit). In prod the requests reserve the emptyDirs too.
     */
    @Test
    void everyContainerHasRequestsAndLimitsIncludingEphemeralStorage() {
        List<String> problems = new ArrayList<>();
        for (Rendered r : RENDERED.values()) {
            for (JsonNode w : podTemplates(r)) {
                String where = r.name() + " " + w.path("kind").asText() + "/" + w.path("metadata").path("name").asText();
                JsonNode pod = w.path("spec").path("template").path("spec");
                java.math.BigDecimal volumes = java.math.BigDecimal.ZERO;
                for (JsonNode v : pod.path("volumes")) {
                    if (v.has("emptyDir")) {
                        if (!v.path("emptyDir").has("sizeLimit")) {
                            problems.add(where + ": emptyDir " + v.path("name").asText() + " has no sizeLimit");
                        } else {
                            volumes = volumes.add(quantity(v.path("emptyDir").path("sizeLimit")));
                        }
                    }
                }
                java.math.BigDecimal requested = java.math.BigDecimal.ZERO;
                java.math.BigDecimal limited = java.math.BigDecimal.ZERO;
                List<JsonNode> containers = new ArrayList<>();
                pod.path("initContainers").forEach(containers::add);
                pod.path("containers").forEach(containers::add);
                for (JsonNode c : containers) {
                    JsonNode res = c.path("resources");
                    for (String resource : List.of("cpu", "memory", "ephemeral-storage")) {
                        if (!res.path("requests").has(resource) || !res.path("limits").has(resource)) {
                            problems.add(where + " container " + c.path("name").asText() + ": no " + resource
                                    + " request and limit");
                        } else if (quantity(res.path("requests").path(resource)).compareTo(quantity(res.path("limits").path(resource))) > 0) {
                            problems.add(where + " container " + c.path("name").asText() + ": " + resource
                                    + " request above its limit");
                        }
                    }
                    if (res.path("requests").has("ephemeral-storage") && res.path("limits").has("ephemeral-storage")) {
                        requested = requested.add(quantity(res.path("requests").path("ephemeral-storage")));
                        limited = limited.add(quantity(res.path("limits").path("ephemeral-storage")));
                    }
                }
                if (limited.compareTo(volumes) < 0) {
                    problems.add(where + ": ephemeral-storage limits " + limited + " below its emptyDirs' size limits " + volumes);
                }
                if (r.name().startsWith("overlays/prod") && requested.compareTo(volumes) < 0) {
                    problems.add(where + ": ephemeral-storage requests " + requested + " below its emptyDirs' size limits " + volumes);
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * Every service keeps whole shards of streamed data sets in a cache on its work volume, whose
     * limit the file system does not report (it reports the node's disk): each Deployment sets
     * {@value Config#SHARD_CACHE}, and it leaves a fifth of the volume's sizeLimit for everything
     * else the work directory holds, in every overlay.
     */
    @Test
    void everyShardCacheFitsItsVolume() {
        List<String> problems = new ArrayList<>();
        int seen = 0;
        for (Rendered r : RENDERED.values()) {
            for (JsonNode d : r.ofKind("Deployment")) {
                String name = d.path("metadata").path("name").asText();
                if (!PORTS.containsKey(name)) {
                    continue;
                }
                JsonNode pod = d.path("spec").path("template").path("spec");
                JsonNode c = pod.path("containers").get(0);
                String cache = null;
                for (JsonNode e : c.path("env")) {
                    if (e.path("name").asText().equals(Config.SHARD_CACHE)) {
                        cache = e.path("value").asText();
                    }
                }
                String where = r.name() + " Deployment/" + name;
                if (cache == null) {
                    problems.add(where + ": no " + Config.SHARD_CACHE);
                    continue;
                }
                String volume = null;
                for (JsonNode m : c.path("volumeMounts")) {
                    if ("/var/lib/lttricks".equals(m.path("mountPath").asText())) {
                        volume = m.path("name").asText();
                    }
                }
                JsonNode limit = null;
                for (JsonNode v : pod.path("volumes")) {
                    if (v.path("name").asText().equals(volume)) {
                        limit = v.path("emptyDir").path("sizeLimit");
                    }
                }
                if (limit == null || limit.isMissingNode()) {
                    problems.add(where + ": its work volume has no sizeLimit to check " + Config.SHARD_CACHE + " against");
                    continue;
                }
                java.math.BigDecimal bytes = java.math.BigDecimal.valueOf(
                        io.lttricks.core.data.ShardCache.parseSize(cache, Config.SHARD_CACHE));
                if (bytes.compareTo(quantity(limit).multiply(new java.math.BigDecimal("0.8"))) > 0) {
                    problems.add(where + ": " + Config.SHARD_CACHE + " " + cache + " is more than 80% of its work volume ("
                            + limit.asText() + ")");
                }
                seen++;
            }
        }
        assertTrue(seen >= 4, "service Deployments checked: " + seen);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * The topics' shape has one source, the ConfigMap (LT_TOPIC_PARTITIONS, LT_TOPIC_REPLICATION),
     * which the services create missing topics with: the dev topic Job reads it, and every prod
     * KafkaTopic carries the same numbers, so the topic is the same whoever creates it first; but
     * the topics of long jobs have one partition ({@code Topics.partitions}), which their workers share.
     */
    @Test
    void topicsHaveTheShapeTheServicesWouldCreate() {
        Map<String, String> prod = config(RENDERED.get("overlays/prod"));
        for (JsonNode t : RENDERED.get(PROD_TOPICS).ofKind("KafkaTopic")) {
            String name = t.path("metadata").path("name").asText();
            assertEquals(Topics.SHARED_TOPICS.containsKey(name) ? "1" : prod.get(Config.TOPIC_PARTITIONS),
                    t.path("spec").path("partitions").asText(), name + " partitions (the topics of long jobs: one, shared"
                    + " by their workers' share group, as Topics.partitions says)");
            assertEquals(prod.get(Config.TOPIC_REPLICATION), t.path("spec").path("replicas").asText(), name + " replicas");
        }
        JsonNode job = RENDERED.get("overlays/dev").one("Job", "create-topics").path("spec").path("template").path("spec")
                .path("containers").get(0);
        Set<String> fromConfig = new TreeSet<>();
        for (JsonNode e : job.path("env")) {
            JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
            if (ref.path("name").asText().equals("lttricks-config") && ref.path("key").asText().equals(e.path("name").asText())) {
                fromConfig.add(e.path("name").asText());
            }
        }
        assertEquals(new TreeSet<>(Set.of(Config.KAFKA_BOOTSTRAP, Config.TOPIC_PARTITIONS, Config.TOPIC_REPLICATION)), fromConfig);
        String script = job.path("args").toString();
        assertFalse(script.replace("--topic $topic --partitions 1", "")
                .matches("(?s).*--(partitions|replication-factor)\\s+\\d.*"), "no partition count of its own: " + script);
        java.util.regex.Matcher one = java.util.regex.Pattern.compile("for topic in ([a-z. -]+); do[^d]*--topic \\$topic"
                + " --partitions 1 ").matcher(script);
        assertTrue(one.find(), "a loop creating topics with one partition: " + script);
        assertEquals(new TreeSet<>(Topics.SHARED_TOPICS.keySet()), new TreeSet<>(List.of(one.group(1).trim().split(" "))),
                "the topics of long jobs have one partition");
    }

    /**
     * What an operator's cluster needs (issue 28, deployment fixes): no download is tried where no
     * pod may reach the internet; a GPU trainer schedules on a common 16-vCPU GPU node and is
     * replaced without a surge pod; every pod has the lttricks priority class (never preempting);
     * replicated services spread over nodes.
     */
    @Test
    void deploymentsFitTheClustersTheyRunOn() {
        for (Rendered r : RENDERED.values()) {
            if (r.ofKind("Deployment").isEmpty()) {
                continue;
            }
            assertEquals("off", config(r).get(Config.DOWNLOADS), r.name() + ": the policies admit no internet");
            JsonNode pc = r.one("PriorityClass", "lttricks");
            assertEquals("Never", pc.path("preemptionPolicy").asText(), r.name());
            assertTrue(pc.path("metadata").path("namespace").isMissingNode(), r.name() + ": a PriorityClass has no namespace");
            for (String name : List.of("sampler", "augment", "trainer", "evaluator")) {
                JsonNode pod = r.one("Deployment", name).path("spec").path("template").path("spec");
                assertEquals("lttricks", pod.path("priorityClassName").asText(), r.name() + " " + name);
                if (!name.equals("trainer")) {
                    JsonNode spread = pod.path("topologySpreadConstraints").get(0);
                    assertEquals("kubernetes.io/hostname", spread.path("topologyKey").asText(), r.name() + " " + name);
                    assertEquals(name, spread.path("labelSelector").path("matchLabels").path("app.kubernetes.io/name").asText(),
                            r.name() + " " + name + ": the spread counts this service's pods");
                    assertEquals("ScheduleAnyway", spread.path("whenUnsatisfiable").asText(), r.name() + " " + name
                            + ": one node is still enough");
                }
            }
        }
        for (String d : List.of("overlays/gpu", PROD_GPU)) {
            JsonNode trainer = RENDERED.get(d).one("Deployment", "trainer");
            JsonNode rolling = trainer.path("spec").path("strategy").path("rollingUpdate");
            assertEquals(0, rolling.path("maxSurge").asInt(-1), d + ": no surge pod on a GPU node");
            JsonNode res = trainer.path("spec").path("template").path("spec").path("containers").get(0).path("resources");
            double cpu = Double.parseDouble(res.path("requests").path("cpu").asText());
            assertTrue(cpu <= 14, d + ": a CPU request of " + cpu + " leaves a 16-vCPU node no room for the kubelet's"
                    + " reservation and DaemonSets");
            assertTrue(Double.parseDouble(res.path("limits").path("cpu").asText()) >= cpu, d);
            assertEquals("1", res.path("requests").path("nvidia.com/gpu").asText(), d);
        }
    }

    /** Strimzi's v1beta2 API is going away: KafkaTopics use kafka.strimzi.io/v1, which the model validates. */
    @Test
    void strimziResourcesUseTheV1Api() {
        assertTrue(io.strimzi.api.kafka.model.topic.KafkaTopic.VERSIONS.contains("v1"),
                "the Strimzi model the tests validate against knows v1: " + io.strimzi.api.kafka.model.topic.KafkaTopic.VERSIONS);
        int topics = 0;
        for (Rendered r : RENDERED.values()) {
            for (JsonNode o : r.objects()) {
                if (o.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                    assertEquals("kafka.strimzi.io/v1", o.path("apiVersion").asText(), r.name() + " " + o.path("metadata").path("name"));
                    topics++;
                }
            }
        }
        assertEquals(Topics.ALL.size(), topics);
    }

    /**
     * In the gpu and prod overlays the trainers follow the stages waiting or training (the
     * sampler's count, read by KEDA's metrics-api scaler: the trainers' share group has no consumer
     * lag) from zero; KEDA, not the manifest, owns their replica count; KEDA may read the count
     * through the network policies; and a trainer told to stop has time to finish its epoch and
     * store a checkpoint.
     */
    @Test
    void trainersScaleFromZeroOnTheStagesQueuedOrTraining() {
        for (String d : List.of("overlays/gpu", "overlays/prod", PROD_GPU)) {
            Rendered r = RENDERED.get(d);
            JsonNode so = r.one("ScaledObject", "trainer");
            JsonNode trainer = r.one("Deployment", "trainer");
            String namespace = trainer.path("metadata").path("namespace").asText();
            assertEquals(namespace, so.path("metadata").path("namespace").asText(), d);
            assertEquals("trainer", so.path("spec").path("scaleTargetRef").path("name").asText(), d);
            assertEquals(0, so.path("spec").path("minReplicaCount").asInt(-1), d + ": no trainer while nothing trains");
            assertEquals(1, so.path("spec").path("triggers").size(), d);
            JsonNode trigger = so.path("spec").path("triggers").get(0);
            assertEquals("metrics-api", trigger.path("type").asText(), d);
            JsonNode t = trigger.path("metadata");
            JsonNode sampler = r.one("Service", "sampler");
            int metricsPort = -1;
            for (JsonNode p : sampler.path("spec").path("ports")) {
                if (p.path("name").asText().equals("metrics")) {
                    metricsPort = p.path("port").asInt();
                }
            }
            assertEquals("http://sampler." + namespace + ".svc.cluster.local:" + metricsPort
                    + io.lttricks.coordinator.StageQueue.PATH, t.path("url").asText(), d + ": the sampler's stage count");
            assertEquals("train.wanted", t.path("valueLocation").asText(), d);
            assertEquals("1", t.path("targetValue").asText(), d + ": one trainer per stage");
            assertEquals("shared", config(r).getOrDefault(Config.JOB_DELIVERY, "shared"), d + ": the trainers share stages");
            JsonNode keda = r.one("NetworkPolicy", "stage-count-from-keda");
            assertEquals("sampler", keda.path("spec").path("podSelector").path("matchLabels").path("app.kubernetes.io/name")
                    .asText(), d);
            assertEquals("metrics", keda.path("spec").path("ingress").get(0).path("ports").get(0).path("port").asText(), d);
            int max = so.path("spec").path("maxReplicaCount").asInt();
            assertTrue(max >= 1, d + ": maxReplicaCount " + max);
            assertTrue(trainer.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt() >= 900,
                    d + ": a trainer has time to finish an epoch and store a checkpoint");
        }
        assertTrue(RENDERED.get("overlays/dev").ofKind("ScaledObject").isEmpty(), "dev needs no KEDA");
    }

    /**
     * Every trainer pod lets its trainer drain (finish the epoch, store it) for LT_DRAIN_SECONDS,
     * and that is shorter than the grace period, so Kubernetes does not kill it mid-checkpoint; the
     * scale-from-zero overlays give most of their long grace period to it.
     */
    @Test
    void trainersDrainWithinTheirGracePeriod() {
        for (Rendered r : RENDERED.values()) {
            for (JsonNode d : r.ofKind("Deployment")) {
                if (!d.path("metadata").path("name").asText().equals("trainer")) {
                    continue;
                }
                JsonNode pod = d.path("spec").path("template").path("spec");
                int grace = pod.path("terminationGracePeriodSeconds").asInt(30);
                List<String> drains = new java.util.ArrayList<>();
                pod.path("containers").get(0).path("env").forEach(e -> {
                    if (e.path("name").asText().equals(Config.DRAIN_SECONDS)) {
                        drains.add(e.path("value").asText());
                    }
                });
                assertEquals(1, drains.size(), r.name() + ": one " + Config.DRAIN_SECONDS);
                int drain = Integer.parseInt(drains.get(0));
                assertTrue(drain > 0 && drain + 10 <= grace, r.name() + ": drain " + drain + " s within the grace period " + grace + " s");
                if (grace >= 900) {
                    assertTrue(drain >= grace * 0.9, r.name() + ": a long grace period is for the drain, got " + drain);
                }
            }
        }
    }

    /** A Deployment an autoscaler owns declares no replica count, which every apply would reset. */
    @Test
    void autoscaledDeploymentsDeclareNoReplicas() {
        int scaled = 0;
        for (Rendered r : RENDERED.values()) {
            List<JsonNode> scalers = new ArrayList<>(r.ofKind("ScaledObject"));
            scalers.addAll(r.ofKind("HorizontalPodAutoscaler"));
            for (JsonNode s : scalers) {
                String target = s.path("spec").path("scaleTargetRef").path("name").asText();
                assertFalse(r.one("Deployment", target).path("spec").has("replicas"),
                        r.name() + ": Deployment " + target + " is scaled by " + s.path("kind").asText());
                scaled++;
            }
        }
        assertTrue(scaled >= 5, "augment in dev, gpu and prod, trainers in gpu and prod");
    }

    /**
     * GPU placement by the nvidia.com/gpu request alone; the GPU Feature Discovery node label and
     * the "nvidia" RuntimeClass are options (components) for the clusters that have them.
     */
    @Test
    void gpuNodeLabelAndRuntimeClassAreOptions() {
        JsonNode plain = RENDERED.get("overlays/gpu").one("Deployment", "trainer").path("spec").path("template").path("spec");
        assertFalse(plain.has("nodeSelector"), "nvidia.com/gpu.present exists only where GPU Feature Discovery runs");
        assertFalse(plain.has("runtimeClassName"), "a RuntimeClass that does not exist would reject the pod");
        JsonNode options = RENDERED.get(GPU_OPTIONS).one("Deployment", "trainer").path("spec").path("template").path("spec");
        assertEquals("true", options.path("nodeSelector").path("nvidia.com/gpu.present").asText());
        assertEquals("nvidia", options.path("runtimeClassName").asText());
        JsonNode prodGpu = RENDERED.get(PROD_GPU).one("Deployment", "trainer").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertEquals("1", prodGpu.path("resources").path("limits").path("nvidia.com/gpu").asText());
    }

    /**
     * MinIO's own images stopped with the community edition's move to source-only distribution
     * (2025-10-15): the dev overlay takes MinIO from a source that still builds it.
     */
    @Test
    void devStorageImageComesFromAMaintainedSource() {
        String image = RENDERED.get("overlays/dev").one("StatefulSet", "minio").path("spec").path("template").path("spec")
                .path("containers").get(0).path("image").asText();
        assertFalse(image.matches("^(docker\\.io/)?minio/minio(:.*)?$") || image.startsWith("quay.io/minio/minio"),
                image + " is no longer published");
    }

    /**
     * Issue 26 item 4: the dev broker keeps an idle group's committed offsets for longer than any
     * quiet spell (Kafka's default drops them after 7 days, and the groups would read every job
     * topic again from its start, KEDA counting it all as lag).
     */
    @Test
    void devBrokerKeepsCommittedOffsetsThroughIdleWeeks() {
        JsonNode kafka = RENDERED.get("overlays/dev").one("StatefulSet", "kafka").path("spec").path("template")
                .path("spec").path("containers").get(0);
        String minutes = env(kafka, "KAFKA_OFFSETS_RETENTION_MINUTES");
        assertTrue(minutes != null && Long.parseLong(minutes) >= 365L * 24 * 60, "offsets kept a year or more: " + minutes);
    }

    /** The Secret an environment variable of {@code container} comes from, or null. */
    static String secretOf(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                return ref.isMissingNode() ? null : ref.path("name").asText();
            }
        }
        return null;
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e.path("value").asText();
            }
        }
        return null;
    }
}
