package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StageRecipe;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --all-stages shortens (or otherwise changes) a whole multi-stage recipe from the command line (issue 29 item 6). */
class AllStagesTest {
    static final String BAG = RecipeLocateTest.BUNDLED.resolve("bag_of_tricks.yaml").toString();

    static Recipe recipe(String... args) throws Exception {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args);
        return train.recipeOptions.recipe();
    }

    @Test
    void theStageOptionsChangeEveryTrainingStageAndNoCamStage() throws Exception {
        Recipe r = recipe(BAG, "--all-stages", "--epochs", "2", "--batch-size", "32");
        assertEquals(4, r.stages().size());
        for (StageRecipe s : r.stages()) {
            if (Recipes.isCam(s)) {
                assertEquals(null, s.epochs(), s.name() + ": a CAM stage has no epochs");
            } else {
                assertEquals(2, s.epochs(), s.name());
                assertEquals(32, s.batchSize(), s.name());
            }
        }
        Recipes.resolve(r);   // and it resolves: a whole recipe, shortened
    }

    @Test
    void withoutItAMultiStageRecipeAsksWhichStageAndBothAtOnceAreRefused() {
        RecipeException which = assertThrows(RecipeException.class, () -> recipe(BAG, "--epochs", "2"));
        assertTrue(which.getMessage().contains("say which one the stage options change with --stage NAME"), which.getMessage());
        RecipeException both = assertThrows(RecipeException.class,
                () -> recipe(BAG, "--all-stages", "--stage", "mixup", "--epochs", "2"));
        assertEquals("--all-stages and --stage mixup: give one of them", both.getMessage());
        RecipeException nothing = assertThrows(RecipeException.class, () -> recipe(BAG, "--all-stages"));
        assertTrue(nothing.getMessage().startsWith("--all-stages: no stage option to apply"), nothing.getMessage());
    }
}
