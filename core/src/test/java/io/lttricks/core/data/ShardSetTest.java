package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.run.ImageNetLayoutTest;
import io.lttricks.core.train.BatchLoader;
import io.lttricks.core.transform.ImageNetTransforms;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard sets: written from an ImageFolder, they read back byte for byte; a training epoch over them
 * sees exactly the batches it sees over the files; the cache holds at most its limit, keeps the
 * shards an epoch reads densely, and refuses what it cannot hold or what arrives damaged.
 */
class ShardSetTest {
    @TempDir
    Path tmp;

    private FileImages train;
    private FileImages test;
    private Path shards;

    /** Three classes (counts 40, 12, 4) of JPEGs from 24 to 56 pixels a side, and 6 test images a class. */
    @BeforeEach
    void imageFolder() throws IOException {
        Random r = new Random(7);
        int[] counts = {40, 12, 4};
        String[] names = {"ant", "bee", "cat"};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < counts[c]; i++) {
                ImageNetLayoutTest.jpeg(tmp.resolve("set/train/" + names[c] + "/" + i + ".jpg"), 24 + r.nextInt(33),
                        24 + r.nextInt(33), 0x402010 * (c + 1), r);
            }
            for (int i = 0; i < 6; i++) {
                ImageNetLayoutTest.jpeg(tmp.resolve("set/test/" + names[c] + "/" + i + ".jpg"), 32, 32, 0x402010 * (c + 1), r);
            }
        }
        train = ImageFolder.open(tmp.resolve("set/train"));
        test = ImageFolder.open(tmp.resolve("set/test"));
        shards = tmp.resolve("shards");
        new ShardSetWriter(16 << 10, tmp.resolve("scratch"), Progress.SILENT)
                .write(train, test, "set", ShardSetWriter.directory(shards));
    }

    @Test
    void readsBackEveryImageByteForByteAndEveryShardIsATarFile() throws IOException {
        ShardSet index = ShardSet.parse(Files.readAllBytes(shards.resolve(ShardSet.INDEX)), "index");
        assertTrue(index.shards().size() >= 4, "16 KiB shards of ~80 KiB of images: several shards, got " + index.shards());
        try (ShardStream stream = ShardStream.open(ShardSource.directory(shards), null, true)) {
            ShardedImages t = ShardedImages.open(stream, Split.TRAIN);
            assertEquals(train.classNames(), t.classNames());
            assertEquals(train.size(), t.size());
            for (int i = 0; i < t.size(); i++) {
                // ImageFolder's order is class, then path: the writer's order too.
                assertEquals(train.id(i), t.id(i));
                assertEquals(train.label(i), t.label(i));
                assertArrayEquals(Files.readAllBytes(train.path(i)), stream.bytes(stream.entries(Split.TRAIN), i));
                assertArrayEquals(train.image(i).chw(), t.image(i).chw());
            }
            assertEquals(test.size(), ShardedImages.open(stream, Split.TEST).size());
        }
        int members = 0;
        for (ShardSet.Shard s : index.shards()) {
            Path file = shards.resolve(s.name());
            assertEquals(s.bytes(), Files.size(file));
            assertEquals(s.sha256(), ShardCache.sha256(file));
            int inShard = 0;
            try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(file))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    assertTrue(e.isFile() && e.getSize() > 0, e.getName());
                    inShard++;
                }
            }
            assertEquals(s.images(), inShard, s.name());
            members += inShard;
        }
        assertEquals(train.size() + test.size(), members);
    }

    @Test
    void aManifestOfTheSourceResolvesAgainstTheShards() throws IOException {
        LabeledImages selected = train.subset(new int[] {0, 5, 41, 55});
        LongTailManifest m = LongTailManifest.of("imagefolder", "set", null, null, selected);
        try (ShardStream stream = ShardStream.open(ShardSource.directory(shards), null, true)) {
            LabeledImages resolved = m.resolve(ShardedImages.open(stream, Split.TRAIN));
            for (int k = 0; k < selected.size(); k++) {
                assertEquals(selected.id(k), resolved.id(k));
                assertArrayEquals(selected.image(k).chw(), resolved.image(k).chw());
            }
        }
    }

    @Test
    void anEpochOverStreamedShardsSeesTheBatchesItSeesOverTheFiles() throws IOException {
        int[] order = new Random(3).ints(120, 0, train.size()).toArray();
        ImageTransform transform = ImageNetTransforms.train(32, true);
        CountingSource remote = new CountingSource(ShardSource.directory(shards));
        ShardCache cache = new ShardCache(tmp.resolve("cache"), 40 << 10);
        try (ShardStream stream = ShardStream.open(remote, cache, false);
             BatchLoader files = BatchLoader.training(train, order, 16, transform, Mixup.OFF, 5, "t", 2, 2);
             BatchLoader streamed = BatchLoader.training(ShardedImages.open(stream, Split.TRAIN), order, 16, transform,
                     Mixup.OFF, 5, "t", 2, 2)) {
            int batches = 0;
            while (files.hasNext()) {
                BatchLoader.Batch a = files.next();
                BatchLoader.Batch b = streamed.next();
                assertArrayEquals(a.labels(), b.labels());
                assertArrayEquals(a.images(), b.images(), 0f, "batch " + batches);
                batches++;
            }
            assertFalse(streamed.hasNext());
            assertEquals(7, batches);
            stream.awaitPlan();
            ShardStream.Stats s = stream.stats();
            assertTrue(s.rangeReads() > 0, s.describe());
            assertTrue(s.cache().peakBytes() <= cache.limit(), s.describe());
        }
    }

    @Test
    void generatedImagesJoinAStreamedSetAsTheyJoinItsFiles() throws IOException {
        FileImages generated = ImageFolder.open(tmp.resolve("set/test"));
        LabeledImages joinedFiles = train.concat(generated);
        int[] order = new Random(4).ints(64, 0, joinedFiles.size()).toArray();
        ImageTransform transform = ImageNetTransforms.train(24, true);
        try (ShardStream stream = ShardStream.open(new CountingSource(ShardSource.directory(shards)),
                new ShardCache(tmp.resolve("cache"), 40 << 10), false)) {
            LabeledImages joined = new JoinedImages(ShardedImages.open(stream, Split.TRAIN), generated);
            assertEquals(joinedFiles.size(), joined.size());
            LabeledImages sub = joined.subset(new int[] {train.size() + 2, 3});
            assertEquals(joinedFiles.id(train.size() + 2), sub.id(0));
            assertEquals(train.id(3), sub.id(1));
            try (BatchLoader a = BatchLoader.training(joinedFiles, order, 16, transform, Mixup.OFF, 1, "j", 1, 2);
                 BatchLoader b = BatchLoader.training(joined, order, 16, transform, Mixup.OFF, 1, "j", 1, 2)) {
                while (a.hasNext()) {
                    BatchLoader.Batch x = a.next();
                    BatchLoader.Batch y = b.next();
                    assertArrayEquals(x.labels(), y.labels());
                    assertArrayEquals(x.images(), y.images(), 0f);
                }
            }
        }
    }

    @Test
    void theCacheNeverHoldsMoreThanItsLimitAndKeepsTheDenselyReadShards() throws IOException {
        ShardSet index = ShardSet.parse(Files.readAllBytes(shards.resolve(ShardSet.INDEX)), "index");
        long limit = 40 << 10;
        CountingSource remote = new CountingSource(ShardSource.directory(shards));
        ShardCache cache = new ShardCache(tmp.resolve("cache"), limit);
        try (ShardStream stream = ShardStream.open(remote, cache, false)) {
            ShardSet.Entries e = stream.entries(Split.TRAIN);
            // Class-balanced: the 4 images of "cat" drawn as often as the 40 of "ant".
            List<Integer> order = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (int i = 0; i < e.size(); i++) {
                    if (e.labels()[i] == 2 || round == 0) {
                        order.add(i);
                    }
                }
            }
            int[] o = order.stream().mapToInt(Integer::intValue).toArray();
            List<Integer> chosen = stream.plan(e, o);
            stream.awaitPlan();
            int catShard = e.shard()[e.size() - 1];
            assertTrue(chosen.contains(catShard), "the tail class's shard is chosen: " + chosen);
            assertTrue(cache.contains(index.shards().get(catShard).sha256()));
            long reads0 = remote.ranges.get();
            for (int i = 0; i < e.size(); i++) {
                if (e.labels()[i] == 2) {
                    stream.bytes(e, i);
                }
            }
            assertEquals(reads0, remote.ranges.get(), "the cat images come from the cache, not by range");
            // Every shard through the cache in turn: never more than the limit, the oldest out first.
            for (int s = 0; s < index.shards().size(); s++) {
                ShardSet.Shard shard = index.shards().get(s);
                cache.load(shard.sha256(), shard.bytes(), shard.name(), target -> remote.download(shard.name(), target));
                assertTrue(dirBytes(cache.directory()) <= limit);
            }
            assertTrue(cache.stats().evictions() > 0);
            assertTrue(cache.stats().peakBytes() <= limit);
        }
        // A restarted process takes up what the directory holds, and no more than its (new) limit.
        ShardCache again = new ShardCache(tmp.resolve("cache"), 20 << 10);
        assertTrue(again.stats().bytes() <= 20 << 10 && again.stats().bytes() > 0);
    }

    @Test
    void aShardLargerThanTheCacheOrDamagedIsRefusedWithAClearError() throws IOException {
        ShardCache small = new ShardCache(tmp.resolve("small"), 4 << 10);
        IOException tooBig = assertThrows(IOException.class,
                () -> ShardStream.open(ShardSource.directory(shards), small, false));
        assertTrue(tooBig.getMessage().contains("cannot hold the largest shard")
                && tooBig.getMessage().contains("LT_SHARD_CACHE"), tooBig.getMessage());

        ShardSet index = ShardSet.parse(Files.readAllBytes(shards.resolve(ShardSet.INDEX)), "index");
        ShardSet.Shard first = index.shards().get(0);
        byte[] bytes = Files.readAllBytes(shards.resolve(first.name()));
        bytes[600] ^= 0x55;
        Files.write(shards.resolve(first.name()), bytes);
        ShardCache cache = new ShardCache(tmp.resolve("cache"), 64 << 10);
        IOException damaged = assertThrows(IOException.class, () -> cache.load(first.sha256(), first.bytes(), first.name(),
                target -> ShardSource.directory(shards).download(first.name(), target)));
        assertTrue(damaged.getMessage().contains(first.name()) && damaged.getMessage().contains("damaged"),
                damaged.getMessage());
        assertFalse(cache.contains(first.sha256()));
        assertEquals(0, cache.stats().bytes());
        assertEquals(0, dirBytes(cache.directory()));

        assertEquals(512L << 20, ShardCache.parseSize("512Mi", "x"));
        assertEquals(2_000_000_000L, ShardCache.parseSize("2G", "x"));
        assertThrows(IllegalArgumentException.class, () -> ShardCache.parseSize("lots", "LT_SHARD_CACHE"));
    }

    @Test
    void aBadIndexOrImagesFileIsNamedInTheError() throws IOException {
        IOException notIndex = assertThrows(IOException.class, () -> ShardSet.parse("{\"x\": 1".getBytes(), "there/shards.json"));
        assertTrue(notIndex.getMessage().startsWith("there/shards.json is not a shard set index"), notIndex.getMessage());
        ShardSet index = ShardSet.parse(Files.readAllBytes(shards.resolve(ShardSet.INDEX)), "index");
        ShardSet.Entries bad = new ShardSet.Entries(new String[] {"a.jpg"}, new int[] {0}, new int[] {0},
                new long[] {index.shards().get(0).bytes()}, new int[] {10});
        IOException outside = assertThrows(IOException.class, () -> index.entries(ShardSet.entriesFile(bad), "train.tsv.gz"));
        assertTrue(outside.getMessage().contains("train.tsv.gz line 1"), outside.getMessage());
        assertNotNull(index.splits().get("test"));
    }

    private static long dirBytes(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** A directory seen as remote storage: counts range reads and downloads. */
    static final class CountingSource implements ShardSource {
        final ShardSource inner;
        final AtomicInteger ranges = new AtomicInteger();
        final AtomicInteger downloads = new AtomicInteger();

        CountingSource(ShardSource inner) {
            this.inner = inner;
        }

        @Override
        public String describe() {
            return "remote:" + inner.describe();
        }

        @Override
        public byte[] read(String file) throws IOException {
            return inner.read(file);
        }

        @Override
        public byte[] read(String file, long offset, int length) throws IOException {
            ranges.incrementAndGet();
            return inner.read(file, offset, length);
        }

        @Override
        public void download(String file, Path target) throws IOException {
            downloads.incrementAndGet();
            inner.download(file, target);
        }
    }
}
