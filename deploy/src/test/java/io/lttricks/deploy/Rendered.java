package io.lttricks.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An overlay rendered by {@code kubectl kustomize}, as YAML text and as one JSON tree per object. */
record Rendered(String name, String yaml, List<JsonNode> objects) {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * The deploy directory (this module's base directory), or the one named by the system property
     * {@code deploy.dir} (to run the checks on another copy of the manifests, e.g. an older commit's).
     */
    static Path deployDir() {
        String other = System.getProperty("deploy.dir", "");
        if (!other.isBlank()) {
            return Path.of(other).toAbsolutePath();
        }
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("overlays")) ? here : here.resolve("deploy");
    }

    /**
     * Why the manifests cannot be rendered here, or null when they can: kubectl must be on the
     * PATH with kustomize v5 or later (the overlays use components and labels).
     */
    static String kubectlProblem() {
        String out;
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "kubectl version --client failed: " + out.strip();
            }
        } catch (IOException e) {
            return "kubectl is not installed (deploy/tools/install-kubectl.sh installs one; .ci/run does)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        Matcher m = Pattern.compile("Kustomize Version: v(\\d+)").matcher(out);
        if (!m.find() || Integer.parseInt(m.group(1)) < 5) {
            return "kubectl's kustomize is older than v5 (" + out.strip().replace('\n', ' ')
                    + "); deploy/tools/install-kubectl.sh installs a recent one";
        }
        return null;
    }

    static Rendered of(String dir) throws IOException, InterruptedException {
        Path path = deployDir().resolve(dir);
        Process p = new ProcessBuilder("kubectl", "kustomize", path.toString()).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
        }
        String yaml = new String(out, StandardCharsets.UTF_8);
        List<JsonNode> objects = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    objects.add(n);
                }
            }
        }
        return new Rendered(dir, yaml, objects);
    }

    /** This rendering and others, as if applied together (e.g. an overlay and deploy/jobs). */
    Rendered with(Rendered... others) {
        List<JsonNode> all = new ArrayList<>(objects);
        StringBuilder n = new StringBuilder(name);
        StringBuilder y = new StringBuilder(yaml);
        for (Rendered r : others) {
            all.addAll(r.objects);
            n.append(" + ").append(r.name);
            y.append("---\n").append(r.yaml);
        }
        return new Rendered(n.toString(), y.toString(), all);
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode one(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())
                        && name.equals(o.path("metadata").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError(this.name + " has no " + kind + " " + name));
    }
}
