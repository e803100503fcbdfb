package io.lttricks.core.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RecipesTest {

    static Recipes.Resolved resolve(String yaml) {
        return Recipes.resolve(Recipes.parseYaml(yaml));
    }

    @Test
    void paperProfileFillsTheOfficialSchedule() {
        StagePlan p = resolve("dataset: {name: cifar10, imbalance: 100}\nstages: [{loss: CE}]").stages().get(0);
        assertEquals(200, p.epochs());
        assertEquals(128, p.batchSize());
        assertEquals(0.1, p.lr());
        assertEquals(0.9, p.momentum());
        assertTrue(p.nesterov());
        assertEquals(2e-4, p.weightDecay());
        assertEquals(5, p.warmupEpochs());
        assertEquals(List.of(160, 180), p.milestones());
        assertEquals(0.01, p.lrDecay());
        assertEquals("scratch", p.init());
        assertNull(p.mixupAt());
    }

    @Test
    void quickProfileKeepsTheShape() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10, imbalance: 100}\nprofile: quick\n"
                + "stages: [{drs: {sampler: balance}, drw: {}}, {mixup: none}]");
        StagePlan p = r.stages().get(0);
        assertEquals(30, p.epochs());
        assertEquals(List.of(24, 27), p.milestones());
        assertEquals(24, p.drsStart());
        assertEquals(24, p.drwStart());
        assertEquals("class_balanced", p.drsSampler());
        StagePlan ft = r.stages().get(1);
        assertEquals("previous", ft.init());
        assertEquals(3, ft.epochs());
        assertEquals(0.001, ft.lr());
        assertEquals(List.of(), ft.milestones());
        assertEquals("resnet32", r.recipe().backbone());
    }

    @Test
    void settingOnlyEpochsScalesTheSchedule() {
        StagePlan p = resolve("dataset: {name: cifar10}\nstages: [{epochs: 10, drs: {}}]").stages().get(0);
        assertEquals(List.of(8, 9), p.milestones());
        assertEquals(8, p.drsStart());
        assertEquals(1, p.warmupEpochs());
    }

    @Test
    void lossAndMixupTakeNamesOrMaps() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10}\nstages:\n"
                + "  - {loss: cb-focal, mixup: input}\n"
                + "  - {name: two, init: scratch, loss: {name: Focal, gamma: 3}, mixup: {at: pooling, alpha: 2}}\n");
        assertEquals("CB_Focal", r.stages().get(0).loss());
        assertEquals("input", r.stages().get(0).mixupAt());
        assertEquals(1.0, r.stages().get(0).mixupAlpha());
        assertEquals(3.0, r.stages().get(1).lossGamma());
        assertEquals("pool", r.stages().get(1).mixupAt());
        assertEquals(2.0, r.stages().get(1).mixupAlpha());
    }

    @Test
    void evaluationDuringTrainingStartsAfterTheFirstDecay() {
        StagePlan off = resolve("dataset: {name: cifar10}\nstages: [{loss: CE}]").stages().get(0);
        assertEquals(0, off.evalEvery());
        assertFalse(off.evaluatesAfter(200));
        StagePlan p = resolve("dataset: {name: cifar10}\nstages: [{eval_every: 5}]").stages().get(0);
        assertEquals(160, p.evalFrom(), "the paper profile's first decay");
        assertFalse(p.evaluatesAfter(160));
        assertTrue(p.evaluatesAfter(165));
        assertFalse(p.evaluatesAfter(166));
        assertTrue(p.evaluatesAfter(200));
        StagePlan q = resolve("dataset: {name: cifar10}\nstages: [{epochs: 7, eval_every: 3, eval_from: 2,"
                + " milestones: []}]").stages().get(0);
        List<Integer> evaluated = new java.util.ArrayList<>();
        for (int e = 1; e <= 7; e++) {
            if (q.evaluatesAfter(e)) {
                evaluated.add(e);
            }
        }
        assertEquals(List.of(5, 7), evaluated, "every 3rd epoch after 2, and the last");
        assertMessage("dataset: {name: cifar10}\nstages: [{eval_every: -1}]", "eval_every", ">= 0");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, eval_every: 1, eval_from: 10}]", "eval_from",
                "[0, epochs)");
    }

    @Test
    void errorsNameTheFieldAndTheFix() {
        assertMessage("dataset: {name: cifar10}\nstages: [{loss: LDAM}]", "stages[0] (stage1).loss", "CS_CE");
        assertMessage("dataset: {name: cifar10}\nstages: [{sampler: smote}]", "sampler", "class_balanced");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, milestones: [5, 3]}]", "milestones", "increase");
        assertMessage("dataset: {name: cifar10}\nstages: [{init: previous}]", "init", "no training stage comes before");
        assertMessage("dataset: {name: cifar10}\nstages: [{lossy: CE}]", "unknown field 'lossy'", "loss");
        assertMessage("dataset: {name: cifar10}\nbackbone: vgg\n", "backbone", "resnet32");
        assertMessage("stages: []", "dataset", "cifar10");
        assertMessage("dataset: {name: cifar10, imbalance: 0.5}", "imbalance", ">= 1");
        assertMessage("dataset: {name: cifar10}\nstages: [{mixup: layer4}]", "mixup", "resnet32 has no location layer4");
        assertMessage("dataset: {name: cifar10}\nstages: [{epochs: 10, drs: {start_epoch: 10}}]", "drs.start_epoch", "[0, epochs)");
        assertMessage("dataset: {name: cifar10}\nstages: [{drw: {weights: LDAM}}]", "drw.weights", "CS");
        assertMessage("dataset: {name: cifar10}\nstages: [{name: a}, {name: a}]", "unique", "");
        assertMessage("dataset: {name: cifar10}\nprofile: fast\n", "profile", "quick");
        assertMessage("dataset: [1, 2", "recipe", "");
    }

    static void assertMessage(String yaml, String... parts) {
        RecipeException e = assertThrows(RecipeException.class, () -> resolve(yaml));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention '" + part + "'");
        }
    }

    @Test
    void resolvedRecipeRoundTripsThroughJson() {
        Recipes.Resolved r = resolve("dataset: {name: cifar10, imbalance: 50}\nstages: [{loss: CS_CE, drw: {start_epoch: 7}}]");
        Recipes.Resolved back = Recipes.resolve(Recipes.parseJson(Recipes.toJson(r.recipe())));
        assertEquals(r.stages(), back.stages());
        assertEquals(Recipes.toJson(r.recipe()), Recipes.toJson(back.recipe()));
    }

    /** Every bundled recipe parses and resolves with both profiles. */
    @Test
    void bundledRecipesAreValid() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("recipes");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 15, "recipes found: " + files.size());
        for (Path f : files) {
            for (String profile : new String[] {"paper", "quick"}) {
                Recipe r = Recipes.read(f).withProfile(profile);
                Recipes.Resolved res = Recipes.resolve(r);
                assertTrue(!res.stages().isEmpty(), f.toString());
            }
        }
    }
}
