package io.lttricks.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/onednn_kernels.py reads oneDNN 3.x's (libtorch 2.7.1) and 2.x's (PyTorch 1.13) verbose logs,
 * tells the steps apart by the first convolution, leaves the warm-up steps out and sums per
 * primitive: checked on two small logs whose sums are known.
 */
class OnednnKernelsScriptTest {
    @TempDir
    Path tmp;

    private static final String V3 = "onednn_verbose,v1,primitive,exec,cpu,";
    private static final String V2 = "onednn_verbose,exec,cpu,";

    /** One step: the stem convolution (3 input channels), a 16-channel one, its backward, a product, a reorder. */
    private static List<String> step(String head, double ms) {
        String stem = "mb128_ic3oc16_ih32oh32kh3sh1dh0ph1_iw32ow32kw3sw1dw0pw1";
        String body = "mb128_ic16oc16_ih32oh32kh3sh1dh0ph1_iw32ow32kw3sw1dw0pw1";
        return List.of(
                head + "convolution,jit:avx512_core,forward_training,src:f32 dst:f32,attr-scratchpad:user,alg:convolution_direct," + stem + "," + ms,
                head + "convolution,jit:avx512_core,forward_training,src:f32 dst:f32,attr-scratchpad:user,alg:convolution_direct," + body + "," + ms,
                head + "convolution,jit:avx512_core,backward_data,src:f32 dst:f32,attr-scratchpad:user,alg:convolution_direct," + body + "," + 2 * ms,
                head + "matmul,brg:avx512_core,undef,src:f32 wei:f32 dst:f32,,," + "128x64:64x10," + 0.5,
                head + "reorder,jit:uni,undef,src:f32 dst:f32,,," + "16x16x3x3," + 0.25);
    }

    private Path log(String head, double warmMs, double ms, String json) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(head.startsWith("onednn_verbose,v1") ? "onednn_verbose,v1,info,oneDNN v3.7.1" : "onednn_verbose,info,oneDNN v2.6.3");
        lines.addAll(step(head, warmMs));   // the warm-up step: left out
        lines.addAll(step(head, ms));
        lines.addAll(step(head, ms));
        lines.add(json);
        Path f = tmp.resolve(head.length() + ".log");
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsBothLogFormatsAndLeavesTheWarmUpOut() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Path script = Path.of("onednn_kernels.py").toAbsolutePath();
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        assumeTrue(Files.isRegularFile(script), "run from the bench module");
        Path ours = log(V3, 100.0, 1.0, "{\"config\": \"phases\", \"forward_ms\": 10.0, \"backward_ms\": 5.0, \"optimizer_ms\": 1.0}");
        Path ref = log(V2, 100.0, 2.0, "{\"config\": \"phases\", \"forward_ms\": 20.0, \"backward_ms\": 10.0, \"optimizer_ms\": 2.0}");
        Process p = new ProcessBuilder(python.toString(), script.toString(), ours.toString(), ref.toString(),
                "--warmup", "1", "--peak-fp32", "100").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("steps read: ours 2, PyTorch 2 (after 1 warm-up steps)"), out);
        // Per step: convolutions 1 + 1 + 2 = 4 ms ours, 8 ms reference; product 0.5; reorder 0.25.
        assertTrue(out.contains("ours: oneDNN 4.8 ms per step (convolution 4.0, matmul 0.5, reorder 0.2)"), out);
        assertTrue(out.contains("PyTorch: oneDNN 8.8 ms per step (convolution 8.0, matmul 0.5, reorder 0.2)"), out);
        // 2 x 128 x 16 x 32 x 32 x (3 + 16 + 16) x 9 multiply-adds, plus the product's 2 x 128 x 64 x 10.
        double gflop = (2.0 * 128 * 16 * 32 * 32 * 9 * (3 + 16 + 16) + 2.0 * 128 * 64 * 10) / 1e9;
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "%.2f GFLOP per step", gflop)), out);
        // The step's phases (16 ms) less the kernels (4.75 ms).
        assertTrue(out.contains("the step 16.0 ms (verbose on), outside oneDNN 11.2 ms"), out);
        assertTrue(out.contains("of the fp32 peak 100 GFLOP/s"), out);
    }

    @Test
    void tooFewStepsIsAClearError() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Path script = Path.of("onednn_kernels.py").toAbsolutePath();
        assumeTrue(Files.isExecutable(python) && Files.isRegularFile(script));
        Path ours = log(V3, 1.0, 1.0, "{}");
        Process p = new ProcessBuilder(python.toString(), script.toString(), ours.toString(), ours.toString(),
                "--warmup", "5").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.exitValue() != 0 && out.contains("only 3 steps in the log; fewer than --warmup 5 + 1"), out);
    }
}
