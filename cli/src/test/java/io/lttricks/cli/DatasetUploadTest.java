package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.embedded.EmbeddedS3;
import io.lttricks.platform.Config;
import io.lttricks.platform.store.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt dataset upload: puts archives under datasets/, refuses what the services could not open, never overwrites silently. */
class DatasetUploadTest {
    @TempDir
    static Path dir;

    static EmbeddedS3 s3;
    static Map<String, String> env;

    @BeforeAll
    static void startStorage() throws IOException {
        s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "ak", "sk-secret");
        env = Map.of(Config.S3_ENDPOINT, s3.endpoint(), Config.S3_ACCESS_KEY, "ak", Config.S3_SECRET_KEY, "sk-secret",
                Config.S3_BUCKET, "upload-test");
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    static Path tarGz(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry("train/a/0.txt");
            e.setSize(bytes.length);
            tar.putArchiveEntry(e);
            tar.write(bytes);
            tar.closeArchiveEntry();
        }
        return file;
    }

    static DatasetCommand.Upload upload(Path archive, String as, boolean replace) {
        DatasetCommand.Upload u = new DatasetCommand.Upload();
        u.archive = archive;
        u.as = as;
        u.replace = replace;
        u.env = env;
        return u;
    }

    static byte[] stored(String key) throws IOException {
        try (ObjectStore store = ObjectStore.connect(Config.from(env, 0))) {
            return store.get(key);
        }
    }

    @Test
    void uploadsUnderDatasetsAndRefusesToOverwriteWithoutReplace() throws Exception {
        Path first = tarGz("mine.tar.gz", "first");
        assertEquals(0, upload(first, null, false).call());
        assertArrayEquals(Files.readAllBytes(first), stored("datasets/mine.tar.gz"));

        Path second = tarGz("other.tar.gz", "second version");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> upload(second, "mine.tar.gz", false).call());
        assertTrue(e.getMessage().contains("--replace"), e.getMessage());
        assertArrayEquals(Files.readAllBytes(first), stored("datasets/mine.tar.gz"), "the stored object is untouched");

        assertEquals(0, upload(second, "mine.tar.gz", true).call());
        assertArrayEquals(Files.readAllBytes(second), stored("datasets/mine.tar.gz"));
    }

    @Test
    void refusesFilesTheServicesCouldNotOpen() throws Exception {
        Path plain = dir.resolve("plain.tar.gz");
        Files.writeString(plain, "not compressed");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> upload(plain, null, false).call())
                .getMessage().contains("not gzip"));

        Path gzNotTar = dir.resolve("text.tar.gz");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write("hello, not a tar".repeat(100).getBytes(StandardCharsets.UTF_8));
        }
        Files.write(gzNotTar, bytes.toByteArray());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> upload(gzNotTar, null, false).call())
                .getMessage().contains("not a tar"));

        Path good = tarGz("good.tar.gz", "x");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> upload(good, "good.zip", false).call())
                .getMessage().contains(".tar.gz"));
        try (ObjectStore store = ObjectStore.connect(Config.from(env, 0))) {
            store.ensureBucket();
            assertTrue(store.list("datasets/").stream().noneMatch(k -> k.contains("plain") || k.contains("text") || k.contains("good")),
                    "nothing was stored: " + store.list("datasets/"));
        }
    }
}
