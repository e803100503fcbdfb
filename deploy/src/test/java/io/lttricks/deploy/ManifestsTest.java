package io.lttricks.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lttricks.platform.Config;
import io.lttricks.platform.Topics;
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
    static final List<String> DIRS = List.of("base", "overlays/dev", "overlays/gpu", "overlays/prod", "jobs");
    static final Map<String, Integer> PORTS = Map.of("sampler", Config.SAMPLER_PORT, "augment", Config.AUGMENT_PORT,
            "trainer", Config.TRAINER_PORT, "evaluator", Config.EVALUATOR_PORT);
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
            assertEquals(String.valueOf(port), env(c, Config.GRPC_PORT));
            assertEquals(port, base.one("Service", e.getKey()).path("spec").path("ports").get(0).path("port").asInt());
            assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), e.getKey());
        }
    }

    @Test
    void augmentScalesOnItsJobTopicsConsumerLag() {
        JsonNode so = RENDERED.get("overlays/prod").one("ScaledObject", "augment");
        assertEquals("augment", so.path("spec").path("scaleTargetRef").path("name").asText());
        Map<String, String> groups = new java.util.HashMap<>();
        for (JsonNode t : so.path("spec").path("triggers")) {
            assertEquals("kafka", t.path("type").asText());
            groups.put(t.path("metadata").path("consumerGroup").asText(), t.path("metadata").path("topic").asText());
            assertEquals(Config.KAFKA_BOOTSTRAP, t.path("metadata").path("bootstrapServersFromEnv").asText());
        }
        assertEquals(Map.of(Topics.GROUP_AUGMENT, Topics.SHARD_JOBS, Topics.GROUP_AUGMENT_PLANNER, Topics.AUGMENT_JOBS), groups);
        assertEquals(0, so.path("spec").path("minReplicaCount").asInt(), "scale to zero when idle");
        int partitions = RENDERED.get("overlays/prod").one("KafkaTopic", Topics.SHARD_JOBS).path("spec").path("partitions").asInt();
        assertTrue(so.path("spec").path("maxReplicaCount").asInt() <= partitions,
                "more augment replicas than shard partitions would sit idle");
        JsonNode hpa = RENDERED.get("overlays/dev").one("HorizontalPodAutoscaler", "augment");
        assertEquals("augment", hpa.path("spec").path("scaleTargetRef").path("name").asText());
    }

    @Test
    void prodTopicsAreExactlyTheOnesTheCodeUses() {
        Set<String> names = new TreeSet<>();
        for (JsonNode t : RENDERED.get("overlays/prod").ofKind("KafkaTopic")) {
            names.add(t.path("metadata").path("name").asText());
            assertEquals("kafka", t.path("metadata").path("namespace").asText());
            assertTrue(t.path("spec").path("replicas").asInt() >= 3);
        }
        assertEquals(new TreeSet<>(Topics.ALL), names);
        assertEquals("compact", RENDERED.get("overlays/prod").one("KafkaTopic", Topics.RUN_STATE)
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
                        if (n.contains("SECRET") || n.contains("PASSWORD") || n.contains("ACCESS_KEY") || n.contains("ROOT_USER")) {
                            assertTrue(e.path("valueFrom").has("secretKeyRef"), r.name() + ": " + n + " must come from a Secret");
                            assertFalse(e.has("value"), r.name() + ": " + n + " has a literal value");
                        }
                    }
                }
            }
            for (JsonNode cm : r.ofKind("ConfigMap")) {
                for (Iterator<String> it = cm.path("data").fieldNames(); it.hasNext(); ) {
                    String k = it.next().toUpperCase(java.util.Locale.ROOT);
                    assertFalse(k.contains("SECRET") || k.contains("PASSWORD") || k.contains("ACCESS_KEY"),
                            r.name() + ": ConfigMap key " + k);
                }
            }
        }
    }

    @Test
    void configMapKeysAreSettingsTheServicesRead() throws Exception {
        Set<String> known = new HashSet<>();
        for (Field f : Config.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                known.add((String) f.get(null));
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
                    assertTrue(known.contains(k), r.name() + ": " + k + " is not a setting the services read");
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
