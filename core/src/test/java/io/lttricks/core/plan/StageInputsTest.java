package io.lttricks.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lttricks.core.recipe.Recipes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one decision of what each stage reads, from the plans alone. */
class StageInputsTest {
    static List<StagePlan> plans(String stages) {
        return Recipes.resolve(Recipes.parseYaml("dataset: {name: cifar10, imbalance: 100}\nprofile: quick\nstages:\n"
                + stages)).stages();
    }

    /** A locator that writes down what it was asked for. */
    static final StageInputs.Locator<String> NAMES = new StageInputs.Locator<>() {
        @Override
        public String finalWeights(int stage, String name) {
            return "final " + stage + " " + name;
        }

        @Override
        public String bestWeights(int stage, String name) {
            return "best " + stage + " " + name;
        }

        @Override
        public String checkpoint(String reference) {
            return "checkpoint " + reference;
        }

        @Override
        public String generatedSet(int stage, String name) {
            return "generated " + stage + " " + name;
        }
    };

    @Test
    void theBagOfTricksReadsWhatTheOfficialPipelineReads() {
        List<StagePlan> p = plans("""
                  - {name: mixup, role: first_stage, mixup: input}
                  - {name: cam, type: cam, preset: official, maps_from: best_test_epoch}
                  - {name: cam_drs, role: deferred, generated: cam, sampler: class_balanced}
                  - {name: finetune, role: finetune, sampler: class_balanced}
                """);
        assertNull(StageInputs.of(p, 0).weights(NAMES), "from scratch");
        assertEquals("best 0 mixup", StageInputs.of(p, 1).weights(NAMES), "the maps: the first stage's best test epoch");
        assertEquals("final 0 mixup", StageInputs.of(p, 2).weights(NAMES), "the deferred stage: its final model");
        assertEquals("generated 1 cam", StageInputs.of(p, 2).generated(NAMES));
        assertEquals("final 2 cam_drs", StageInputs.of(p, 3).weights(NAMES), "the last training stage, not the cam stage");
        assertNull(StageInputs.of(p, 3).generated(NAMES));
    }

    @Test
    void checkpointsAndImageTransAndFinalMaps() {
        List<StagePlan> p = plans("""
                  - {name: a}
                  - {name: maps, type: cam}
                  - {name: trans, type: cam, method: image_trans}
                  - {name: b, init: /models/x.ckpt, generated: trans}
                """);
        assertEquals("final 0 a", StageInputs.of(p, 1).weights(NAMES));
        assertNull(StageInputs.of(p, 2).weights(NAMES), "ImageTrans needs no model");
        assertEquals("checkpoint /models/x.ckpt", StageInputs.of(p, 3).weights(NAMES));
        assertEquals("generated 2 trans", StageInputs.of(p, 3).generated(NAMES));
    }
}
