package io.lttricks.core.sampling;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The re-sampling vocabulary: the paper's names mapped to implementations. */
public final class Samplers {
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("instance", InstanceSampler.NAME),
            Map.entry("default", InstanceSampler.NAME),
            Map.entry("none", InstanceSampler.NAME),
            Map.entry("random_over", RandomOverSampler.NAME),
            Map.entry("over", RandomOverSampler.NAME),
            Map.entry("ros", RandomOverSampler.NAME),
            Map.entry("random_under", RandomUnderSampler.NAME),
            Map.entry("under", RandomUnderSampler.NAME),
            Map.entry("rus", RandomUnderSampler.NAME),
            Map.entry("class_balanced", ClassBalancedSampler.NAME),
            Map.entry("balance", ClassBalancedSampler.NAME),
            Map.entry("balanced", ClassBalancedSampler.NAME),
            Map.entry("cbs", ClassBalancedSampler.NAME),
            Map.entry("square_root", SquareRootSampler.NAME),
            Map.entry("square", SquareRootSampler.NAME),
            Map.entry("sqrt", SquareRootSampler.NAME),
            Map.entry("progressive", ProgressiveSampler.NAME),
            Map.entry("progressively_balanced", ProgressiveSampler.NAME));

    /** The canonical names, in the order of the paper's Table 4. */
    public static final List<String> NAMES = List.of(InstanceSampler.NAME, RandomUnderSampler.NAME,
            RandomOverSampler.NAME, ClassBalancedSampler.NAME, SquareRootSampler.NAME, ProgressiveSampler.NAME);

    private Samplers() {
    }

    /** The canonical name for {@code name} (case, '-' and ' ' ignored), or an error listing the valid ones. */
    public static String canonical(String name) {
        String key = name == null ? "instance" : name.toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        String canonical = ALIASES.get(key);
        if (canonical == null) {
            throw new IllegalArgumentException("unknown sampler '" + name + "': use one of " + NAMES);
        }
        return canonical;
    }

    /**
     * @param totalEpochs the stage's length (progressive sampling)
     * @param seed        fixes the replicas / removals of random over- and under-sampling
     */
    public static Sampler create(String name, int[] labels, int numClasses, int totalEpochs, long seed) {
        return create(name, labels, numClasses, totalEpochs, seed, null);
    }

    /**
     * @param referenceCounts for class-first samplers (class-balanced, square-root, progressive):
     *                        the class sizes that set the shares and the epoch length, e.g. the
     *                        original counts when generated images join the training set (null:
     *                        the data's own). Instance, over- and under-sampling work on the data
     *                        as it is.
     */
    public static Sampler create(String name, int[] labels, int numClasses, int totalEpochs, long seed,
                                 int[] referenceCounts) {
        return switch (canonical(name)) {
            case InstanceSampler.NAME -> new InstanceSampler(labels, numClasses);
            case RandomOverSampler.NAME -> new RandomOverSampler(labels, numClasses, seed);
            case RandomUnderSampler.NAME -> new RandomUnderSampler(labels, numClasses, seed);
            case ClassBalancedSampler.NAME -> new ClassBalancedSampler(labels, numClasses, referenceCounts);
            case SquareRootSampler.NAME -> new SquareRootSampler(labels, numClasses, referenceCounts);
            case ProgressiveSampler.NAME -> new ProgressiveSampler(labels, numClasses, totalEpochs, referenceCounts);
            default -> throw new IllegalStateException(name);
        };
    }
}
