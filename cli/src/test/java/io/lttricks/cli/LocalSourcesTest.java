package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt run on the user's own files: their directories are registered, the recipe names them as dataset://. */
class LocalSourcesTest {
    @TempDir
    Path tmp;

    @Test
    void localFilesBecomeRegisteredDataSets() throws IOException {
        Path images = Files.createDirectories(tmp.resolve("set").resolve("images"));
        Path list = Files.writeString(tmp.resolve("set").resolve("train.txt"), "a.jpg 0\n");
        var recipe = Recipes.parseYaml("dataset: {name: list, source: '" + images + "', train_list: '" + list
                + "', test_list: 's3://lttricks/datasets/test.txt'}\nstages: [{name: t}]\n");
        LocalSources.Mapped m = LocalSources.map(recipe);
        DatasetSpec ds = m.recipe().dataset();
        assertEquals("dataset://images", ds.source());
        assertEquals("dataset://train.txt", ds.trainList());
        assertEquals("s3://lttricks/datasets/test.txt", ds.testList(), "objects pass unchanged");
        assertEquals(Map.of(Config.DATASET_DIRS, tmp.resolve("set").toString()), m.env());

        Path other = Files.createDirectories(tmp.resolve("other"));
        Path clash = Files.writeString(other.resolve("train.txt"), "b.jpg 0\n");
        var twoNames = Recipes.parseYaml("dataset: {name: list, source: '" + images + "', train_list: '" + list
                + "', test_list: '" + clash + "'}\nstages: [{name: t}]\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LocalSources.map(twoNames));
        assertTrue(e.getMessage().contains("same name"), e.getMessage());
        assertEquals(Map.of(), LocalSources.map(Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{name: t}]")).env());
    }
}
