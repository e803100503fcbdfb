package io.lttricks.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rendered object against the published schema of its API (issue 28 item 4): the npm
 * packages kubernetes-models, @kubernetes-models/keda, /prometheus-operator and
 * /strimzi-kafka-operator, run by {@code deploy/tools/schemas/validate.mjs}. They check what the
 * typed models of {@link StrictModels} do not: enums, quantities, formats and types of every field.
 * Objects broken on purpose, one per schema package, show that each check can fail. Skipped, saying
 * so, where Node.js or the packages are absent ({@code npm ci --prefix deploy/tools/schemas}; .ci/run
 * installs them).
 */
class SchemasTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyRenderedObjectFitsItsPublishedSchemaAndBrokenOnesDoNot() throws Exception {
        String kubectl = Rendered.kubectlProblem();
        assumeTrue(kubectl == null, kubectl);
        Path tools = Rendered.deployDir().resolve("tools/schemas");
        String node = nodeProblem(tools);
        assumeTrue(node == null, node);

        ArrayNode input = JSON.createArrayNode();
        int rendered = 0;
        for (String d : ManifestsTest.DIRS) {
            for (JsonNode o : Rendered.of(d).objects()) {
                input.addObject().put("where", d + " " + o.path("kind").asText() + "/"
                        + o.path("metadata").path("name").asText()).set("object", o);
                rendered++;
            }
        }
        List<String> broken = List.of(
                broken(input, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad-replicas}\n"
                        + "spec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
                        + "    spec:\n      containers: [{name: c, image: i, resources: {limits: {memory: lots}}}]\n"),
                broken(input, "apiVersion: v1\nkind: Service\nmetadata: {name: bad-port}\n"
                        + "spec: {ports: [{port: 99999999999, protocol: QUIC}]}\n"),
                broken(input, "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: bad-min}\n"
                        + "spec: {scaleTargetRef: {name: augment}, minReplicaCount: none, triggers: [{type: metrics-api,"
                        + " metadata: {url: 'http://x'}}]}\n"),
                broken(input, "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: bad-endpoints}\n"
                        + "spec: {selector: {}, endpoints: {port: metrics}}\n"),
                broken(input, "apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\nmetadata: {name: bad-partitions}\n"
                        + "spec: {partitions: many, replicas: 3}\n"));

        Path file = dir.resolve("objects.json");
        JSON.writeValue(file.toFile(), input);
        Process p = new ProcessBuilder("node", tools.resolve("validate.mjs").toString(), file.toString())
                .directory(tools.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "validate.mjs did not finish in 2 minutes");
        JsonNode result = JSON.readTree(out);
        List<String> problems = new ArrayList<>();
        result.path("problems").forEach(n -> problems.add(n.asText()));
        System.out.printf("%d objects checked against their schemas (%d rendered, %d broken on purpose)%n",
                result.path("checked").asInt(), rendered, broken.size());
        assertEquals(List.of(), JSON.convertValue(result.path("unchecked"), List.class),
                "every object has a schema package");
        assertEquals(rendered + broken.size(), result.path("checked").asInt());
        assertEquals(new TreeSet<>(broken), new TreeSet<>(problems.stream().map(x -> x.substring(0, x.indexOf(": ")))
                .toList()), "only the objects broken on purpose, each of them:\n" + String.join("\n", problems));
        assertEquals(1, p.exitValue(), "a problem fails the script");
        for (String[] expect : new String[][] {{"bad-replicas", "replicas must be integer"},
                {"bad-replicas", "memory must match format \"quantity\""}, {"bad-port", "protocol must be equal to one of"},
                {"bad-min", "minReplicaCount must be integer"}, {"bad-partitions", "partitions must be integer"}}) {
            assertTrue(problems.stream().anyMatch(x -> x.contains(expect[0]) && x.contains(expect[1])),
                    expect[0] + ": " + expect[1] + " in\n" + String.join("\n", problems));
        }
    }

    /** Adds a broken object to the input; returns the place the script names it by. */
    private static String broken(ArrayNode input, String yaml) throws IOException {
        JsonNode o = Rendered.YAML.readTree(yaml);
        String where = "broken " + o.path("kind").asText() + "/" + o.path("metadata").path("name").asText();
        input.addObject().put("where", where).set("object", o);
        return where;
    }

    /** Why the schema check cannot run here, or null when it can. */
    static String nodeProblem(Path tools) {
        if (!Files.isDirectory(tools.resolve("node_modules/kubernetes-models"))) {
            return "the schema packages are not installed: npm ci --prefix " + tools + " (.ci/run does)";
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS) || !v.matches("v(2\\d|[3-9]\\d)\\..*")) {
                return "Node.js 20 or newer is needed for the schema check, found " + v;
            }
        } catch (IOException e) {
            return "Node.js is not installed (the schema check runs in it; .ci/run installs it)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }
}
