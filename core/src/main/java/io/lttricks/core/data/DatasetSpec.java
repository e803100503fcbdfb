package io.lttricks.core.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which data set a run trains on, and how its long-tailed version is made.
 *
 * @param name        {@code cifar10}, {@code cifar100}, {@code imagefolder}, {@code imagenet_lt},
 *                    {@code inat2018} or {@code list}
 * @param source      a directory or {@code .tar.gz}: CIFAR binaries, an ImageFolder tree (with
 *                    {@code train/} and {@code test/}), or the image root of a list data set;
 *                    when absent, CIFAR is looked up in the data directory and downloaded if need be
 * @param imbalance   imbalance factor n_max / n_min of the long-tailed training set; absent = use
 *                    the training set as it is (ImageNet-LT and iNaturalist are long-tailed already)
 * @param profile     {@code exponential} (CIFAR-LT protocol, default) or {@code pareto}
 * @param paretoAlpha the Pareto profile's shape (default 6, as ImageNet-LT)
 * @param seed        numpy seed of the selection (default 0, the published protocol)
 * @param manifest    a manifest written by {@code lt dataset lt}: train on exactly its images
 * @param trainList   list file of training images (list data sets)
 * @param testList    list file of test images (list data sets)
 * @param classNames  optional file of class names, one a line (list data sets)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetSpec(
        String name,
        String source,
        Double imbalance,
        String profile,
        @JsonProperty("pareto_alpha") Double paretoAlpha,
        Long seed,
        String manifest,
        @JsonProperty("train_list") String trainList,
        @JsonProperty("test_list") String testList,
        @JsonProperty("class_names") String classNames) {

    public static DatasetSpec cifar10(double imbalance) {
        return new DatasetSpec("cifar10", null, imbalance, null, null, null, null, null, null, null);
    }

    public String profileOrDefault() {
        return profile == null ? "exponential" : profile;
    }

    public double paretoAlphaOrDefault() {
        return paretoAlpha == null ? 6.0 : paretoAlpha;
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    /** The long-tail profile, or null when the training set is used as it is. */
    public LongTailProfile longTailProfile() {
        return imbalance == null ? null
                : LongTailProfile.of(profileOrDefault(), imbalance, paretoAlphaOrDefault());
    }

    public DatasetSpec withSource(String newSource) {
        return new DatasetSpec(name, newSource, imbalance, profile, paretoAlpha, seed, manifest, trainList, testList,
                classNames);
    }

    public DatasetSpec withImbalance(Double newImbalance) {
        return new DatasetSpec(name, source, newImbalance, profile, paretoAlpha, seed, manifest, trainList, testList,
                classNames);
    }

    public DatasetSpec withManifest(String newManifest) {
        return new DatasetSpec(name, source, imbalance, profile, paretoAlpha, seed, newManifest, trainList, testList,
                classNames);
    }

    public DatasetSpec withName(String newName) {
        return new DatasetSpec(newName, source, imbalance, profile, paretoAlpha, seed, manifest, trainList, testList,
                classNames);
    }
}
