package io.lttricks.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offline validation against the Kubernetes API as the fabric8 models describe it (and Strimzi's
 * for KafkaTopic): an object must deserialise into its typed model, and no field anywhere in it may
 * be unknown to the model (the models keep unknown fields aside as "additional properties", so a
 * typo would otherwise pass). KEDA and Prometheus Operator have no Java model here: a ScaledObject
 * and a ServiceMonitor are checked against the fields of their documented specs.
 */
final class StrictModels {
    private StrictModels() {
    }

    /** Problems found in one object; empty when it is valid. */
    static List<String> problems(JsonNode object) {
        String kind = object.path("kind").asText();
        String where = kind + "/" + object.path("metadata").path("name").asText();
        try {
            Object model;
            if (kind.equals("ScaledObject")) {
                return KedaSpec.problems(object, where);
            } else if (kind.equals("ServiceMonitor")) {
                return ServiceMonitorSpec.problems(object, where);
            } else if (kind.equals("KafkaTopic")) {
                model = Rendered.YAML.treeToValue(object, KafkaTopic.class);
            } else {
                model = Serialization.unmarshal(Rendered.YAML.writeValueAsString(object), KubernetesResource.class);
                if (model instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource) {
                    return List.of(where + ": no typed model for " + object.path("apiVersion").asText() + " " + kind);
                }
            }
            List<String> out = new ArrayList<>();
            walk(model, where, out, new IdentityHashMap<>());
            return out;
        } catch (Exception e) {
            return List.of(where + ": does not parse: " + e.getMessage());
        }
    }

    private static void walk(Object o, String path, List<String> out, Map<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), out, seen);
            }
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8.kubernetes.api.model") && !pkg.startsWith("io.strimzi.api")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = m.getName();
            if (name.equals("getAdditionalProperties")) {
                Object extra = m.invoke(o);
                if (extra instanceof Map<?, ?> map && !map.isEmpty()) {
                    out.add(path + ": unknown fields " + map.keySet());
                }
            } else if (name.startsWith("get") && !Set.of("getClass", "getPlural", "getSingular", "getCRDName", "getScope",
                    "getGroup", "getVersion", "getKind", "getApiVersion").contains(name)) {
                walk(m.invoke(o), path + "." + name.substring(3), out, seen);
            }
        }
    }

    /** Adds to {@code out} each field of {@code node} that is not in {@code known} (specs checked by hand). */
    static void unknownFields(JsonNode node, Set<String> known, String where, List<String> out) {
        for (java.util.Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                out.add(where + ": unknown field '" + f + "'");
            }
        }
    }

    /**
     * The problems of a custom resource checked by hand: an apiVersion other than {@code apiVersion},
     * fields of its spec other than {@code specFields}.
     */
    static List<String> customResource(JsonNode o, String apiVersion, Set<String> specFields, String where) {
        List<String> out = new ArrayList<>();
        if (!apiVersion.equals(o.path("apiVersion").asText())) {
            out.add(where + ": apiVersion must be " + apiVersion);
        }
        unknownFields(o.path("spec"), specFields, where + ".spec", out);
        return out;
    }
}
