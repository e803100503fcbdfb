package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LongTailSubsetTest {

    @Test
    void exponentialCountsAreThePublishedOnes() {
        assertArrayEquals(new int[] {5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50},
                new LongTailProfile.Exponential(100).counts(10, 5000));
        assertArrayEquals(new int[] {5000, 3237, 2096, 1357, 878, 568, 368, 238, 154, 100},
                new LongTailProfile.Exponential(50).counts(10, 5000));
        assertEquals(12_406, Arrays.stream(new LongTailProfile.Exponential(100).counts(10, 5000)).sum());
        assertEquals(13_996, Arrays.stream(new LongTailProfile.Exponential(50).counts(10, 5000)).sum());
        assertEquals(10_847, Arrays.stream(new LongTailProfile.Exponential(100).counts(100, 500)).sum());
        assertEquals(12_608, Arrays.stream(new LongTailProfile.Exponential(50).counts(100, 500)).sum());
    }

    @Test
    void paretoProfileSpansNmaxToNmaxOverImbalanceAndDecreases() {
        int[] n = new LongTailProfile.Pareto(256, 6).counts(1000, 1280);
        assertEquals(1280, n[0]);
        assertEquals(5, n[999]);
        for (int c = 1; c < n.length; c++) {
            assertTrue(n[c] <= n[c - 1], "non-increasing at " + c);
        }
        // Heavier head than the exponential profile: half the classes hold well under n_max / 16.
        assertTrue(n[500] < 1280 / 16, "median class " + n[500]);
    }

    @Test
    void profilesRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new LongTailProfile.Exponential(0.5));
        assertThrows(IllegalArgumentException.class, () -> new LongTailProfile.Pareto(10, 0));
        assertThrows(IllegalArgumentException.class, () -> LongTailProfile.of("zipf", 10, 6));
    }

    /** The selection equals the published protocol image for image (numpy vectors). */
    @Test
    void selectionMatchesNumpyProtocolForCifar10And100() throws IOException {
        JsonNode lt = NumpyRandomTest.vectors("cifar_lt_selection.json");
        for (String key : new String[] {"cifar10:100", "cifar10:50", "cifar10:10", "cifar100:100", "cifar100:50"}) {
            String[] parts = key.split(":");
            int classes = parts[0].equals("cifar10") ? 10 : 100;
            int perClass = classes == 10 ? 5000 : 500;
            // Interleave classes as a real data set does, so that class c's positions are not contiguous.
            int[] labels = new int[classes * perClass];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % classes;
            }
            LongTailSubset.Selection sel = LongTailSubset.select(labels, classes,
                    new LongTailProfile.Exponential(Double.parseDouble(parts[1])), 0);
            JsonNode expected = lt.get(key);
            int k = 0;
            for (int c = 0; c < classes; c++) {
                JsonNode positions = expected.get(c);
                assertEquals(positions.size(), sel.counts()[c], key + " class " + c);
                for (int j = 0; j < positions.size(); j++) {
                    int index = sel.indices()[k++];
                    assertEquals(c, labels[index]);
                    assertEquals(positions.get(j).asInt(), index / classes, key + " class " + c + " item " + j);
                }
            }
            assertEquals(k, sel.indices().length);
        }
    }

    @Test
    void differentSeedSelectsDifferentImagesButSameCounts() {
        int[] labels = new int[1000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        var a = LongTailSubset.select(labels, 10, new LongTailProfile.Exponential(10), 0);
        var b = LongTailSubset.select(labels, 10, new LongTailProfile.Exponential(10), 1);
        assertArrayEquals(a.counts(), b.counts());
        assertTrue(!Arrays.equals(a.indices(), b.indices()));
    }

    @Test
    void smallClassesAreClampedWithANote() {
        int[] labels = {0, 0, 0, 0, 1, 1, 2};
        var sel = LongTailSubset.select(labels, 3, new LongTailProfile.Exponential(1), 0);
        assertArrayEquals(new int[] {4, 2, 1}, sel.counts());
        assertEquals(2, sel.notes().size());
    }
}
