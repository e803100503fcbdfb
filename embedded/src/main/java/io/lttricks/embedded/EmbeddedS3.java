package io.lttricks.embedded;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3-compatible server in this process (s3proxy) storing objects as files under a directory:
 * the same client code that talks to MinIO in a cluster talks to it, with AWS v2/v4 signatures.
 */
public final class EmbeddedS3 implements AutoCloseable {
    private final S3Proxy proxy;
    private final String endpoint;

    private EmbeddedS3(S3Proxy proxy, String endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    /** A plain HTTP server; see {@link #start(Path, int, String, String, Path, String)}. */
    public static EmbeddedS3 start(Path dir, int port, String accessKey, String secretKey) throws IOException {
        return start(dir, port, accessKey, secretKey, null, null);
    }

    /**
     * An HTTPS server when {@code keyStore} (PKCS#12, with the server's key and certificate) is given.
     *
     * @param dir    where objects live (buckets are sub-directories); kept between starts; the owner's only (700)
     * @param port   0: any free port
     */
    public static EmbeddedS3 start(Path dir, int port, String accessKey, String secretKey, Path keyStore,
                                   String keyStorePassword) throws IOException {
        Owner.only(dir);
        int p = FreePort.orPick(port);
        String endpoint = (keyStore != null ? "https" : "http") + "://127.0.0.1:" + p;
        S3Proxy.Builder b = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dir.toAbsolutePath().toString()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey);
        if (keyStore != null) {
            b.secureEndpoint(URI.create(endpoint)).keyStore(keyStore.toAbsolutePath().toString(), keyStorePassword);
        } else {
            b.endpoint(URI.create(endpoint));
        }
        S3Proxy proxy = b.build();
        try {
            proxy.start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IOException("cannot start the embedded S3 server on port " + p + ": " + e.getMessage(), e);
        }
        return new EmbeddedS3(proxy, endpoint);
    }

    public String endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception ignored) {
            // Stopping a server that failed to start.
        }
    }
}
