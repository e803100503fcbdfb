package io.lttricks.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.train.EpochOrderChunk;
import io.lttricks.core.train.EpochOrders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Sampling as the sampler service's work (issue 26): for each training stage of a run it
 * dispatches, the sampler draws the epochs' orders ({@link EpochOrders#drawn}, the function
 * {@code lt train} draws them with) from the stored manifests and keeps them stored
 * {@value #AHEAD_EPOCHS} epochs ahead of the trainer ({@link EpochOrderChunk}s of ten epochs under
 * {@code <stage>/orders/}); the trainer reads them ({@link #stored}), one chunk in memory at a time,
 * and trains on exactly that order. A chunk that is not there yet is waited for, and said; the
 * trainer never draws an order itself for such a stage.
 */
public final class SampledOrders {
    /** How far ahead of the trainer's last finished epoch the sampler keeps the orders stored. */
    public static final int AHEAD_EPOCHS = 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SampledOrders() {
    }

    /**
     * The orders of a stage as its sampler draws them: over the run's long-tailed set (its stored
     * manifest) followed by the generated set the stage adds (its stored manifest; null: none).
     */
    public static EpochOrders drawn(ObjectStore store, TrainPlan plan, String manifestKey, String generatedKey,
                                    long seed, int stageIndex) throws IOException {
        LongTailManifest lt = readManifest(store, manifestKey);
        int[] labels = lt.images().stream().mapToInt(LongTailManifest.Entry::label).toArray();
        int[] reference = null;
        if (generatedKey != null && !generatedKey.isBlank()) {
            GeneratedSet.Manifest g = JSON.readValue(store.get(generatedKey), GeneratedSet.Manifest.class);
            int[] joined = java.util.Arrays.copyOf(labels, labels.length + g.images().size());
            for (int i = 0; i < g.images().size(); i++) {
                joined[labels.length + i] = g.images().get(i).label();
            }
            reference = lt.counts().clone();
            labels = joined;
        }
        return EpochOrders.drawn(plan, labels, lt.classes().size(), reference, seed, stageIndex);
    }

    private static LongTailManifest readManifest(ObjectStore store, String key) throws IOException {
        Path tmp = Files.createTempFile("lt-manifest", ".json");
        try {
            Files.write(tmp, store.get(key));
            return LongTailManifest.read(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Stores the chunks of epochs 1 .. {@code through} (at most the stage's {@code epochs}) that are
     * not stored yet; returns how many it wrote.
     */
    public static int ensure(ObjectStore store, String stagePrefix, EpochOrders orders, int epochs, int through)
            throws IOException {
        int written = 0;
        for (int first = 1; first <= Math.min(through, epochs); first += EpochOrderChunk.EPOCHS) {
            String key = Keys.orders(stagePrefix, first);
            if (!store.exists(key)) {
                store.put(key, EpochOrderChunk.of(orders, first, epochs).encode(), "application/octet-stream");
                written++;
            }
        }
        return written;
    }

    /** Told while a trainer waits for a chunk; may throw to stop waiting (the run was cancelled). */
    @FunctionalInterface
    public interface Waiting {
        void waiting(int epoch, Duration waited) throws IOException;
    }

    /**
     * The trainer's side: the orders stored under {@code stagePrefix}, for a training set of
     * {@code images} (a chunk drawn for another set is an error). A chunk not stored yet is waited
     * for (polling from 0.5 s up to every 10 s), telling {@code waiting} every time it looks again.
     */
    public static EpochOrders stored(ObjectStore store, String stagePrefix, int images, String samplerHint,
                                     Waiting waiting) {
        return new EpochOrders() {
            private EpochOrderChunk chunk;

            @Override
            public int[] order(int epoch) throws IOException {
                return chunk(epoch).order(epoch);
            }

            @Override
            public String samplerName(int epoch) {
                return chunk != null && chunk.holds(epoch) ? chunk.sampler(epoch) : samplerHint;
            }

            @Override
            public int images() {
                return images;
            }

            private EpochOrderChunk chunk(int epoch) throws IOException {
                if (chunk != null && chunk.holds(epoch)) {
                    return chunk;
                }
                String key = Keys.orders(stagePrefix, EpochOrderChunk.firstOf(epoch));
                long start = System.nanoTime();
                long pause = 500;
                while (!store.exists(key)) {
                    waiting.waiting(epoch, Duration.ofNanos(System.nanoTime() - start));
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for the sampler's order of epoch " + epoch, e);
                    }
                    pause = Math.min(10_000, pause * 2);
                }
                EpochOrderChunk c = EpochOrderChunk.decode(store.get(key));
                if (c.images() != images) {
                    throw new IOException("the sampler's orders of epoch " + epoch + " index " + c.images() + " images, the"
                            + " stage's training set has " + images + ": they were drawn for another training set");
                }
                if (!c.holds(epoch)) {
                    throw new IOException("the sampler's chunk " + key + " does not hold epoch " + epoch);
                }
                chunk = c;
                return c;
            }
        };
    }
}
