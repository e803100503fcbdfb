package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lttricks.core.data.InMemoryImages;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.testing.SyntheticShapes;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.transform.Transforms;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batches depend on the seed, the epoch and the batch's index, never on how many threads made
 * them or whether the training thread made them itself (0 threads: what lt picks for images in
 * memory when the engine's threads take every core).
 */
class BatchLoaderTest {
    static final InMemoryImages DATA = SyntheticShapes.make(new int[] {20, 9, 5, 3}, 4).images();

    static List<BatchLoader.Batch> epoch(int threads, Mixup mixup) throws Exception {
        ImageTransform t = Transforms.train(Backbones.create("resnet20", 4), DATA);
        int[] order = new int[DATA.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = (i * 7) % order.length;
        }
        List<BatchLoader.Batch> out = new ArrayList<>();
        try (BatchLoader loader = BatchLoader.training(DATA, order, 8, t, mixup, 11, "test", 3, threads)) {
            while (loader.hasNext()) {
                out.add(loader.next());
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void theSameBatchesWhoeverMakesThem(int threads) throws Exception {
        for (Mixup mixup : List.of(Mixup.OFF, new Mixup(MixLocation.INPUT, 1.0))) {
            List<BatchLoader.Batch> one = epoch(1, mixup);
            List<BatchLoader.Batch> other = epoch(threads, mixup);
            assertEquals(DATA.size() / 8, one.size(), "the last incomplete batch is dropped");
            assertEquals(one.size(), other.size());
            for (int b = 0; b < one.size(); b++) {
                assertEquals(b, other.get(b).index());
                assertArrayEquals(one.get(b).images(), other.get(b).images(), "batch " + b);
                assertArrayEquals(one.get(b).labels(), other.get(b).labels());
                assertArrayEquals(one.get(b).targets(), other.get(b).targets());
            }
            assertFalse(java.util.Arrays.equals(one.get(0).images(), one.get(1).images()));
        }
    }
}
