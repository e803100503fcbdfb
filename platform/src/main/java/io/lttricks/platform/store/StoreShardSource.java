package io.lttricks.platform.store;

import io.lttricks.core.data.ShardSource;
import java.io.IOException;
import java.nio.file.Path;

/** A shard set in object storage: the files under one prefix ({@code datasets/NAME/}), read whole or by range. */
public final class StoreShardSource implements ShardSource {
    private final ObjectStore store;
    private final String prefix;

    /** @param prefix the key prefix of the set's files, ending in '/' ({@code datasets/imagenet_lt/}) */
    public StoreShardSource(ObjectStore store, String prefix) {
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("a shard set's prefix ends with '/': " + prefix);
        }
        this.store = store;
        this.prefix = prefix;
    }

    private String key(String file) {
        if (file.contains("/")) {
            throw new IllegalArgumentException("not a file of the shard set: " + file);
        }
        return prefix + file;
    }

    @Override
    public String describe() {
        return store.uri(prefix);
    }

    @Override
    public byte[] read(String file) throws IOException {
        return store.get(key(file));
    }

    @Override
    public byte[] read(String file, long offset, int length) throws IOException {
        return store.getRange(key(file), offset, length);
    }

    @Override
    public void download(String file, Path target) throws IOException {
        store.getFile(key(file), target);
    }
}
