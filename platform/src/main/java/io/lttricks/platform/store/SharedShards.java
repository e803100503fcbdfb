package io.lttricks.platform.store;

import io.lttricks.core.data.ShardCache;
import io.lttricks.core.data.ShardSet;
import io.lttricks.core.data.ShardSource;
import io.lttricks.core.data.ShardStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The shard sets this process reads, and their cache: one {@link ShardCache} per cache directory
 * (two caches over one directory would evict each other's files), one {@link ShardStream} per
 * shard set, shared by every job of every service in the process (the embedded mode runs all four
 * in one). A set rewritten under the same name (its index changed) gets a new stream.
 */
public final class SharedShards {
    /** Default cache when {@code LT_SHARD_CACHE} is unset: 2 GiB, or half the volume's free space if that is less. */
    static final long DEFAULT_LIMIT = 2L << 30;

    private static final Map<Path, ShardCache> CACHES = new HashMap<>();
    private static final Map<String, Opened> STREAMS = new HashMap<>();

    private record Opened(byte[] index, ShardStream stream) {
    }

    private SharedShards() {
    }

    /**
     * The cache in {@code dir}: {@code limit} bytes (-1: the default; 0: none, and null is returned).
     */
    static synchronized ShardCache cache(Path dir, long limit) throws IOException {
        if (limit == 0) {
            return null;
        }
        Path key = dir.toAbsolutePath().normalize();
        ShardCache c = CACHES.get(key);
        if (c == null) {
            long l = limit;
            if (l < 0) {
                Files.createDirectories(key);
                l = Math.min(DEFAULT_LIMIT, Files.getFileStore(key).getUsableSpace() / 2);
            }
            c = new ShardCache(key, l);
            CACHES.put(key, c);
        }
        return c;
    }

    /**
     * The stream of the shard set in {@code store} whose index {@code location} names
     * ({@code s3://BUCKET/datasets/NAME/shards.json}), through the cache {@code config} sets
     * ({@value io.lttricks.platform.Config#SHARD_CACHE}, in the work directory's {@code shard-cache/}).
     */
    public static ShardStream open(ObjectStore store, io.lttricks.platform.Config config, String location)
            throws IOException {
        String key = Keys.keyOf(location, store.bucket());
        Keys.check(key);
        if (!ShardSet.isIndex(key)) {
            throw new IllegalArgumentException(location + " does not name a shard set's " + ShardSet.INDEX);
        }
        String prefix = key.substring(0, key.length() - ShardSet.INDEX.length());
        ShardCache cache = cache(config.workDir().resolve("shard-cache"), config.shardCacheBytes());
        return stream(store.uri(prefix), new StoreShardSource(store, prefix), cache, false);
    }

    /** The stream of the shard set at {@code source} (its index read now, to see whether it changed). */
    static synchronized ShardStream stream(String id, ShardSource source, ShardCache cache, boolean local)
            throws IOException {
        byte[] index = source.read(ShardSet.INDEX);
        Opened o = STREAMS.get(id);
        if (o != null && Arrays.equals(o.index(), index)) {
            return o.stream();
        }
        ShardStream s = ShardStream.open(source, index, cache, local);
        if (o != null) {
            o.stream().close();
        }
        STREAMS.put(id, new Opened(index, s));
        return s;
    }
}
