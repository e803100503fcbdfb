package io.lttricks.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.Recipes;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The stored form of epoch orders: what goes in comes out; what is damaged or foreign is refused. */
class EpochOrderChunkTest {
    static final int[] LABELS = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2};

    static TrainPlan plan(String stage) {
        return (TrainPlan) Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10, imbalance: 10}\nprofile: quick\n"
                + "stages: [" + stage + "]")).stages().get(0);
    }

    @Test
    void ordersReadBackAsDrawnWithTheirSamplers() throws IOException {
        TrainPlan p = plan("{name: t, epochs: 23, sampler: random_over, drs: {sampler: class_balanced, start_epoch: 12}}");
        EpochOrders drawn = EpochOrders.drawn(p, LABELS, 3, null, 7, 1);
        for (int first : new int[] {1, 11, 21}) {
            EpochOrderChunk back = EpochOrderChunk.decode(EpochOrderChunk.of(drawn, first, p.epochs()).encode());
            assertEquals(first, back.first());
            assertEquals(first == 21 ? 3 : 10, back.orders().size(), "the last chunk ends with the stage");
            for (int e = first; e < first + back.orders().size(); e++) {
                assertArrayEquals(drawn.order(e), back.order(e));
                assertEquals(drawn.samplerName(e), back.sampler(e));
            }
        }
        assertEquals("random_over", drawn.samplerName(12));
        assertEquals("class_balanced", drawn.samplerName(13), "DRS switches after its start epoch");
        assertEquals(11, EpochOrderChunk.firstOf(20));
        assertEquals(21, EpochOrderChunk.firstOf(21));
    }

    @Test
    void damagedOrForeignChunksAreRefused() throws IOException {
        EpochOrders drawn = EpochOrders.drawn(plan("{name: t, epochs: 3}"), LABELS, 3, null, 7, 0);
        byte[] good = EpochOrderChunk.of(drawn, 1, 3).encode();
        IOException cut = assertThrows(IOException.class, () -> EpochOrderChunk.decode(Arrays.copyOf(good, good.length / 2)));
        assertTrue(cut.getMessage().startsWith("a damaged chunk of epoch orders"), cut.getMessage());
        assertThrows(IOException.class, () -> EpochOrderChunk.decode("not a chunk".getBytes()));
        EpochOrderChunk outside = new EpochOrderChunk(2, 1, java.util.List.of("instance"), java.util.List.of(new int[] {0, 5}));
        IOException out = assertThrows(IOException.class, () -> EpochOrderChunk.decode(outside.encode()));
        assertEquals("epoch 1's order points outside the 2 images", out.getMessage());
    }
}
