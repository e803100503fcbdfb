package io.lttricks.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Whole shards on local disk, at most {@code limit} bytes of them: least recently used first out.
 * Files are named by their sha-256 (the same shard of two data sets is kept once) and checked
 * against it when they arrive. A shard being read is pinned and never evicted; a shard being
 * downloaded is counted against the limit from the start, so the directory never holds more than
 * the limit (temporary files included). Survives a restart of its process: what the directory
 * holds is taken up again, oldest first.
 *
 * <p>The limit comes from configuration (a Kubernetes {@code emptyDir}'s {@code sizeLimit} is not
 * what the file system reports: the node's disk is) and is checked against the free space the
 * volume does report, so a limit no disk could hold is refused at start.
 */
public final class ShardCache {

    /** Downloads one shard to a file. */
    @FunctionalInterface
    public interface Loader {
        void download(Path target) throws IOException;
    }

    /** What the cache did: shards read from it (hits) and downloaded into it, bytes, evictions, the most it held. */
    public record Stats(long hits, long downloads, long downloadedBytes, long evictions, long bytes, long peakBytes,
                        long limit) {
        public String describe() {
            return String.format(Locale.ROOT, "%d shard reads from the cache, %d shards downloaded (%.1f MiB), %d evicted;"
                            + " holds %.1f MiB, at most %.1f MiB of %.1f MiB allowed", hits, downloads,
                    downloadedBytes / 1048576.0, evictions, bytes / 1048576.0, peakBytes / 1048576.0, limit / 1048576.0);
        }
    }

    private static final class Entry {
        final long bytes;
        int pins;

        Entry(long bytes) {
            this.bytes = bytes;
        }
    }

    private final Path dir;
    private final long limit;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<Void>> loading = new HashMap<>();
    private long bytes;
    private long peak;
    private long hits;
    private long downloads;
    private long downloadedBytes;
    private long evictions;

    /**
     * @param dir   the cache's own directory (created; files in it that are not cached shards are removed)
     * @param limit most bytes of shards it holds
     */
    public ShardCache(Path dir, long limit) throws IOException {
        if (limit <= 0) {
            throw new IllegalArgumentException("a shard cache needs a limit above 0 bytes, got " + limit);
        }
        this.dir = Files.createDirectories(dir);
        this.limit = limit;
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
            for (Path p : list) {
                String name = p.getFileName().toString();
                if (name.matches("[0-9a-f]{64}\\.tar") && Files.isRegularFile(p)) {
                    found.add(p);
                } else if (name.endsWith(".part")) {
                    Files.deleteIfExists(p);
                }
            }
        }
        found.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return 0;
            }
        });
        for (Path p : found) {
            long size = Files.size(p);
            entries.put(p.getFileName().toString().substring(0, 64), new Entry(size));
            bytes += size;
        }
        evictUntil(0);
        peak = bytes;
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (limit - bytes > usable) {
            throw new IOException(String.format(Locale.ROOT, "the shard cache may hold %.1f MiB but the volume of %s has"
                    + " %.1f MiB free (and the cache holds %.1f MiB): lower the limit or give the volume more room",
                    limit / 1048576.0, dir, usable / 1048576.0, bytes / 1048576.0));
        }
    }

    public long limit() {
        return limit;
    }

    public Path directory() {
        return dir;
    }

    private Path file(String sha256) {
        return dir.resolve(sha256 + ".tar");
    }

    /** The shard's file, pinned until {@link #release}, if the cache holds it; else null. */
    public synchronized Path pinIfCached(String sha256) {
        Entry e = entries.get(sha256);
        if (e == null) {
            return null;
        }
        e.pins++;
        hits++;
        return file(sha256);
    }

    public synchronized void release(String sha256) {
        Entry e = entries.get(sha256);
        if (e != null && e.pins > 0) {
            e.pins--;
        }
        notifyAll();
    }

    public synchronized boolean contains(String sha256) {
        return entries.containsKey(sha256);
    }

    /** Marks a cached shard as just used (keeps it from eviction a while longer). */
    public synchronized void touch(String sha256) {
        entries.get(sha256);
    }

    /**
     * Makes the cache hold the shard, downloading it unless it is there or on its way (one download
     * however many callers ask), evicting the least recently used unpinned shards for room.
     *
     * @param size   the shard's size as its index says
     * @param name   what messages call it
     */
    public void load(String sha256, long size, String name, Loader loader) throws IOException {
        CompletableFuture<Void> mine = null;
        CompletableFuture<Void> theirs;
        synchronized (this) {
            if (entries.containsKey(sha256)) {
                entries.get(sha256);
                return;
            }
            theirs = loading.get(sha256);
            if (theirs == null) {
                if (size > limit) {
                    throw new IOException(String.format(Locale.ROOT, "shard %s is %.1f MiB, more than the whole shard cache"
                            + " (%.1f MiB): raise the cache limit (LT_SHARD_CACHE) or write the shards smaller"
                            + " (lt dataset shard --shard-size)", name, size / 1048576.0, limit / 1048576.0));
                }
                evictUntil(size);
                bytes += size;
                peak = Math.max(peak, bytes);
                mine = new CompletableFuture<>();
                loading.put(sha256, mine);
            }
        }
        if (mine == null) {
            try {
                theirs.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for shard " + name, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
            return;
        }
        Path target = file(sha256);
        try {
            loader.download(target);
            long got = Files.size(target);
            String digest = sha256(target);
            if (got != size || !digest.equals(sha256)) {
                throw new IOException("shard " + name + " arrived with " + got + " bytes and sha-256 " + digest
                        + "; its index says " + size + " bytes, " + sha256 + ": the shard set is damaged or was rewritten"
                        + " under a run; write it again (lt dataset shard)");
            }
            synchronized (this) {
                loading.remove(sha256);
                entries.put(sha256, new Entry(size));
                downloads++;
                downloadedBytes += size;
                notifyAll();
            }
            mine.complete(null);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            synchronized (this) {
                loading.remove(sha256);
                bytes -= size;
                notifyAll();
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** Evicts unpinned shards, oldest use first, until {@code more} bytes fit; waits for pins to go when it must. */
    private void evictUntil(long more) {
        while (bytes + more > limit) {
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            boolean evicted = false;
            while (it.hasNext() && bytes + more > limit) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getValue().pins == 0) {
                    it.remove();
                    bytes -= e.getValue().bytes;
                    evictions++;
                    evicted = true;
                    try {
                        Files.deleteIfExists(file(e.getKey()));
                    } catch (IOException ignored) {
                        // counted as gone: a file that cannot be deleted is overwritten when the shard comes back
                    }
                }
            }
            if (!evicted && bytes + more > limit) {
                try {
                    wait(50); // shards being read or downloaded: room comes when they are released or land
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    public synchronized Stats stats() {
        return new Stats(hits, downloads, downloadedBytes, evictions, bytes, peak, limit);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Parses a size such as {@code 512Mi}, {@code 4Gi}, {@code 2G} or plain bytes (what Kubernetes quantities look like). */
    public static long parseSize(String text, String what) {
        String s = text.trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?|k)?B?").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " must be a size such as 512Mi, 4Gi or 2G, got '" + text + "'");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        double mult = switch (unit) {
            case "" -> 1;
            case "K", "k" -> 1e3;
            case "M" -> 1e6;
            case "G" -> 1e9;
            case "T" -> 1e12;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            default -> throw new IllegalArgumentException(what + ": unknown unit " + unit);
        };
        return (long) (v * mult);
    }
}
