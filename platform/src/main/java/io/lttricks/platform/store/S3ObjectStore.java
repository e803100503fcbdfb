package io.lttricks.platform.store;

import io.lttricks.platform.Config;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The object store on S3-compatible storage through the MinIO SDK (MinIO in a cluster, the embedded
 * server on one machine).
 */
public final class S3ObjectStore implements ObjectStore {
    private final MinioClient client;
    /** The HTTP client under {@link #client}, also used alone for range reads. */
    private final okhttp3.OkHttpClient http;
    private final String bucket;

    /** The store the configuration names; fails when its credentials are not configured (there are no defaults). */
    public S3ObjectStore(Config config) {
        this(config.s3Endpoint(), requireCredentials(config).s3AccessKey(), config.s3SecretKey(), config.s3Region(),
                config.s3Bucket(), config.s3CaFile());
    }

    public S3ObjectStore(String endpoint, String accessKey, String secretKey, String region, String bucket) {
        this(endpoint, accessKey, secretKey, region, bucket, null);
    }

    /**
     * @param caFile PEM bundle of the CAs that the server's certificate is checked against instead of
     *               the JVM's (a MinIO with a private CA); null for the JVM's
     */
    public S3ObjectStore(String endpoint, String accessKey, String secretKey, String region, String bucket, Path caFile) {
        this.http = caFile != null ? trusting(caFile) : io.minio.Http.newDefaultClient();
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region)
                .httpClient(http, true).build();
        this.bucket = bucket;
    }

    private static Config requireCredentials(Config config) {
        config.requireS3Credentials();
        return config;
    }

    /** MinIO's default HTTP client, trusting only the CAs of {@code caFile}. */
    static okhttp3.OkHttpClient trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            java.util.Collection<? extends java.security.cert.Certificate> cas =
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (cas.isEmpty()) {
                throw new IllegalArgumentException(Config.S3_CA_FILE + ": no certificate in " + caFile);
            }
            java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate c : cas) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            javax.net.ssl.X509TrustManager tm = (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
            return io.minio.Http.newDefaultClient().newBuilder().sslSocketFactory(ctx.getSocketFactory(), tm).build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(Config.S3_CA_FILE + ": cannot read " + caFile, e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(Config.S3_CA_FILE + ": " + caFile + " is not a PEM bundle of CA certificates: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String bucket() {
        return bucket;
    }

    /** Creates the bucket when it does not exist. */
    @Override
    public void ensureBucket() throws IOException {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (ErrorResponseException e) {
            if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())
                    && !"BucketAlreadyExists".equals(e.errorResponse().code())) {
                throw wrap("create bucket " + bucket, e);
            }
        } catch (Exception e) {
            throw wrap("reach object storage for bucket " + bucket, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        ObjectStore.checkKey(key);
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(in, (long) bytes.length, null)
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw wrap("write " + key, e);
        }
    }

    @Override
    public void putFile(String key, Path file, String contentType) throws IOException {
        ObjectStore.checkKey(key);
        try {
            client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key).filename(file.toString())
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw wrap("upload " + file + " to " + key, e);
        }
    }

    /** The object's bytes. */
    @Override
    public byte[] get(String key) throws IOException {
        ObjectStore.checkKey(key);
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                throw new NoSuchObjectException(bucket, key);
            }
            throw wrap("read " + key, e);
        } catch (Exception e) {
            throw wrap("read " + key, e);
        }
    }

    /**
     * A range request on a pre-signed address of the object (signed once an hour per key, then plain
     * HTTP GETs with a {@code Range} header): a data set's images are read this way one by one, tens
     * of thousands an epoch, and signing each request would cost the client more than the request.
     */
    @Override
    public byte[] getRange(String key, long offset, int length) throws IOException {
        ObjectStore.checkKey(key);
        for (int attempt = 0; ; attempt++) {
            okhttp3.Request request = new okhttp3.Request.Builder().url(presigned(key, attempt > 0))
                    .header("Range", "bytes=" + offset + "-" + (offset + length - 1)).build();
            try (okhttp3.Response response = http.newCall(request).execute()) {
                int code = response.code();
                if (code == 206 || (code == 200 && offset == 0)) {
                    byte[] b;
                    try (InputStream in = response.body().byteStream()) {
                        b = in.readNBytes(length);
                    }
                    if (b.length != length) {
                        throw new IOException("read " + b.length + " of " + length + " bytes at " + offset + " of "
                                + uri(key) + ": the object is shorter than its index says");
                    }
                    return b;
                }
                if (code == 404) {
                    throw new NoSuchObjectException(bucket, key);
                }
                if (code == 403 && attempt == 0) {
                    continue; // a signature that expired (or a clock that moved): sign again, once
                }
                String what = "read bytes " + offset + ".." + (offset + length) + " of " + key + ": HTTP " + code;
                if (code >= 500 || code == 429) {
                    throw new UnavailableException("storage could not " + what, null);
                }
                throw new IOException("storage refused to " + what + " " + response.message());
            } catch (IOException e) {
                if (e instanceof NoSuchObjectException || e instanceof UnavailableException
                        || (e.getMessage() != null && (e.getMessage().contains("shorter than its index")
                        || e.getMessage().startsWith("storage refused")))) {
                    throw e;
                }
                throw new UnavailableException("storage could not be reached to read bytes of " + key + ": " + e, e);
            }
        }
    }

    /** Pre-signed GET addresses, valid an hour, used for 50 minutes. */
    private final java.util.concurrent.ConcurrentHashMap<String, Signed> signed = new java.util.concurrent.ConcurrentHashMap<>();

    private record Signed(String url, long until) {
    }

    private String presigned(String key, boolean renew) throws IOException {
        Signed s = signed.get(key);
        if (s == null || renew || System.nanoTime() - s.until() > 0) {
            try {
                String url = client.getPresignedObjectUrl(io.minio.GetPresignedObjectUrlArgs.builder()
                        .method(io.minio.Http.Method.GET).bucket(bucket).object(key).expiry(3600).build());
                s = new Signed(url, System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(50));
                signed.put(key, s);
            } catch (Exception e) {
                throw wrap("sign a read of " + key, e);
            }
        }
        return s.url();
    }

    /**
     * Downloads the object to {@code file}: into a temporary file of this call's own, then renamed
     * over {@code file} atomically, so callers that fetch one key at once each finish with the
     * whole file (the last rename wins; the contents are the same) and no reader sees a part.
     */
    @Override
    public Path getFile(String key, Path file) throws IOException {
        ObjectStore.checkKey(key);
        Path parent = Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(parent, file.getFileName() + ".", ".part");
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        } catch (ErrorResponseException e) {
            Files.deleteIfExists(tmp);
            if (isMissing(e)) {
                throw new NoSuchObjectException(bucket, key);
            }
            throw wrap("download " + key, e);
        } catch (Exception e) {
            Files.deleteIfExists(tmp);
            throw wrap("download " + key, e);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    @Override
    public boolean exists(String key) throws IOException {
        ObjectStore.checkKey(key);
        try {
            client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return false;
            }
            throw wrap("look up " + key, e);
        } catch (Exception e) {
            throw wrap("look up " + key, e);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    keys.add(item.objectName());
                }
            }
        } catch (Exception e) {
            throw wrap("list " + prefix, e);
        }
        keys.sort(String::compareTo);
        return keys;
    }

    @Override
    public void delete(String key) throws IOException {
        ObjectStore.checkKey(key);
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw wrap("delete " + key, e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception ignored) {
            // The client only holds connection pools.
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)
                || e.response() != null && e.response().code() == 404;
    }

    private IOException wrap(String what, Exception e) {
        String message = "object storage: cannot " + what + " in bucket " + bucket + ": "
                + (e instanceof IOException && !(e instanceof java.net.ConnectException) ? e.getMessage() : e.toString());
        return isTransient(e) ? new UnavailableException(message, e) : new IOException(message, e);
    }

    /**
     * Whether a failure may pass: the server could not be reached or timed out (the client's I/O
     * errors, except those about a local file), or it answered with a server error (5xx, SlowDown).
     * Refusals (access denied, no such bucket, a bad request) do not pass by trying again. The
     * client wraps some I/O errors (a refused connection during an upload comes as an
     * IllegalStateException around the ConnectException), so the causes count too.
     */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.nio.file.FileSystemException) {
                return false;
            }
            if (t instanceof IOException || t instanceof ServerException) {
                return true;
            }
            if (t instanceof ErrorResponseException r) {
                String code = r.errorResponse().code();
                return r.response() != null && r.response().code() >= 500 || "SlowDown".equals(code)
                        || "InternalError".equals(code) || "ServiceUnavailable".equals(code) || "RequestTimeout".equals(code);
            }
        }
        return false;
    }
}
