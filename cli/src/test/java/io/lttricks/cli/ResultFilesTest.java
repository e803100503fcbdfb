package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StageResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lt results --open's copying: the listed files under DIR as under the run's prefix, the same
 * contents left alone, different ones kept without --force, and no name or link a server sends
 * writes outside DIR.
 */
class ResultFilesTest {
    static final String PREFIX = "runs/r-1";
    static final Map<String, byte[]> STORED = Map.of(
            PREFIX + "/01-first/report/report.txt", "Top-1 error 0.5".getBytes(StandardCharsets.UTF_8),
            PREFIX + "/01-first/report/per-class.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'},
            PREFIX + "/01-first/history.jsonl", "{\"epoch\":1}\n".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    static RunResults results(String... keys) {
        return RunResults.newBuilder().setRun(RunStatus.newBuilder().setRunId("r-1").setPrefix(PREFIX))
                .addStages(StageResult.newBuilder().setStage("first").addAllFileKeys(List.of(keys))).build();
    }

    void copy(Path dir, boolean force, RunResults results) throws IOException {
        new ResultFiles(dir, force, false, new PrintStream(printed, true, StandardCharsets.UTF_8)).copy(results, STORED::get);
    }

    @Test
    void theListedFilesAreCopiedAndDifferentOnesKeptWithoutForce() throws IOException {
        Path dir = tmp.resolve("out");
        RunResults results = results(PREFIX + "/01-first/report/report.txt", PREFIX + "/01-first/report/per-class.png",
                PREFIX + "/01-first/report/curves.png", PREFIX + "/01-first/history.jsonl");
        copy(dir, false, results);
        Path table = dir.resolve("01-first/report/report.txt");
        assertArrayEquals(STORED.get(PREFIX + "/01-first/report/report.txt"), Files.readAllBytes(table));
        assertArrayEquals(STORED.get(PREFIX + "/01-first/history.jsonl"), Files.readAllBytes(dir.resolve("01-first/history.jsonl")));
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains(table.toRealPath().toString()), out);
        assertTrue(out.contains("(not stored) " + PREFIX + "/01-first/report/curves.png"), out);
        assertFalse(Files.exists(dir.resolve("01-first/report/curves.png")));

        copy(dir, false, results);   // the same contents: nothing to refuse

        Files.writeString(table, "my notes");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> copy(dir, false, results));
        assertTrue(e.getMessage().contains("--force") && e.getMessage().contains("report.txt"), e.getMessage());
        assertEquals("my notes", Files.readString(table), "kept");
        assertTrue(Files.exists(dir.resolve("01-first/history.jsonl")), "the other files were still copied");
        copy(dir, true, results);
        assertArrayEquals(STORED.get(PREFIX + "/01-first/report/report.txt"), Files.readAllBytes(table));
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith(".lt-")).toList(), "no temporary file left");
        }
    }

    @Test
    void noNameOrLinkWritesOutsideTheDirectory() throws IOException {
        Path dir = tmp.resolve("out");
        for (String key : List.of(PREFIX + "/../x", PREFIX + "/01-first/../../x", "runs/other/01-first/report.txt", "/etc/x",
                PREFIX + "//x", PREFIX + "/a\\..\\..\\x", PREFIX + "/./x", PREFIX)) {
            assertThrows(IOException.class, () -> copy(dir, true, results(key)), key);
        }
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(dir.resolve("01-first"), outside);
        assertThrows(IOException.class, () -> copy(dir, true, results(PREFIX + "/01-first/report/report.txt")));
        Files.createDirectories(dir.resolve("02-second"));
        Files.createSymbolicLink(dir.resolve("02-second/history.jsonl"), outside.resolve("history.jsonl"));
        assertThrows(IOException.class, () -> copy(dir, true, results(PREFIX + "/02-second/history.jsonl")));
        try (Stream<Path> files = Files.list(outside)) {
            assertEquals(List.of(), files.toList(), "nothing written through the links");
        }
        assertFalse(Files.exists(tmp.resolve("x")));
    }
}
