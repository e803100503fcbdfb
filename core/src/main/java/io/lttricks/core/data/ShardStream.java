package io.lttricks.core.data;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a {@link ShardSet}'s images as a stream: each image's bytes from a cached shard when the
 * {@link ShardCache} holds it, otherwise by a byte-range read of the shard from its source
 * (neighbouring images in one read). Nothing is read that a caller does not ask for.
 *
 * <p><b>Which shards are cached.</b> A training epoch's order is known before it starts
 * ({@link #plan}): the stream counts how many of each shard's bytes the epoch will read, and
 * downloads whole the shards whose images the epoch reads most densely (at least half a shard's
 * worth), densest first, as many as the cache holds, in the order the epoch first needs them.
 * Everything else is read by range. The sampling order is never changed. Under class-balanced
 * sampling the tail classes' shards are the dense ones (their few images are drawn again and
 * again, and the writer packs a class's images together); under instance sampling every shard is
 * read about once, the cache keeps the same quarter (or whatever it holds) from epoch to epoch, and
 * the rest costs one read of each image, which no cache of that size can avoid.
 */
public final class ShardStream implements AutoCloseable {
    /**
     * Neighbouring images closer than this are read in one range (the bytes between them read and
     * dropped): a request costs about as much as this many bytes more of one.
     */
    static final int MERGE_GAP = 16 << 10;
    /** Largest single range read. */
    static final int MAX_RANGE = 8 << 20;
    /** A shard is worth downloading whole when an epoch reads at least this share of its bytes. */
    static final double DENSE = 0.5;

    private final ShardSource source;
    private final ShardSet index;
    private final ShardCache cache;
    private final ExecutorService io;
    private final ExecutorService loader;
    private final ExecutorService batches;
    private final Map<String, ShardSet.Entries> splits = new HashMap<>();
    private final AtomicLong rangeReads = new AtomicLong();
    private final AtomicLong rangeBytes = new AtomicLong();
    private final AtomicLong localReads = new AtomicLong();
    private final boolean local;
    private Future<?> planned;

    /**
     * @param cache     where whole shards are kept, or null (every read a range read: a local directory,
     *                  or storage without local disk to spare)
     * @param ioThreads concurrent range reads
     * @param local     whether the source is a local directory (its shards are read in place, never cached)
     */
    ShardStream(ShardSource source, ShardSet index, ShardCache cache, int ioThreads, boolean local) {
        this.source = source;
        this.index = index;
        this.cache = local ? null : cache;
        this.local = local;
        this.io = Executors.newFixedThreadPool(Math.max(1, ioThreads), daemon("lt-shard-read"));
        this.loader = Executors.newSingleThreadExecutor(daemon("lt-shard-load"));
        this.batches = Executors.newFixedThreadPool(4, daemon("lt-shard-fetch"));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Opens the shard set at {@code source}: reads its index; {@code cache} may be null. */
    public static ShardStream open(ShardSource source, ShardCache cache, boolean local) throws IOException {
        return open(source, source.read(ShardSet.INDEX), cache, local);
    }

    /** {@link #open(ShardSource, ShardCache, boolean)} with the index's bytes already read. */
    public static ShardStream open(ShardSource source, byte[] indexBytes, ShardCache cache, boolean local)
            throws IOException {
        ShardSet index = ShardSet.parse(indexBytes, source.describe() + "/" + ShardSet.INDEX);
        if (cache != null && !local) {
            long largest = index.shards().stream().mapToLong(ShardSet.Shard::bytes).max().orElse(0);
            if (largest > cache.limit()) {
                throw new IOException(String.format(Locale.ROOT, "the shard cache (%.1f MiB) cannot hold the largest shard"
                        + " of %s (%.1f MiB): raise LT_SHARD_CACHE, or write the shards smaller (lt dataset shard"
                        + " --shard-size)", cache.limit() / 1048576.0, source.describe(), largest / 1048576.0));
            }
        }
        return new ShardStream(source, index, cache, 8, local);
    }

    public ShardSet index() {
        return index;
    }

    public String describe() {
        return source.describe();
    }

    /** A split's images (parsed once). */
    public synchronized ShardSet.Entries entries(Split split) throws IOException {
        ShardSet.SplitFile f = index.splits().get(split.dirName);
        if (f == null) {
            throw new IOException("the shard set " + source.describe() + " has no " + split.dirName + " split");
        }
        ShardSet.Entries e = splits.get(f.file());
        if (e == null) {
            e = index.entries(source.read(f.file()), source.describe() + "/" + f.file());
            if (e.size() != f.images()) {
                throw new IOException(source.describe() + "/" + f.file() + " lists " + e.size() + " images, its index "
                        + f.images());
            }
            splits.put(f.file(), e);
        }
        return e;
    }

    /** One image's bytes. */
    public byte[] bytes(ShardSet.Entries e, int i) throws IOException {
        return read(e.shard()[i], e.offset()[i], e.length()[i]);
    }

    private byte[] read(int shard, long offset, int length) throws IOException {
        ShardSet.Shard s = index.shards().get(shard);
        Path cached = cache == null ? null : cache.pinIfCached(s.sha256());
        if (cached != null) {
            try {
                localReads.incrementAndGet();
                return readFile(cached, offset, length);
            } finally {
                cache.release(s.sha256());
            }
        }
        if (local) {
            localReads.incrementAndGet();
        } else {
            rangeReads.incrementAndGet();
            rangeBytes.addAndGet(length);
        }
        return source.read(s.name(), offset, length);
    }

    private static byte[] readFile(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    /**
     * The bytes of images {@code indices} of {@code e}, read concurrently: images of cached shards
     * from the cache, the others by range reads that take in neighbours closer than {@value #MERGE_GAP}
     * bytes together. Result k belongs to {@code indices[k]}.
     */
    public byte[][] fetch(ShardSet.Entries e, int[] indices) throws IOException {
        byte[][] out = new byte[indices.length][];
        Map<Integer, List<Integer>> byShard = new HashMap<>();
        for (int k = 0; k < indices.length; k++) {
            byShard.computeIfAbsent(e.shard()[indices[k]], s -> new ArrayList<>()).add(k);
        }
        List<Future<?>> reads = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> g : byShard.entrySet()) {
            int shard = g.getKey();
            List<Integer> ks = g.getValue();
            ks.sort((a, b) -> Long.compare(e.offset()[indices[a]], e.offset()[indices[b]]));
            int start = 0;
            while (start < ks.size()) {
                long from = e.offset()[indices[ks.get(start)]];
                long to = from + e.length()[indices[ks.get(start)]];
                int end = start + 1;
                while (end < ks.size()) {
                    int i = indices[ks.get(end)];
                    long next = e.offset()[i];
                    long nextEnd = Math.max(to, next + e.length()[i]);
                    if (next - to > MERGE_GAP || nextEnd - from > MAX_RANGE) {
                        break;
                    }
                    to = nextEnd;
                    end++;
                }
                List<Integer> run = ks.subList(start, end);
                long runFrom = from;
                int runLength = (int) (to - from);
                reads.add(io.submit(() -> {
                    byte[] bytes = read(shard, runFrom, runLength);
                    for (int k : run) {
                        int i = indices[k];
                        int at = (int) (e.offset()[i] - runFrom);
                        out[k] = Arrays.copyOfRange(bytes, at, at + e.length()[i]);
                    }
                    return null;
                }));
                start = end;
            }
        }
        for (Future<?> f : reads) {
            try {
                f.get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                reads.forEach(r -> r.cancel(true));
                throw new IOException("interrupted while reading images of " + source.describe(), ex);
            } catch (ExecutionException ex) {
                reads.forEach(r -> r.cancel(true));
                throw ex.getCause() instanceof IOException io ? io
                        : new IOException("reading images of " + source.describe() + " failed: " + ex.getCause(), ex.getCause());
            }
        }
        return out;
    }

    /** {@link #fetch}, started now on a thread of its own: a batch's images, read while earlier batches are decoded. */
    public Future<byte[][]> fetchAsync(ShardSet.Entries e, int[] indices) {
        return batches.submit(() -> fetch(e, indices));
    }

    /**
     * Plans an epoch that reads images {@code order} of {@code e}, in that order: chooses the shards
     * worth holding whole (see the class comment) and downloads them in the background, in the order
     * the epoch first needs them. Until a shard has arrived its images are read by range, so the
     * epoch never waits for the plan. A new plan replaces one still downloading.
     *
     * @return the shards chosen, in download order (numbers into the index's shards)
     */
    public synchronized List<Integer> plan(ShardSet.Entries e, int[] order) {
        if (cache == null) {
            return List.of();
        }
        int shards = index.shards().size();
        long[] demand = new long[shards];
        int[] first = new int[shards];
        Arrays.fill(first, Integer.MAX_VALUE);
        for (int p = 0; p < order.length; p++) {
            int i = order[p];
            int s = e.shard()[i];
            demand[s] += e.length()[i];
            first[s] = Math.min(first[s], p);
        }
        List<Integer> dense = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            if (demand[s] >= DENSE * index.shards().get(s).bytes()) {
                dense.add(s);
            }
        }
        // Densest first; among equals, those already held (no download), then the first needed.
        dense.sort((a, b) -> {
            double da = (double) demand[a] / index.shards().get(a).bytes();
            double db = (double) demand[b] / index.shards().get(b).bytes();
            if (Math.abs(da - db) > 0.05 * Math.max(da, db)) {
                return Double.compare(db, da);
            }
            boolean ha = cache.contains(index.shards().get(a).sha256());
            boolean hb = cache.contains(index.shards().get(b).sha256());
            return ha != hb ? (ha ? -1 : 1) : Integer.compare(first[a], first[b]);
        });
        List<Integer> chosen = new ArrayList<>();
        long room = cache.limit();
        for (int s : dense) {
            long b = index.shards().get(s).bytes();
            if (b <= room) {
                chosen.add(s);
                room -= b;
            }
        }
        chosen.sort((a, b) -> Integer.compare(first[a], first[b]));
        for (int s : chosen) {
            cache.touch(index.shards().get(s).sha256());
        }
        if (planned != null) {
            planned.cancel(true);
        }
        planned = loader.submit(() -> {
            for (int s : chosen) {
                if (Thread.currentThread().isInterrupted()) {
                    return null;
                }
                ShardSet.Shard shard = index.shards().get(s);
                cache.load(shard.sha256(), shard.bytes(), shard.name(), target -> source.download(shard.name(), target));
            }
            return null;
        });
        return chosen;
    }

    /** Waits for the current plan's downloads (tests, benchmarks); rethrows what failed. */
    public void awaitPlan() throws IOException {
        Future<?> f;
        synchronized (this) {
            f = planned;
        }
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            // replaced by a newer plan
        }
    }

    /** How this stream has read so far. */
    public record Stats(long rangeReads, long rangeBytes, long localReads, ShardCache.Stats cache) {
        public String describe() {
            return String.format(Locale.ROOT, "%d range reads (%.1f MiB), %d reads from local shards%s", rangeReads,
                    rangeBytes / 1048576.0, localReads, cache == null ? "" : "; cache: " + cache.describe());
        }
    }

    public Stats stats() {
        return new Stats(rangeReads.get(), rangeBytes.get(), localReads.get(), cache == null ? null : cache.stats());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (planned != null) {
                planned.cancel(true);
            }
        }
        loader.shutdownNow();
        batches.shutdownNow();
        io.shutdownNow();
    }
}
