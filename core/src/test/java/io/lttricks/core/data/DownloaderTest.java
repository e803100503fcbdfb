package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a local HTTP server: progress, md5 check, nothing left behind on a bad file. */
class DownloaderTest {
    @TempDir
    Path tmp;
    HttpServer server;
    byte[] payload;

    @BeforeEach
    void start() throws IOException {
        payload = new byte[3 << 20];
        new Random(1).nextBytes(payload);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/file.tar.gz", ex -> {
            ex.sendResponseHeaders(200, payload.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(payload);
            }
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void downloadsVerifiesAndReportsProgress() throws Exception {
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(payload));
        List<Long> seen = new ArrayList<>();
        Path target = tmp.resolve("data/file.tar.gz");
        new Downloader().download(url("/file.tar.gz"), target, md5, payload.length,
                (task, done, total, unit) -> seen.add(done));
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertTrue(seen.size() >= 3 && seen.get(seen.size() - 1) == payload.length, seen.toString());
    }

    @Test
    void wrongChecksumLeavesNothingBehind() {
        Path target = tmp.resolve("file.tar.gz");
        IOException e = assertThrows(IOException.class, () -> new Downloader().download(url("/file.tar.gz"), target,
                "00000000000000000000000000000000", payload.length, Progress.SILENT));
        assertTrue(e.getMessage().contains("md5"), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(tmp.resolve("file.tar.gz.part")));
    }

    @Test
    void httpErrorsAndUnreachableHostsAreDistinguished() {
        IOException e = assertThrows(IOException.class, () -> new Downloader().download(url("/missing"),
                tmp.resolve("x"), null, 0, Progress.SILENT));
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertThrows(Downloader.OfflineException.class, () -> new Downloader().download(
                "http://host.invalid/file", tmp.resolve("y"), null, 0, Progress.SILENT));
    }
}
