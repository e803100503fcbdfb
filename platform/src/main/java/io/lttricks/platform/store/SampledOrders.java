package io.lttricks.platform.store;

import io.lttricks.core.train.EpochOrderChunk;
import io.lttricks.core.train.EpochOrders;
import java.io.IOException;
import java.time.Duration;

/**
 * The trainer's side of sampling (issue 26): the sampler service draws each training stage's epoch
 * orders and keeps them stored ahead of the trainer ({@code io.lttricks.sampler.StoredEpochOrders},
 * asked by the run coordinator), {@link EpochOrderChunk}s of ten epochs under {@code <stage>/orders/};
 * the trainer reads them ({@link #stored}), one chunk in memory at a time, and trains on exactly that
 * order. A chunk that is not there yet is waited for, and said; the trainer never draws an order
 * itself for such a stage.
 */
public final class SampledOrders {
    private SampledOrders() {
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
