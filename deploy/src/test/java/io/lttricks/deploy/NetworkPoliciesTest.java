package io.lttricks.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lttricks.deploy.Policies.Pod;
import io.lttricks.platform.Config;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every overlay, together with deploy/jobs and deploy/jobs/upload (applied into the same namespace), read as a
 * policy-enforcing CNI reads it ({@link Policies}): each pod can open exactly the connections it
 * needs. What a pod needs is derived from what it is configured to call, not listed by hand: the
 * Kafka and storage addresses it reads from the ConfigMap (LT_KAFKA_BOOTSTRAP, LT_S3_ENDPOINT),
 * the servers named in its arguments (--server, --bootstrap-server), the brokers' advertised
 * listeners behind a bootstrap address, DNS for all of them; clients reach every gRPC Service;
 * KEDA's operator reaches the Kafka its ScaledObjects read; Prometheus reaches the metrics ports
 * its ServiceMonitors name.
 */
class NetworkPoliciesTest {
    static final String CONFIG = "lttricks-config";
    static final List<String> OVERLAYS = List.of("overlays/dev", "overlays/gpu", "overlays/prod");
    static final Map<String, Rendered> RENDERED = new LinkedHashMap<>();

    /** A connection a pod needs. {@code checkIngress} is false where the far end's namespace is not ours. */
    record Need(Pod src, String why, Pod dst, int port, String protocol, boolean checkIngress) {
    }

    @BeforeAll
    static void render() throws Exception {
        String problem = Rendered.kubectlProblem();
        assumeTrue(problem == null, problem);
        Rendered jobs = Rendered.of("jobs");
        Rendered upload = Rendered.of(ManifestsTest.UPLOAD);
        for (String d : OVERLAYS) {
            RENDERED.put(d, Rendered.of(d).with(jobs, upload));
        }
        RENDERED.put("base", Rendered.of("base"));
    }

    static Pod standIn(String name, String ns, Map<String, String> labels, int port) {
        return new Pod(name, ns, labels, Map.of(), Set.of(port), null);
    }

    static Map<String, String> config(Rendered r) {
        return Policies.labels(r.one("ConfigMap", CONFIG).path("data"));
    }

    /** Whether a pod reads a key of the ConfigMap (all of it through envFrom, or the key alone). */
    static boolean reads(Pod pod, String key) {
        for (JsonNode c : containers(pod.spec())) {
            for (JsonNode f : c.path("envFrom")) {
                if (CONFIG.equals(f.path("configMapRef").path("name").asText())) {
                    return true;
                }
            }
            for (JsonNode e : c.path("env")) {
                JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
                if (CONFIG.equals(ref.path("name").asText()) && key.equals(ref.path("key").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    static List<JsonNode> containers(JsonNode podSpec) {
        List<JsonNode> out = new ArrayList<>();
        podSpec.path("initContainers").forEach(out::add);
        podSpec.path("containers").forEach(out::add);
        return out;
    }

    static String env(Pod pod, String name) {
        for (JsonNode c : containers(pod.spec())) {
            for (JsonNode e : c.path("env")) {
                if (e.path("name").asText().equals(name) && e.has("value")) {
                    return e.path("value").asText();
                }
            }
        }
        return null;
    }

    /**
     * Where an address ("host:port" or a URL) leads from namespace {@code from}: the pods behind a
     * Service of the rendering and the pod port the Service maps to, or, for a Service outside it,
     * a stand-in for its pods by the convention of what serves it (Strimzi's bootstrap Service
     * leads to the cluster's brokers on the same port; a MinIO operator tenant's Service "minio"
     * to its pods' port 9000). Appends to {@code problems} when it leads nowhere.
     */
    static List<Need> resolve(Rendered r, Pod src, String why, String address, String from, List<String> problems) {
        Matcher m = Pattern.compile("^(?:(https?)://)?([^:/]+)(?::(\\d+))?").matcher(address.strip());
        if (!m.find()) {
            problems.add(src.where() + ": cannot read the address " + address + " (" + why + ")");
            return List.of();
        }
        int port = m.group(3) != null ? Integer.parseInt(m.group(3)) : "https".equals(m.group(1)) ? 443 : 80;
        String[] host = m.group(2).split("\\.");
        if (host.length > 1 && (host.length < 3 || !host[2].equals("svc"))) {
            problems.add(src.where() + ": " + address + " (" + why + ") is not a Service address"
                    + " (NAME, or NAME.NAMESPACE.svc[.cluster.local]); from namespace " + from + " it does not resolve");
            return List.of();
        }
        String name = host[0];
        String ns = host.length > 1 ? host[1] : from;
        JsonNode svc = r.objects().stream().filter(o -> o.path("kind").asText().equals("Service")
                && o.path("metadata").path("name").asText().equals(name)
                && o.path("metadata").path("namespace").asText().equals(ns)).findFirst().orElse(null);
        List<Need> out = new ArrayList<>();
        if (svc != null) {
            JsonNode target = null;
            for (JsonNode p : svc.path("spec").path("ports")) {
                if (p.path("port").asInt() == port) {
                    target = p.has("targetPort") ? p.path("targetPort") : p.path("port");
                }
            }
            if (target == null) {
                problems.add(src.where() + ": Service " + ns + "/" + name + " has no port " + port + " (" + why + ")");
                return out;
            }
            for (Pod dst : Policies.pods(r)) {
                if (dst.namespace().equals(ns) && Policies.serviceSelects(svc, dst.labels())) {
                    int podPort = target.isInt() ? target.asInt() : dst.namedPorts().getOrDefault(target.asText(), -1);
                    out.add(new Need(src, why + " " + address, dst, podPort, "TCP", true));
                }
            }
            if (out.isEmpty()) {
                problems.add(src.where() + ": Service " + ns + "/" + name + " selects no pod (" + why + ")");
            }
            return out;
        }
        if (ns.equals(from) || host.length == 1) {
            problems.add(src.where() + ": " + address + " (" + why + ") names no Service of namespace " + ns);
            return out;
        }
        Matcher strimzi = Pattern.compile("(.+)-kafka-bootstrap").matcher(name);
        if (strimzi.matches()) {
            out.add(new Need(src, why + " " + address, standIn("broker of Strimzi cluster " + strimzi.group(1), ns,
                    Map.of("strimzi.io/cluster", strimzi.group(1), "strimzi.io/kind", "Kafka",
                            "strimzi.io/broker-role", "true"), port), port, "TCP", false));
        } else if (name.equals("minio")) {
            out.add(new Need(src, why + " " + address, standIn("MinIO tenant", ns, Map.of("v1.min.io/tenant", "tenant"), 9000),
                    9000, "TCP", false));
        } else {
            problems.add(src.where() + ": " + address + " (" + why + ") is a Service outside these manifests"
                    + " that this test does not know how to follow");
        }
        return out;
    }

    static final Pattern SERVER_ARG = Pattern.compile("--(?:bootstrap-)?server[= ]+\"?([A-Za-z0-9.-]+:\\d+)");

    /** Every connection the pods of a rendering need, derived from their configuration. */
    static List<Need> needs(Rendered r, List<String> problems) {
        Map<String, String> config = config(r);
        List<Need> out = new ArrayList<>();
        Pod dns = standIn("kube-dns", "kube-system", Map.of("k8s-app", "kube-dns"), 53);
        for (Pod pod : Policies.pods(r)) {
            Map<String, String> addresses = new LinkedHashMap<>();
            if (reads(pod, Config.KAFKA_BOOTSTRAP)) {
                for (String a : config.get(Config.KAFKA_BOOTSTRAP).split(",")) {
                    addresses.put(a, Config.KAFKA_BOOTSTRAP);
                }
            }
            if (reads(pod, Config.S3_ENDPOINT)) {
                addresses.put(config.get(Config.S3_ENDPOINT), Config.S3_ENDPOINT);
            }
            for (JsonNode c : containers(pod.spec())) {
                StringBuilder line = new StringBuilder();
                c.path("command").forEach(a -> line.append(a.asText()).append(' '));
                c.path("args").forEach(a -> line.append(a.asText()).append(' '));
                Matcher m = SERVER_ARG.matcher(line);
                while (m.find()) {
                    addresses.put(m.group(1), "argument " + m.group());
                }
            }
            for (Map.Entry<String, String> a : addresses.entrySet()) {
                List<Need> direct = resolve(r, pod, a.getValue(), a.getKey(), pod.namespace(), problems);
                out.addAll(direct);
                out.addAll(advertised(r, pod, direct, pod.namespace(), problems));
            }
            if (!addresses.isEmpty()) {
                out.add(new Need(pod, "DNS", dns, 53, "UDP", false));
                out.add(new Need(pod, "DNS", dns, 53, "TCP", false));
            }
        }
        // Clients (pods labelled lttricks.io/client, here or in namespaces labelled as client
        // namespaces) reach every gRPC Service.
        for (JsonNode svc : r.ofKind("Service")) {
            for (JsonNode p : svc.path("spec").path("ports")) {
                if ("grpc".equals(p.path("appProtocol").asText())) {
                    String ns = svc.path("metadata").path("namespace").asText();
                    Pod client = standIn("a client", ns, Map.of("lttricks.io/client", "true"), 0);
                    out.addAll(resolve(r, client, "gRPC", svc.path("metadata").path("name").asText() + ":"
                            + p.path("port").asInt(), ns, problems));
                }
            }
        }
        // Prometheus (pods app.kubernetes.io/name: prometheus in namespace monitoring) scrapes the
        // Services each ServiceMonitor selects, on the ports its endpoints name.
        for (JsonNode sm : r.ofKind("ServiceMonitor")) {
            Pod prometheus = standIn("prometheus", "monitoring", Map.of("app.kubernetes.io/name", "prometheus"), 0);
            JsonNode spec = sm.path("spec");
            List<String> namespaces = new ArrayList<>();
            spec.path("namespaceSelector").path("matchNames").forEach(n -> namespaces.add(n.asText()));
            for (JsonNode svc : r.ofKind("Service")) {
                String ns = svc.path("metadata").path("namespace").asText();
                if (!namespaces.contains(ns) || !Policies.matches(spec.path("selector"),
                        Policies.labels(svc.path("metadata").path("labels")))) {
                    continue;
                }
                for (JsonNode endpoint : spec.path("endpoints")) {
                    for (JsonNode p : svc.path("spec").path("ports")) {
                        if (p.path("name").asText().equals(endpoint.path("port").asText())) {
                            out.addAll(resolve(r, prometheus, "ServiceMonitor " + sm.path("metadata").path("name").asText(),
                                    svc.path("metadata").path("name").asText() + "." + ns + ".svc:" + p.path("port").asInt(),
                                    "monitoring", problems));
                        }
                    }
                }
            }
        }
        // KEDA's operator reads consumer lag from the Kafka its ScaledObjects name, from its own namespace.
        for (JsonNode so : r.ofKind("ScaledObject")) {
            for (JsonNode t : so.path("spec").path("triggers")) {
                if (!t.path("type").asText().equals("kafka")) {
                    continue;
                }
                String fromEnv = t.path("metadata").path("bootstrapServersFromEnv").asText();
                String servers = fromEnv.isEmpty() ? t.path("metadata").path("bootstrapServers").asText() : config.get(fromEnv);
                Pod keda = standIn("keda-operator", "keda", Map.of("app.kubernetes.io/name", "keda-operator"), 0);
                for (String a : servers.split(",")) {
                    List<Need> direct = resolve(r, keda, "ScaledObject " + so.path("metadata").path("name").asText(), a,
                            "keda", problems);
                    out.addAll(direct);
                    out.addAll(advertised(r, keda, direct, "keda", problems));
                }
            }
        }
        return out;
    }

    /** After the bootstrap, a Kafka client connects to the addresses the brokers advertise. */
    static List<Need> advertised(Rendered r, Pod src, List<Need> direct, String from, List<String> problems) {
        List<Need> out = new ArrayList<>();
        for (Need n : direct) {
            if (n.dst().spec() == null) {
                continue;
            }
            String listeners = env(n.dst(), "KAFKA_ADVERTISED_LISTENERS");
            if (listeners == null) {
                continue;
            }
            for (String l : listeners.split(",")) {
                out.addAll(resolve(r, src, "listener advertised by " + n.dst().where(), l.replaceFirst("^[A-Z_]+://", ""),
                        from, problems));
            }
        }
        return out;
    }

    @Test
    void everyPodCanOpenTheConnectionsItNeeds() {
        List<String> problems = new ArrayList<>();
        for (String d : OVERLAYS) {
            Rendered r = RENDERED.get(d);
            Policies policies = new Policies(r);
            List<String> here = new ArrayList<>();
            List<Need> needs = needs(r, here);
            assertFalse(needs.isEmpty(), d);
            for (Need n : needs) {
                String why = policies.blocked(n.src(), n.dst(), n.port(), n.protocol(), n.checkIngress());
                if (why != null) {
                    here.add(why + " [needed for " + n.why() + "]");
                }
            }
            here.forEach(p -> problems.add(d + ": " + p));
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theSubmitJobReachesTheRunServiceOnly() {
        Rendered r = RENDERED.get("overlays/dev");
        Policies policies = new Policies(r);
        Pod submit = Policies.pods(r).stream().filter(p -> p.name().equals("Job/submit-run")).findFirst().orElseThrow();
        Map<String, Pod> byName = new HashMap<>();
        Policies.pods(r).forEach(p -> byName.put(p.labels().get("app.kubernetes.io/name"), p));
        assertNull(policies.blocked(submit, byName.get("sampler"), Config.SAMPLER_PORT, "TCP", true));
        assertTrue(policies.blocked(submit, byName.get("kafka"), 9092, "TCP", true) != null, "a client has no business with Kafka");
        assertTrue(policies.blocked(submit, byName.get("minio"), 9000, "TCP", true) != null, "nor with storage");
        assertTrue(policies.blocked(submit, byName.get("sampler"), 9092, "TCP", true) != null, "nor with other ports");
    }

    /** Egress beyond DNS always names its peers: no Kafka or storage port is open to any address. */
    @Test
    void noEgressIsOpenToAnyAddress() {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Rendered> e : RENDERED.entrySet()) {
            for (JsonNode p : e.getValue().ofKind("NetworkPolicy")) {
                for (JsonNode rule : p.path("spec").path("egress")) {
                    boolean dnsOnly = rule.path("ports").size() > 0;
                    for (JsonNode port : rule.path("ports")) {
                        dnsOnly &= port.path("port").asInt() == 53;
                    }
                    if (dnsOnly) {
                        continue;
                    }
                    String where = e.getKey() + ": NetworkPolicy " + p.path("metadata").path("name").asText() + " egress "
                            + rule.path("ports");
                    if (!rule.has("to") || rule.path("to").isEmpty()) {
                        problems.add(where + " is open to any address");
                    }
                    for (JsonNode peer : rule.path("to")) {
                        String cidr = peer.path("ipBlock").path("cidr").asText();
                        if (cidr.equals("0.0.0.0/0") || cidr.equals("::/0")) {
                            problems.add(where + " allows " + cidr);
                        }
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * A policy's ports are ports that its pods serve: an ingress port is a container port of the
     * pods the policy selects; an egress rule towards pods of the same rendering selects some pod,
     * and each of its ports is a container port of one of them. Services map to container ports
     * that exist.
     */
    @Test
    void policyPortsAreThePortsTheSelectedPodsServe() {
        List<String> problems = new ArrayList<>();
        for (String d : OVERLAYS) {   // not the base alone: its Kafka and storage come with an overlay
            Map.Entry<String, Rendered> e = Map.entry(d, RENDERED.get(d));
            Rendered r = e.getValue();
            Policies policies = new Policies(r);
            List<Pod> pods = Policies.pods(r);
            for (JsonNode p : policies.all()) {
                String ns = Policies.namespaceOf(p);
                String where = e.getKey() + ": NetworkPolicy " + p.path("metadata").path("name").asText();
                List<Pod> selected = pods.stream().filter(pod -> pod.namespace().equals(ns)
                        && Policies.matches(p.path("spec").path("podSelector"), pod.labels())).toList();
                for (JsonNode rule : p.path("spec").path("ingress")) {
                    for (JsonNode port : rule.path("ports")) {
                        if (selected.stream().noneMatch(pod -> serves(pod, port))) {
                            problems.add(where + ": ingress port " + port.path("port") + " is served by none of "
                                    + selected.stream().map(Pod::where).toList());
                        }
                    }
                }
                for (JsonNode rule : p.path("spec").path("egress")) {
                    for (JsonNode peer : rule.path("to")) {
                        boolean local = !peer.has("ipBlock") && (!peer.has("namespaceSelector")
                                || Policies.matches(peer.path("namespaceSelector"), policies.namespaceLabels(ns)));
                        if (!local) {
                            continue;
                        }
                        List<Pod> peers = pods.stream().filter(pod -> policies.peerMatches(peer, ns, pod)).toList();
                        if (peers.isEmpty()) {
                            problems.add(where + ": egress peer " + peer + " matches no pod");
                        }
                        for (JsonNode port : rule.path("ports")) {
                            if (!peers.isEmpty() && peers.stream().noneMatch(pod -> serves(pod, port))) {
                                problems.add(where + ": egress port " + port.path("port") + " is served by none of "
                                        + peers.stream().map(Pod::where).toList());
                            }
                        }
                    }
                }
            }
            for (JsonNode svc : r.ofKind("Service")) {
                String ns = svc.path("metadata").path("namespace").asText();
                for (Pod pod : pods) {
                    if (!pod.namespace().equals(ns) || !Policies.serviceSelects(svc, pod.labels())) {
                        continue;
                    }
                    for (JsonNode sp : svc.path("spec").path("ports")) {
                        JsonNode target = sp.has("targetPort") ? sp.path("targetPort") : sp.path("port");
                        boolean ok = target.isInt() ? pod.ports().contains(target.asInt()) : pod.namedPorts().containsKey(target.asText());
                        if (!ok) {
                            problems.add(e.getKey() + ": Service " + svc.path("metadata").path("name").asText()
                                    + " maps port " + sp.path("port") + " to " + target + ", which " + pod.where() + " does not serve");
                        }
                    }
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static boolean serves(Pod pod, JsonNode policyPort) {
        JsonNode v = policyPort.path("port");
        return v.isInt() ? pod.ports().contains(v.asInt()) : pod.namedPorts().containsKey(v.asText());
    }

    /** The checker itself: a policy that a pod needs, taken away, is missed. */
    @Test
    void aMissingPolicyIsNoticed() throws Exception {
        Rendered r = RENDERED.get("overlays/dev");
        List<JsonNode> without = r.objects().stream().filter(o -> !(o.path("kind").asText().equals("NetworkPolicy")
                && o.path("metadata").path("name").asText().equals("storage-egress"))).toList();
        Rendered cut = new Rendered("dev without storage-egress", r.yaml(), without);
        Policies policies = new Policies(cut);
        List<String> problems = new ArrayList<>();
        long blocked = needs(cut, problems).stream()
                .filter(n -> policies.blocked(n.src(), n.dst(), n.port(), n.protocol(), n.checkIngress()) != null).count();
        assertEquals(List.of(), problems);
        assertEquals(5, blocked, "each of the four services, and the upload Job (deploy/jobs/upload), loses its storage");
    }
}
