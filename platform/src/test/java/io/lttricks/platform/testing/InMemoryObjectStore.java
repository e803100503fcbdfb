package io.lttricks.platform.testing;

import io.lttricks.platform.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link ObjectStore} in memory, for tests: the same contract as the S3 one (keys checked the
 * same way, listings recursive and in key order, {@link ObjectStore.NoSuchObjectException} for a
 * missing key, deleting a missing key is no error, downloads through a temporary file). It also
 * keeps every version written to each key, and can fail calls on request as unreachable storage does.
 */
public final class InMemoryObjectStore implements ObjectStore {
    private final String bucket;
    private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    private final Map<String, List<byte[]>> writes = new ConcurrentHashMap<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile String failOnly;

    public InMemoryObjectStore() {
        this("lttricks");
    }

    public InMemoryObjectStore(String bucket) {
        this.bucket = bucket;
    }

    /**
     * The next {@code calls} calls whose key (or prefix) starts with {@code keyPrefix} (any call when
     * null) throw {@link ObjectStore.UnavailableException}, as storage that cannot be reached does.
     */
    public InMemoryObjectStore failNext(int calls, String keyPrefix) {
        failOnly = keyPrefix;
        failures.set(calls);
        return this;
    }

    /** Every version written to {@code key}, oldest first (empty if it never was). */
    public List<byte[]> writes(String key) {
        return List.copyOf(writes.getOrDefault(key, List.of()));
    }

    /** All keys, in order. */
    public List<String> keys() {
        return new ArrayList<>(objects.keySet());
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void ensureBucket() throws IOException {
        maybeFail("");
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) throws IOException {
        ObjectStore.checkKey(key);
        maybeFail(key);
        byte[] copy = bytes.clone();
        writes.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(copy);
        objects.put(key, copy);
    }

    @Override
    public void putFile(String key, Path file, String contentType) throws IOException {
        put(key, Files.readAllBytes(file), contentType);
    }

    @Override
    public byte[] get(String key) throws IOException {
        ObjectStore.checkKey(key);
        maybeFail(key);
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            throw new NoSuchObjectException(bucket, key);
        }
        return bytes.clone();
    }

    @Override
    public Path getFile(String key, Path file) throws IOException {
        byte[] bytes = get(key);
        Path parent = Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(parent, file.getFileName() + ".", ".part");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    @Override
    public boolean exists(String key) throws IOException {
        ObjectStore.checkKey(key);
        maybeFail(key);
        return objects.containsKey(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        maybeFail(prefix);
        List<String> keys = new ArrayList<>();
        for (String k : objects.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            keys.add(k);
        }
        return keys;
    }

    @Override
    public void delete(String key) throws IOException {
        ObjectStore.checkKey(key);
        maybeFail(key);
        objects.remove(key);
    }

    @Override
    public void close() {
    }

    private void maybeFail(String key) throws UnavailableException {
        String only = failOnly;
        if ((only == null || key.startsWith(only)) && failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            throw new UnavailableException("object storage: cannot reach bucket " + bucket + " for " + key
                    + " (failure injected by the test)", new java.net.ConnectException("connection refused"));
        }
    }
}
