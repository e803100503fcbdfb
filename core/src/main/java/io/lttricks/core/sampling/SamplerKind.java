package io.lttricks.core.sampling;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * The re-sampling vocabulary (the paper's Table 4): each sampler's name, aliases, help and how to
 * build it. Validation, the command line's help and the docs' table come from here; a new sampler
 * is its class plus one constant.
 */
public enum SamplerKind implements Term {
    INSTANCE(Info.of("instance", "instance-balanced: every image once an epoch, shuffled", "default", "none"),
            c -> new InstanceSampler(c.labels(), c.numClasses())),
    RANDOM_UNDER(Info.of("random_under", "random under-sampling: rounds of n_min images of every class, drawn afresh,"
            + " for an epoch of the original length", "under", "rus"),
            c -> new RandomUnderSampler(c.labels(), c.numClasses(), c.referenceCounts())),
    RANDOM_OVER(Info.of("random_over", "random over-sampling: every class filled up to n_max with replicas drawn"
            + " afresh each epoch", "over", "ros"),
            c -> new RandomOverSampler(c.labels(), c.numClasses(), c.referenceCounts())),
    CLASS_BALANCED(Info.of("class_balanced", "class-balanced: a class uniformly, then one of its images", "balance",
            "balanced", "cbs"),
            c -> new ClassBalancedSampler(c.labels(), c.numClasses(), c.referenceCounts())),
    SQUARE_ROOT(Info.of("square_root", "square-root: class c with probability ~ sqrt(n_c)", "square", "sqrt"),
            c -> new SquareRootSampler(c.labels(), c.numClasses(), c.referenceCounts())),
    PROGRESSIVE(Info.of("progressive", "progressively balanced: from instance-balanced to class-balanced over the stage",
            "progressively_balanced"),
            c -> new ProgressiveSampler(c.labels(), c.numClasses(), c.totalEpochs(), c.referenceCounts()));

    public static final Vocabulary<SamplerKind> VOCABULARY = Vocabulary.of("sampler", SamplerKind.class);

    /**
     * What a sampler is built from. No seed: every sampler draws an epoch from the random stream it is
     * given for that epoch ({@link Sampler#epoch}), so random over- and under-sampling draw afresh.
     *
     * @param totalEpochs     the stage's length (progressive sampling)
     * @param referenceCounts the class sizes that set class shares, n_min / n_max and the epoch length, e.g.
     *                        the original counts when generated images join the training set (null:
     *                        the data's own). Instance sampling works on the data as it is.
     */
    public record Context(int[] labels, int numClasses, int totalEpochs, int[] referenceCounts) {
    }

    private final Info info;
    private final java.util.function.Function<Context, Sampler> factory;

    SamplerKind(Info info, java.util.function.Function<Context, Sampler> factory) {
        this.info = info;
        this.factory = factory;
    }

    @Override
    public Info info() {
        return info;
    }

    public static SamplerKind parse(String name) {
        return VOCABULARY.parse(name);
    }

    public Sampler create(Context context) {
        return factory.apply(context);
    }
}
