package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** lt finds its bundled recipes from any directory, by path or by name (issue 29, help and README). */
class RecipeLocateTest {
    static final Path BUNDLED = Path.of("").toAbsolutePath().getParent().resolve("recipes");

    @TempDir
    Path elsewhere;

    @Test
    void aBundledRecipeIsFoundByItsRepositoryPathOrItsName() throws Exception {
        Path baseline = BUNDLED.resolve("baseline.yaml");
        assertTrue(Files.isRegularFile(baseline));
        // the working directory of the tests is cli/, where recipes/baseline.yaml does not exist
        assertEquals(baseline, RecipeOptions.locate(Path.of("recipes/baseline.yaml"), BUNDLED));
        assertEquals(baseline, RecipeOptions.locate(Path.of("baseline"), BUNDLED));
        assertEquals(baseline, RecipeOptions.locate(Path.of("baseline.yaml"), BUNDLED));
        // a file of the user's wins over a bundled one of the same name
        Path own = Files.writeString(elsewhere.resolve("baseline.yaml"), "stages: [{name: train}]\n");
        assertEquals(own, RecipeOptions.locate(own, BUNDLED));
        assertEquals(Path.of("nothing_like_it"), RecipeOptions.locate(Path.of("nothing_like_it"), BUNDLED));
    }

    @Test
    void aMissingRecipeNamesTheBundledOnes() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("no_such_recipe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> train.recipeOptions.recipe());
        assertTrue(e.getMessage().startsWith("recipe file not found: no_such_recipe (the bundled recipes, by name or path: "),
                e.getMessage());
    }
}
