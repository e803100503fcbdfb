package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What lt says when something is wrong (issue 13, item 12): one line that names the file and the
 * problem, never "null", never a stack trace; and a run name that cannot leave the runs directory.
 */
class LtMessagesTest {
    @TempDir
    Path tmp;

    private String oldCache;

    @BeforeEach
    void isolateTheCache() {
        oldCache = System.getProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
        System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, tmp.resolve("cache").toString());
    }

    @AfterEach
    void restoreTheCache() {
        if (oldCache == null) {
            System.clearProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY);
        } else {
            System.setProperty(io.lttricks.core.util.LtPaths.CACHE_DIR_PROPERTY, oldCache);
        }
    }

    static LtTest.Run lt(String... args) {
        return LtTest.lt(args);
    }

    static void assertOneLine(LtTest.Run r) {
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line, no stack trace:\n" + r.err());
        assertFalse(r.err().contains("null"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** An ImageFolder archive as cifar-10-jpeg.tar.gz: random bytes as images (extraction does not decode). */
    static byte[] imageFolderTarGz() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Random r = new Random(2);
        try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (String split : new String[] {"train", "test"}) {
                for (int i = 0; i < 20; i++) {
                    byte[] data = new byte[8192];
                    r.nextBytes(data);
                    TarArchiveEntry e = new TarArchiveEntry("cifar-10-jpeg/" + split + "/c" + (i % 2) + "/" + i + ".jpg");
                    e.setSize(data.length);
                    tar.putArchiveEntry(e);
                    tar.write(data);
                    tar.closeArchiveEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    LtTest.Run train(Path dataDir) {
        return lt("train", "--data-dir", dataDir.toString(), "--offline", "--profile", "quick", "--epochs", "1",
                "--out", tmp.resolve("run").toString());
    }

    /** It printed "lt: null". */
    @Test
    void aTruncatedArchiveIsNamedAndSaidToBeTruncated() throws IOException {
        byte[] whole = imageFolderTarGz();
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path archive = Files.write(data.resolve("cifar-10-jpeg.tar.gz"), Arrays.copyOf(whole, whole.length / 2));
        LtTest.Run r = train(data);
        assertEquals(1, r.code(), r.err());
        assertOneLine(r);
        assertTrue(r.err().contains(archive.toString()) && r.err().contains("truncated"), r.err());
    }

    /** It printed "lt: Corrupted TAR archive." and no file. */
    @Test
    void aCorruptedTarArchiveIsNamed() throws IOException {
        byte[] tar = new java.io.ByteArrayOutputStream().toByteArray();
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                new java.io.ByteArrayInputStream(imageFolderTarGz()))) {
            tar = in.readAllBytes();
        }
        // The third header's checksum field, overwritten.
        int headers = 0;
        for (int off = 0; off + 512 <= tar.length; off += 512) {
            if (new String(tar, off + 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar") && ++headers == 3) {
                Arrays.fill(tar, off + 148, off + 156, (byte) 'X');
                break;
            }
        }
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path archive = data.resolve("cifar-10-jpeg.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive))) {
            out.write(tar);
        }
        LtTest.Run r = train(data);
        assertEquals(1, r.code(), r.err());
        assertOneLine(r);
        assertTrue(r.err().contains(archive.toString()) && r.err().toLowerCase().contains("corrupted tar archive"), r.err());
    }

    /** It printed only the path. */
    @Test
    void aMissingRecipeFileSaysSo() {
        LtTest.Run r = lt("train", tmp.resolve("nosuch.yaml").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, r.code());
        assertOneLine(r);
        assertTrue(r.err().contains("recipe file not found: " + tmp.resolve("nosuch.yaml")), r.err());
    }

    @Test
    void aRecipeFileWithNoStagesIsRefused() throws IOException {
        Path recipe = Files.writeString(tmp.resolve("empty.yaml"), "dataset: {name: cifar10}\nstages: []\n");
        LtTest.Run r = lt("train", recipe.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("stages: a recipe needs at least one stage"), r.err());
    }

    /** Issue 13 item 1, locally: the run name becomes runs/NAME, and may not climb out of runs/. */
    @Test
    void aRunNameCannotLeaveTheRunsDirectory() throws IOException {
        String escape = "lt-escape-" + System.nanoTime();
        Path outside = Path.of("runs", "..", "..", escape).toAbsolutePath().normalize();
        try {
            LtTest.Run r = lt("train", "--name", "../../" + escape, "--offline", "--data-dir",
                    tmp.resolve("nothing").toString(), "--epochs", "1");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("bad recipe: name: letters, digits"), r.err());
            assertFalse(Files.exists(outside), outside + " was written");
        } finally {
            if (Files.exists(outside)) {
                try (var walk = Files.walk(outside)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** A second lt up on a state directory in use printed 65 lines of stack traces. */
    @Test
    void aSecondSystemOnABusyStateDirectorySaysSoInOneLine() throws Exception {
        Path state = tmp.resolve("state");
        Path lock = Files.createDirectories(state.resolve("kafka")).resolve(io.lttricks.embedded.EmbeddedKafka.LOCK_FILE);
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            LtTest.Run r = assertTimeoutPreemptively(Duration.ofSeconds(120),
                    () -> lt("up", "--state-dir", state.toString(), "--any-ports"));
            assertEquals(1, r.code(), r.err());
            assertOneLine(r);
            assertTrue(r.err().contains("is in use by another 'lt up' or 'lt run'") && r.err().contains(state.toString()),
                    r.err());
            assertTrue(held.isValid());
        }
    }
}
