package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/** Downloads a file, checks its md5 and moves it into place only when it matches. */
public final class Downloader {
    private final HttpClient client;

    public Downloader() {
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * Downloads {@code url} to {@code target}. Throws {@link OfflineException} at once when the
     * host cannot be reached, so that callers can say where to put the file by hand.
     */
    public void download(String url, Path target, String expectedMd5, long expectedBytes, Progress progress)
            throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        HttpResponse<InputStream> response;
        try {
            response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new OfflineException("cannot reach " + url + " (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download interrupted", e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("download of " + url + " failed: HTTP " + response.statusCode());
        }
        long total = response.headers().firstValueAsLong("content-length").orElse(expectedBytes);
        MessageDigest md5 = md5();
        long done = 0;
        long lastReport = 0;
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                md5.update(buf, 0, n);
                done += n;
                if (done - lastReport >= (1 << 20)) {
                    progress.update("download " + target.getFileName(), done, total, "B");
                    lastReport = done;
                }
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("download of " + url + " broke off after " + done + " bytes: " + e.getMessage(), e);
        }
        progress.update("download " + target.getFileName(), done, total, "B");
        String actual = HexFormat.of().formatHex(md5.digest());
        if (expectedMd5 != null && !expectedMd5.equalsIgnoreCase(actual)) {
            Files.deleteIfExists(tmp);
            throw new IOException("downloaded " + target.getFileName() + " has md5 " + actual + ", expected "
                    + expectedMd5 + ": the file was corrupted in transit; run again");
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        progress.note("downloaded " + target + " (md5 " + actual + " verified)");
    }

    /** The md5 of a file, hex encoded. */
    public static String md5(Path file) throws IOException {
        MessageDigest md5 = md5();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md5.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** The md5 of bytes in memory, hex encoded. */
    public static String md5(byte[] data) {
        return HexFormat.of().formatHex(md5().digest(data));
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(IOException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** The network is not reachable; the message says what could not be reached. */
    public static final class OfflineException extends IOException {
        public OfflineException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
