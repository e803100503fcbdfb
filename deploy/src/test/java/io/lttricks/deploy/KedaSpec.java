package io.lttricks.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of KEDA's ScaledObject (keda.sh/v1alpha1) as its documentation specifies them, and
 * the metadata keys of its Kafka scaler; anything else is a typo KEDA would reject or ignore.
 */
final class KedaSpec {
    static final Set<String> SPEC = Set.of("scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod",
            "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "fallback", "advanced", "triggers");
    static final Set<String> TARGET = Set.of("apiVersion", "kind", "name", "envSourceContainerName");
    static final Set<String> TRIGGER = Set.of("type", "metadata", "name", "useCachedMetrics", "metricType",
            "authenticationRef");
    static final Set<String> KAFKA = Set.of("bootstrapServers", "bootstrapServersFromEnv", "consumerGroup",
            "consumerGroupFromEnv", "topic", "topicFromEnv", "partitionLimitation", "lagThreshold",
            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "scaleToZeroOnInvalidOffset",
            "excludePersistentLag", "limitToPartitionsWithLag", "version", "sasl", "tls", "unsafeSsl");
    static final Map<String, Set<String>> NUMERIC = Map.of("kafka", Set.of("lagThreshold", "activationLagThreshold"));

    private KedaSpec() {
    }

    static List<String> problems(JsonNode o, String where) {
        List<String> out = StrictModels.customResource(o, "keda.sh/v1alpha1", SPEC, where);
        JsonNode spec = o.path("spec");
        StrictModels.unknownFields(spec.path("scaleTargetRef"), TARGET, where + ".spec.scaleTargetRef", out);
        if (spec.path("scaleTargetRef").path("name").asText().isEmpty()) {
            out.add(where + ": spec.scaleTargetRef.name is required");
        }
        for (String n : List.of("pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount")) {
            if (spec.has(n) && !spec.get(n).isInt()) {
                out.add(where + ".spec." + n + " must be an integer");
            }
        }
        if (!spec.path("triggers").isArray() || spec.path("triggers").isEmpty()) {
            out.add(where + ": spec.triggers must list at least one trigger");
        }
        for (JsonNode t : spec.path("triggers")) {
            StrictModels.unknownFields(t, TRIGGER, where + ".trigger", out);
            if ("kafka".equals(t.path("type").asText())) {
                StrictModels.unknownFields(t.path("metadata"), KAFKA, where + ".trigger.metadata", out);
                for (Iterator<Map.Entry<String, JsonNode>> it = t.path("metadata").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isTextual()) {
                        out.add(where + ".trigger.metadata." + e.getKey() + " must be a string");
                    } else if (NUMERIC.get("kafka").contains(e.getKey()) && !e.getValue().asText().matches("\\d+")) {
                        out.add(where + ".trigger.metadata." + e.getKey() + " must be a whole number");
                    }
                }
            }
        }
        return out;
    }
}
