package io.lttricks.platform.store;

import io.lttricks.platform.Config;
import io.lttricks.platform.TransientFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The object store of the system: keys are '/'-separated paths inside one bucket; writes are whole
 * objects, so a reader never sees half of one. {@link S3ObjectStore} is the real one (MinIO in a
 * cluster, the embedded server on one machine); tests use the in-memory one of platform's test jar.
 *
 * <p>Failures are {@link IOException}s: {@link NoSuchObjectException} when a key does not exist,
 * {@link UnavailableException} when storage could not be reached or answered with a server error
 * (trying again may succeed), a plain {@code IOException} otherwise.
 */
public interface ObjectStore extends AutoCloseable {

    /** The S3 store the configuration names. */
    static ObjectStore connect(Config config) {
        return new S3ObjectStore(config);
    }

    String bucket();

    /** Creates the bucket when it does not exist. */
    void ensureBucket() throws IOException;

    void put(String key, byte[] bytes, String contentType) throws IOException;

    void putFile(String key, Path file, String contentType) throws IOException;

    /** The object's bytes. */
    byte[] get(String key) throws IOException;

    /**
     * {@code length} bytes of the object from {@code offset} (an HTTP range request on S3). This
     * default reads the whole object: stores that can do better override it.
     */
    default byte[] getRange(String key, long offset, int length) throws IOException {
        byte[] all = get(key);
        if (offset < 0 || length < 0 || offset + length > all.length) {
            throw new IOException("bytes " + offset + ".." + (offset + length) + " are outside " + uri(key) + " ("
                    + all.length + " bytes)");
        }
        return java.util.Arrays.copyOfRange(all, (int) offset, (int) offset + length);
    }

    /** Downloads the object to {@code file} (via a temporary file, then renamed), and returns {@code file}. */
    Path getFile(String key, Path file) throws IOException;

    boolean exists(String key) throws IOException;

    /** Keys under {@code prefix}, recursively, in key order. */
    List<String> list(String prefix) throws IOException;

    /** Keys under {@code prefix} that {@code keep} accepts, in key order. */
    default List<String> list(String prefix, Predicate<String> keep) throws IOException {
        List<String> keys = new ArrayList<>(list(prefix));
        keys.removeIf(keep.negate());
        return keys;
    }

    /** Removes the object; removing a key that does not exist is no error. */
    void delete(String key) throws IOException;

    default String uri(String key) {
        return "s3://" + bucket() + "/" + key;
    }

    @Override
    void close();

    /**
     * Rejects keys that S3 servers (or the local mirror of objects in a work directory) read
     * differently from how they are written here: see {@link Keys#check}.
     */
    static void checkKey(String key) {
        Keys.check(key);
    }

    /** The key does not exist. */
    final class NoSuchObjectException extends IOException {
        public NoSuchObjectException(String bucket, String key) {
            super("no object s3://" + bucket + "/" + key);
        }
    }

    /** Storage could not be reached, timed out or answered with a server error: trying again may succeed. */
    final class UnavailableException extends IOException implements TransientFailure {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
