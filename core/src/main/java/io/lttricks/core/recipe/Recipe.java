package io.lttricks.core.recipe;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lttricks.core.data.DatasetSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What to train: a data set, a backbone and a sequence of stages, each naming its tricks in the
 * paper's words. Recipes are YAML or JSON files; the same schema travels through the services.
 *
 * @param name     run name (default: the recipe file's name)
 * @param dataset  data set and long-tail construction
 * @param backbone resnet32 (CIFAR), resnet10 (ImageNet-LT), resnet50 (iNaturalist), ...
 * @param seed     seed of initialisation, sampling, augmentation and mixup (default 0)
 * @param profile  {@code paper} or {@code quick}: fills in every stage field left out
 * @param stages   at least one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recipe(String name, DatasetSpec dataset, String backbone, Long seed, String profile,
                     List<StageRecipe> stages) {

    public Recipe {
        stages = stages == null ? List.of() : List.copyOf(stages);
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    public Recipe withName(String v) {
        return new Recipe(v, dataset, backbone, seed, profile, stages);
    }

    public Recipe withDataset(DatasetSpec v) {
        return new Recipe(name, v, backbone, seed, profile, stages);
    }

    public Recipe withBackbone(String v) {
        return new Recipe(name, dataset, v, seed, profile, stages);
    }

    public Recipe withSeed(Long v) {
        return new Recipe(name, dataset, backbone, v, profile, stages);
    }

    public Recipe withProfile(String v) {
        return new Recipe(name, dataset, backbone, seed, v, stages);
    }

    public Recipe withStage(int index, StageRecipe stage) {
        List<StageRecipe> s = new ArrayList<>(stages);
        s.set(index, stage);
        return new Recipe(name, dataset, backbone, seed, profile, s);
    }

    public Recipe withStages(List<StageRecipe> v) {
        return new Recipe(name, dataset, backbone, seed, profile, v);
    }
}
