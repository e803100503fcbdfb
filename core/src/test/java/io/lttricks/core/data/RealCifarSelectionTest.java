package io.lttricks.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lttricks.core.testing.SharedData;
import io.lttricks.core.util.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On the real CIFAR-10 (JPEG copy), the IF=100 and IF=50 training sets are exactly the images of the
 * published protocol: file NNNN.jpg is position NNNN of its class in the official order.
 */
class RealCifarSelectionTest {

    @Test
    void longTailedCifar10FromTheJpegCopyIsThePublishedSelection() throws Exception {
        assumeTrue(SharedData.hasCifar10Jpeg(), "real CIFAR-10 copy not present: " + SharedData.cifar10Jpeg());
        Datasets ds = new Datasets(SharedData.datasetsDir(), false, Progress.SILENT);
        FileImages full = ds.openImageFolder(SharedData.cifar10Jpeg(), Split.TRAIN);
        assertEquals(50_000, full.size());
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                full.classNames());
        JsonNode expected = NumpyRandomTest.vectors("cifar_lt_selection.json");
        for (int imbalance : new int[] {100, 50}) {
            LongTailSubset.Selection sel = LongTailSubset.select(full.labels(), 10,
                    new LongTailProfile.Exponential(imbalance), 0);
            JsonNode classes = expected.get("cifar10:" + imbalance);
            int k = 0;
            for (int c = 0; c < 10; c++) {
                for (JsonNode position : classes.get(c)) {
                    String path = full.id(sel.indices()[k++]);
                    assertEquals(String.format("%s/%04d.jpg", full.classNames().get(c), position.asInt()), path);
                }
            }
            assertEquals(imbalance == 100 ? 12_406 : 13_996, k);
        }
    }
}
