package io.lttricks.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tools/allocator-env.sh, which lt, bench/lt-bench and the benchmarks' tuned references source. */
class AllocatorEnvTest {
    private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("tools/allocator-env.sh");

    /** Runs the script in bash with {@code env} and prints the four variables it sets. */
    private static String run(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". \"$0\"; for v in MALLOC_MMAP_THRESHOLD_"
                + " MALLOC_TRIM_THRESHOLD_ MALLOC_TOP_PAD_ GLIBC_TUNABLES; do printf '%s=%s;' \"$v\" \"${!v-}\"; done",
                SCRIPT.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("MALLOC_") || k.equals("GLIBC_TUNABLES")
                || k.equals("LT_MALLOC_TUNING"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void setsTheHeapSettingsAndHugePagesUnlessToldOtherwise() throws Exception {
        assertEquals("MALLOC_MMAP_THRESHOLD_=33554432;MALLOC_TRIM_THRESHOLD_=68719476736;MALLOC_TOP_PAD_=268435456;"
                + "GLIBC_TUNABLES=glibc.malloc.hugetlb=1;", run(Map.of()));
        assertEquals("MALLOC_MMAP_THRESHOLD_=;MALLOC_TRIM_THRESHOLD_=;MALLOC_TOP_PAD_=;GLIBC_TUNABLES=;",
                run(Map.of("LT_MALLOC_TUNING", "off")), "off keeps glibc's defaults");
    }

    @Test
    void keepsWhatTheUserSet() throws Exception {
        assertEquals("MALLOC_MMAP_THRESHOLD_=1048576;MALLOC_TRIM_THRESHOLD_=68719476736;MALLOC_TOP_PAD_=268435456;"
                + "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1;",
                run(Map.of("MALLOC_MMAP_THRESHOLD_", "1048576", "GLIBC_TUNABLES", "glibc.malloc.arena_max=2")));
        assertEquals("MALLOC_MMAP_THRESHOLD_=33554432;MALLOC_TRIM_THRESHOLD_=68719476736;MALLOC_TOP_PAD_=268435456;"
                + "GLIBC_TUNABLES=glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2;",
                run(Map.of("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2")),
                "a hugetlb choice of the user's stays as it is");
    }
}
