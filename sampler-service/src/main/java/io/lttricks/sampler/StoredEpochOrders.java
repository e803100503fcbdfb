package io.lttricks.sampler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.coordinator.EpochSampler;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.core.train.EpochOrderChunk;
import io.lttricks.core.train.EpochOrders;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sampling, the sampler service's work (issue 26): a training stage's epoch orders drawn with
 * {@link EpochOrders#drawn} (the function {@code lt train} draws them with) over the stored
 * manifests (the run's long-tailed set, then the generated images the stage adds), stored in
 * {@link EpochOrderChunk}s of ten epochs under {@code <stage>/orders/} for the trainer to read
 * ({@code SampledOrders.stored}). Each stage's orders are drawn once and kept in memory while the
 * stage may ask for more; a chunk already stored is never written again, and the chunks this
 * process has stored or seen stored are not asked for again (the coordinator asks at every epoch).
 */
public final class StoredEpochOrders implements EpochSampler {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final ObjectStore store;
    /** Each training stage's orders as drawn, by stage prefix. */
    private final Map<String, EpochOrders> drawn = new ConcurrentHashMap<>();
    /** The last epoch through which this process knows a stage's chunks are stored (no request needed for them). */
    private final Map<String, Integer> storedThrough = new ConcurrentHashMap<>();

    public StoredEpochOrders(ObjectStore store) {
        this.store = store;
    }

    @Override
    public int storeThrough(Stage stage, int through) throws IOException {
        EpochOrders orders = drawn.get(stage.prefix());
        if (orders == null) {
            orders = draw(stage);
            drawn.put(stage.prefix(), orders);
        }
        int epochs = stage.plan().epochs();
        int last = Math.min(through, epochs);
        int known = storedThrough.getOrDefault(stage.prefix(), 0);
        int written = 0;
        for (int first = EpochOrderChunk.firstOf(known + 1); first <= last; first += EpochOrderChunk.EPOCHS) {
            String key = Keys.orders(stage.prefix(), first);
            if (!store.exists(key)) {
                store.put(key, EpochOrderChunk.of(orders, first, epochs).encode(), "application/octet-stream");
                written++;
            }
        }
        if (last > 0) {
            storedThrough.merge(stage.prefix(), EpochOrderChunk.firstOf(last) + EpochOrderChunk.EPOCHS - 1, Math::max);
        }
        return written;
    }

    @Override
    public void forget(String runPrefix) {
        drawn.keySet().removeIf(prefix -> prefix.startsWith(runPrefix));
        storedThrough.keySet().removeIf(prefix -> prefix.startsWith(runPrefix));
    }

    /** The stage's orders over its training set: the long-tailed set, then the generated set (if any). */
    EpochOrders draw(Stage stage) throws IOException {
        LongTailManifest lt = readManifest(stage.manifestKey());
        int[] labels = lt.images().stream().mapToInt(LongTailManifest.Entry::label).toArray();
        int[] reference = null;
        if (stage.generatedKey() != null && !stage.generatedKey().isBlank()) {
            GeneratedSet.Manifest g = JSON.readValue(store.get(stage.generatedKey()), GeneratedSet.Manifest.class);
            int[] joined = java.util.Arrays.copyOf(labels, labels.length + g.images().size());
            for (int i = 0; i < g.images().size(); i++) {
                joined[labels.length + i] = g.images().get(i).label();
            }
            reference = lt.counts().clone();
            labels = joined;
        }
        return EpochOrders.drawn(stage.plan(), labels, lt.classes().size(), reference, stage.seed(), stage.index());
    }

    private LongTailManifest readManifest(String key) throws IOException {
        Path tmp = Files.createTempFile("lt-manifest", ".json");
        try {
            Files.write(tmp, store.get(key));
            return LongTailManifest.read(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
