package io.lttricks.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.embedded.EmbeddedKafka;
import io.lttricks.embedded.EmbeddedS3;
import io.lttricks.platform.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container images as built (mvn -Pimages package, tarballs under target/image): each
 * service's image, started with a plain java command line equal to its entrypoint (its app layers
 * extracted, /app mapped to the extraction), comes up against a Kafka broker and an S3 server and
 * answers its gRPC health check. Skipped where the images were not built.
 */
class ImagesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;

    @TempDir
    static Path infra;

    @TempDir
    Path tmp;

    static Path image(String module, String name) {
        return Rendered.deployDir().getParent().resolve(module).resolve("target/image")
                .resolve(name + "-" + System.getProperty("image.tag", "0.1.0") + ".tar");
    }

    @BeforeAll
    static void startInfra() throws IOException {
        assumeTrue(Files.exists(image("sampler-service", "sampler-service")),
                "images not built: deploy/images/build-base-image.sh && mvn -Pimages -DskipTests package");
        org.apache.kafka.common.utils.internals.Exit.setHaltProcedure((c, m) -> {
            throw new IllegalStateException("Kafka halt " + c + ": " + m);
        });
        kafka = EmbeddedKafka.start(infra.resolve("kafka"), 0);
        s3 = EmbeddedS3.start(infra.resolve("s3"), 0, "ak", "sk-secret");
    }

    @AfterAll
    static void stopInfra() {
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The image's config and its non-base layers extracted under {@code dir}. */
    static JsonNode extract(Path tar, Path dir) throws IOException {
        Map<String, byte[]> files = new java.util.HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().endsWith(".json")) {
                    files.put(e.getName(), in.readAllBytes());
                } else if (e.getName().endsWith(".tar.gz")) {
                    extractLayer(new GZIPInputStream(new java.io.ByteArrayInputStream(in.readAllBytes())), dir);
                }
            }
        }
        JsonNode manifest = JSON.readTree(files.get("manifest.json")).get(0);
        return JSON.readTree(files.get(manifest.get("Config").asText()));
    }

    private static void extractLayer(InputStream layer, Path dir) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(layer)) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "");
                if (!name.startsWith("app/") || !e.isFile()) {
                    continue;
                }
                Path out = dir.resolve(name).normalize();
                Files.createDirectories(out.getParent());
                Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The entrypoint as a local command line: the image's java arguments with /app mapped to {@code dir}. */
    static List<String> commandLine(JsonNode config, Path dir) throws IOException {
        List<String> cmd = new ArrayList<>();
        Iterator<JsonNode> it = config.path("config").path("Entrypoint").elements();
        String first = it.next().asText();
        assertEquals("java", first, "the entrypoint runs java from the image's PATH");
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        while (it.hasNext()) {
            String a = it.next().asText();
            if (a.startsWith("@/app/")) {
                Path cpFile = dir.resolve(a.substring(2));
                String cp = Files.readString(cpFile, StandardCharsets.UTF_8).trim().replace("/app/", dir.resolve("app") + "/");
                Path local = dir.resolve("classpath");
                Files.writeString(local, cp);
                a = "@" + local;
            }
            cmd.add(a);
        }
        return cmd;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sampler-service,sampler-service,lttricks.v1.RunService",
        "augment-service,augment-service,lttricks.v1.AugmentService",
        "trainer-service,trainer-service,lttricks.v1.TrainerService",
        "evaluator-service,evaluator-service,lttricks.v1.EvaluatorService"})
    void serviceImageStartsAndAnswersItsHealthCheck(String module, String name, String grpcService) throws Exception {
        JsonNode config = extract(image(module, name), tmp);
        assertEquals("10001:10001", config.path("config").path("User").asText(), "runs as a non-root user");
        List<String> cmd = commandLine(config, tmp);
        int port = freePort();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("log.txt").toFile());
        for (JsonNode e : config.path("config").path("Env")) {
            String[] kv = e.asText().split("=", 2);
            if (!kv[0].equals("PATH") && !kv[0].equals("JAVA_HOME")) {
                pb.environment().put(kv[0], kv[1].replace("/var/lib/lttricks", tmp.resolve("home").toString()));
            }
        }
        pb.environment().putAll(Map.of(Config.KAFKA_BOOTSTRAP, kafka.bootstrapServers(), Config.S3_ENDPOINT, s3.endpoint(),
                Config.S3_ACCESS_KEY, "ak", Config.S3_SECRET_KEY, "sk-secret", Config.GRPC_PORT, String.valueOf(port),
                Config.WORK_DIR, tmp.resolve("work").toString(), Config.INSTANCE, name));
        // As in the manifests: on every interface, with a token; the health check below carries none.
        pb.environment().put(io.lttricks.platform.grpc.GrpcSecurity.TOKENS, "images-test-token-0123456789");
        Process p = pb.start();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            HealthCheckResponse.ServingStatus status = null;
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline && p.isAlive()) {
                try {
                    status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.newBuilder().setService(grpcService).build()).getStatus();
                    if (status == HealthCheckResponse.ServingStatus.SERVING) {
                        break;
                    }
                } catch (io.grpc.StatusRuntimeException notYet) {
                    Thread.sleep(500);
                }
            }
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, status,
                    name + " did not come up; its output:\n" + Files.readString(tmp.resolve("log.txt")));
        } finally {
            channel.shutdownNow();
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void clientImageRunsLt() throws Exception {
        JsonNode config = extract(image("cli", "lt"), tmp);
        List<String> cmd = commandLine(config, tmp);
        cmd.add("--version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("lt "), out);
    }

    @Test
    void manifestsUseTheImageTag() throws IOException {
        String kustomization = Files.readString(Rendered.deployDir().resolve("base/kustomization.yaml"));
        String tag = System.getProperty("image.tag", "0.1.0");
        assertEquals(4, kustomization.split("newTag: " + java.util.regex.Pattern.quote(tag), -1).length - 1,
                "deploy/base tags the four images " + tag);
    }
}
