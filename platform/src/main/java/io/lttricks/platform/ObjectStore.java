package io.lttricks.platform;

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
 * The one object-store client: S3-compatible storage through the MinIO SDK (MinIO in a cluster,
 * the embedded server on one machine). Keys are '/'-separated paths inside one bucket. Writes are
 * whole objects, so a reader never sees half of one.
 */
public final class ObjectStore implements AutoCloseable {
    private final MinioClient client;
    private final String bucket;

    public ObjectStore(Config config) {
        this(config.s3Endpoint(), config.s3AccessKey(), config.s3SecretKey(), config.s3Region(), config.s3Bucket());
    }

    public ObjectStore(String endpoint, String accessKey, String secretKey, String region, String bucket) {
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region).build();
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    /** Creates the bucket when it does not exist. */
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

    public void put(String key, byte[] bytes, String contentType) throws IOException {
        checkKey(key);
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(in, (long) bytes.length, null)
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw wrap("write " + key, e);
        }
    }

    public void putFile(String key, Path file, String contentType) throws IOException {
        checkKey(key);
        try {
            client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key).filename(file.toString())
                    .contentType(contentType).build());
        } catch (Exception e) {
            throw wrap("upload " + file + " to " + key, e);
        }
    }

    /** The object's bytes. */
    public byte[] get(String key) throws IOException {
        checkKey(key);
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

    /** Downloads the object to {@code file} (via a temporary file, then renamed). */
    public Path getFile(String key, Path file) throws IOException {
        checkKey(key);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
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

    public boolean exists(String key) throws IOException {
        checkKey(key);
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

    /** Keys under {@code prefix}, recursively, in key order. */
    /** Keys under {@code prefix} that {@code keep} accepts, sorted. */
    public List<String> list(String prefix, java.util.function.Predicate<String> keep) throws IOException {
        List<String> keys = new ArrayList<>(list(prefix));
        keys.removeIf(keep.negate());
        return keys;
    }

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

    public void delete(String key) throws IOException {
        checkKey(key);
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw wrap("delete " + key, e);
        }
    }

    public String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception ignored) {
            // The client only holds connection pools.
        }
    }

    static void checkKey(String key) {
        if (key == null || key.isBlank() || key.startsWith("/") || key.contains("//") || key.contains("..")) {
            throw new IllegalArgumentException("not a valid object key: '" + key + "'");
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)
                || e.response() != null && e.response().code() == 404;
    }

    private IOException wrap(String what, Exception e) {
        if (e instanceof IOException io && !(e instanceof java.net.ConnectException)) {
            return new IOException("object storage: cannot " + what + " in bucket " + bucket + ": " + io.getMessage(), io);
        }
        return new IOException("object storage: cannot " + what + " in bucket " + bucket + ": " + e, e);
    }

    /** The key does not exist. */
    public static final class NoSuchObjectException extends IOException {
        public NoSuchObjectException(String bucket, String key) {
            super("no object s3://" + bucket + "/" + key);
        }
    }
}
