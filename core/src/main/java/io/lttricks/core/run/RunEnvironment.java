package io.lttricks.core.run;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.model.Autocast;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Precision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a stage ran on, for telling two runs apart: the code (commit, when the launcher knows it),
 * the engine and its thread count, the CPU, the memory format and the allocator settings. The same
 * seed gives the same bits only on the same code, engine build, thread count and CPU kind: oneDNN
 * picks kernels per CPU and reductions split per thread, so floats round differently otherwise.
 *
 * @param time        when the stage started (or resumed), ISO-8601 UTC
 * @param commit      lttricks' commit ({@code -Dlt.commit}, which the lt launcher passes from git), or "unknown"
 * @param jvm         the JVM's version
 * @param engine      engine name and version, e.g. "PyTorch 2.7.1"
 * @param device      the default device, e.g. "cpu()"
 * @param threads     the engine's intra-op threads
 * @param cpu         the CPU's model name (Linux), else the architecture
 * @param cores       processors available to the JVM
 * @param channelsLast whether inputs go channels-last ({@link Backbone#usesChannelsLast})
 * @param allocator   glibc allocator variables in the environment (MALLOC_*, GLIBC_TUNABLES)
 * @param data        the data the stage trained on: the file or directory it was read from, as the
 *                    run's manifest records it (absent where not known)
 * @param precision   the precision the stage's forward passes ran in ({@code fp32}, {@code bf16}), and
 *                    when bf16 was asked but could not run, why not (absent where not known)
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record RunEnvironment(String time, String commit, String jvm, String engine, String device, int threads,
                             String cpu, int cores, boolean channelsLast, Map<String, String> allocator, String data,
                             String precision) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** This process's environment, now. */
    public static RunEnvironment current() {
        Engine e = Engine.getInstance();
        Map<String, String> alloc = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("MALLOC_") || k.equals("GLIBC_TUNABLES")) {
                alloc.put(k, v);
            }
        });
        return new RunEnvironment(Instant.now().toString(), System.getProperty("lt.commit", "unknown"),
                System.getProperty("java.version"), e.getEngineName() + " " + e.getVersion(),
                e.defaultDevice().toString(), threads(e), cpuModel(), Runtime.getRuntime().availableProcessors(),
                Backbone.usesChannelsLast(), alloc, null, null);
    }

    /** This environment with the data it trains on. */
    public RunEnvironment withData(String source) {
        return new RunEnvironment(time, commit, jvm, engine, device, threads, cpu, cores, channelsLast, allocator, source,
                precision);
    }

    /**
     * This environment with the precision a stage asked for and the one {@code device} runs
     * ({@link Autocast#effective}): "bf16", "fp32", or "fp32 (bf16 asked: why not)".
     */
    public RunEnvironment withPrecision(Precision asked, ai.djl.Device device) {
        Precision ran = Autocast.effective(asked, device);
        String said = ran == asked ? ran.recipeName()
                : ran.recipeName() + " (" + asked.recipeName() + " asked: " + Autocast.support(device) + ")";
        return new RunEnvironment(time, commit, jvm, engine, this.device, threads, cpu, cores, channelsLast, allocator,
                data, said);
    }

    private static int threads(Engine e) {
        if (e.getEngineName().equals("PyTorch")) {
            try {
                return ai.djl.pytorch.jni.JniUtils.getNumThreads();
            } catch (RuntimeException | LinkageError ignored) {
                // an engine build without the call: fall through
            }
        }
        return -1;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not readable: the architecture says less but something
        }
        return System.getProperty("os.arch");
    }

    /** One line of JSON: the components, in order. */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Appends this environment as one line to {@code file} (one line per start of the stage). */
    public void appendTo(Path file) throws IOException {
        Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** A short line for logs. */
    public String summary() {
        return String.format(Locale.ROOT, "%s, %s threads on %s (%d cores), commit %s, channels-last %s%s",
                engine, threads, cpu, cores, commit, channelsLast ? "on" : "off",
                precision == null ? "" : ", precision " + precision);
    }
}
