package io.lttricks.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The NetworkPolicies of a rendering, read as an enforcing CNI reads them (networking.k8s.io/v1):
 * a pod that some policy selects for a direction is isolated in that direction and may only make
 * the connections some rule of those policies allows; a connection needs both the source's egress
 * and the destination's ingress. Peers: a podSelector alone means pods of the policy's namespace,
 * a namespaceSelector alone every pod of the matching namespaces, both together the matching pods
 * of the matching namespaces; a rule without peers allows any address, without ports any port.
 * Named ports are looked up on the destination pod.
 */
final class Policies {
    /**
     * One end of a connection: a pod (of this rendering or a stand-in for one outside it, such as
     * KEDA's operator or a Strimzi broker), with its namespace, labels and named ports.
     */
    record Pod(String name, String namespace, Map<String, String> labels, Map<String, Integer> namedPorts,
               Set<Integer> ports, JsonNode spec) {
        String where() {
            return namespace + "/" + name;
        }
    }

    private final List<JsonNode> policies;
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();

    Policies(Rendered r) {
        this.policies = r.ofKind("NetworkPolicy");
        for (JsonNode ns : r.ofKind("Namespace")) {
            namespaceLabels.put(ns.path("metadata").path("name").asText(), labels(ns.path("metadata").path("labels")));
        }
    }

    /** The pods of every pod template (Deployments, StatefulSets, Jobs, DaemonSets) of a rendering. */
    static List<Pod> pods(Rendered r) {
        List<Pod> out = new ArrayList<>();
        for (JsonNode o : r.objects()) {
            String kind = o.path("kind").asText();
            if (!Set.of("Deployment", "StatefulSet", "Job", "DaemonSet").contains(kind)) {
                continue;
            }
            JsonNode template = o.path("spec").path("template");
            Map<String, Integer> named = new HashMap<>();
            Set<Integer> ports = new java.util.TreeSet<>();
            for (JsonNode c : template.path("spec").path("containers")) {
                for (JsonNode p : c.path("ports")) {
                    ports.add(p.path("containerPort").asInt());
                    if (p.hasNonNull("name")) {
                        named.put(p.path("name").asText(), p.path("containerPort").asInt());
                    }
                }
            }
            out.add(new Pod(kind + "/" + o.path("metadata").path("name").asText(), o.path("metadata").path("namespace").asText(),
                    labels(template.path("metadata").path("labels")), named, ports, template.path("spec")));
        }
        return out;
    }

    static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** Whether a label selector (matchLabels, matchExpressions) matches labels; an empty one matches all. */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (JsonNode x : selector.path("matchExpressions")) {
            String key = x.path("key").asText();
            List<String> values = new ArrayList<>();
            x.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (x.path("operator").asText()) {
                case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
                case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                default -> throw new AssertionError("unknown selector operator " + x);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether a Service's selector (a plain map of labels) matches labels; a Service without one selects nothing here. */
    static boolean serviceSelects(JsonNode service, Map<String, String> labels) {
        JsonNode selector = service.path("spec").path("selector");
        if (selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    Map<String, String> namespaceLabels(String ns) {
        Map<String, String> l = new HashMap<>(namespaceLabels.getOrDefault(ns, Map.of()));
        l.put("kubernetes.io/metadata.name", ns);   // set by the API server on every namespace
        return l;
    }

    static String namespaceOf(JsonNode policy) {
        return policy.path("metadata").path("namespace").asText();
    }

    static boolean hasType(JsonNode policy, String type) {
        JsonNode types = policy.path("spec").path("policyTypes");
        if (types.isMissingNode() || types.isEmpty()) {
            return type.equals("Ingress") || policy.path("spec").has("egress");
        }
        for (JsonNode t : types) {
            if (t.asText().equals(type)) {
                return true;
            }
        }
        return false;
    }

    /** The policies that select a pod for a direction ("Ingress" or "Egress"). */
    List<JsonNode> selecting(Pod pod, String type) {
        return policies.stream().filter(p -> namespaceOf(p).equals(pod.namespace()) && hasType(p, type)
                && matches(p.path("spec").path("podSelector"), pod.labels())).toList();
    }

    /** Whether a policy peer (podSelector / namespaceSelector / ipBlock) of a policy in {@code ns} matches a pod. */
    boolean peerMatches(JsonNode peer, String ns, Pod pod) {
        if (peer.has("ipBlock")) {
            return false;   // pods are not reached by address ranges here; see openToAnyAddress
        }
        boolean nsOk = peer.has("namespaceSelector")
                ? matches(peer.path("namespaceSelector"), namespaceLabels(pod.namespace()))
                : pod.namespace().equals(ns);
        boolean podOk = !peer.has("podSelector") || matches(peer.path("podSelector"), pod.labels());
        return nsOk && podOk;
    }

    /** Whether a rule's ports admit {@code port}/{@code protocol} on the destination pod. */
    static boolean portMatches(JsonNode rule, Pod dst, int port, String protocol) {
        if (!rule.has("ports") || rule.path("ports").isEmpty()) {
            return true;
        }
        for (JsonNode p : rule.path("ports")) {
            if (!p.path("protocol").asText("TCP").equals(protocol)) {
                continue;
            }
            if (!p.has("port")) {
                return true;
            }
            JsonNode v = p.path("port");
            int from = v.isInt() ? v.asInt() : dst.namedPorts().getOrDefault(v.asText(), -1);
            int to = p.has("endPort") ? p.path("endPort").asInt() : from;
            if (port >= from && port <= to) {
                return true;
            }
        }
        return false;
    }

    boolean egressAllowed(Pod src, Pod dst, int port, String protocol) {
        return allowed(src, dst, dst, port, protocol, "Egress", "egress", "to");
    }

    boolean ingressAllowed(Pod src, Pod dst, int port, String protocol) {
        return allowed(dst, src, dst, port, protocol, "Ingress", "ingress", "from");
    }

    /**
     * Whether the policies that select {@code self} for {@code type} let it talk to {@code peer}
     * ({@code dst} names the pod whose named ports count): allowed when none selects it, else when
     * a rule of one of them matches the peer and the port.
     */
    private boolean allowed(Pod self, Pod peer, Pod dst, int port, String protocol, String type, String rules, String peers) {
        List<JsonNode> selecting = selecting(self, type);
        if (selecting.isEmpty()) {
            return true;
        }
        for (JsonNode p : selecting) {
            for (JsonNode rule : p.path("spec").path(rules)) {
                boolean peerOk = !rule.has(peers) || rule.path(peers).isEmpty();
                for (JsonNode x : rule.path(peers)) {
                    peerOk |= peerMatches(x, namespaceOf(p), peer);
                }
                if (peerOk && portMatches(rule, dst, port, protocol)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Why {@code src} cannot open a connection to {@code dst} on {@code port}, or null when it can.
     * With {@code checkIngress} false only the source's egress counts (the destination is in a
     * namespace these manifests do not govern).
     */
    String blocked(Pod src, Pod dst, int port, String protocol, boolean checkIngress) {
        if (!egressAllowed(src, dst, port, protocol)) {
            return src.where() + " may not send to " + dst.where() + ":" + port + "/" + protocol
                    + " (no egress rule of " + names(selecting(src, "Egress")) + " allows it)";
        }
        if (checkIngress && !ingressAllowed(src, dst, port, protocol)) {
            return dst.where() + " does not accept " + src.where() + " on " + port + "/" + protocol
                    + " (no ingress rule of " + names(selecting(dst, "Ingress")) + " allows it)";
        }
        return null;
    }

    static List<String> names(List<JsonNode> policies) {
        return policies.stream().map(p -> p.path("metadata").path("name").asText()).toList();
    }

    List<JsonNode> all() {
        return policies;
    }
}
