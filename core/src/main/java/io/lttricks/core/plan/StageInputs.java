package io.lttricks.core.plan;

import java.util.List;

/**
 * What a stage reads, decided from the run's plans alone: the one place that says which weights a
 * training stage starts from, which model a cam stage draws its maps from, and which generated set
 * a training stage adds. The local runner ({@code TrainingRun}: files of a run directory) and the
 * services' coordinator ({@code RunCoordinator}: object keys) both ask it, each turning the
 * answer into its own locations with a {@link Locator}.
 *
 * @param weights   a training stage's starting weights, or a cam stage's model; null for a training
 *                  stage from scratch and for ImageTrans (which needs no model)
 * @param generated the generated set a training stage trains on besides the originals, or null
 */
public record StageInputs(Artifact weights, Artifact generated) {

    /** Something a stage reads. */
    public sealed interface Artifact permits FinalWeights, BestWeights, Checkpoint, GeneratedSet {
    }

    /** The final weights of training stage {@code stage} (index in the run, and its name). */
    public record FinalWeights(int stage, String name) implements Artifact {
    }

    /** The best test epoch's weights of training stage {@code stage} ({@code maps_from: best_test_epoch}). */
    public record BestWeights(int stage, String name) implements Artifact {
    }

    /** A checkpoint named in the recipe ({@code init: PATH} or an object reference). */
    public record Checkpoint(String reference) implements Artifact {
    }

    /** The images cam stage {@code stage} generated. */
    public record GeneratedSet(int stage, String name) implements Artifact {
    }

    /** Where each kind of artifact is, for one way of storing a run. */
    public interface Locator<T> {
        T finalWeights(int stage, String name);

        T bestWeights(int stage, String name);

        T checkpoint(String reference);

        T generatedSet(int stage, String name);
    }

    /** The inputs of stage {@code index} of a run whose stages resolved to {@code plans}. */
    public static StageInputs of(List<StagePlan> plans, int index) {
        StagePlan plan = plans.get(index);
        if (plan instanceof CamPlan cam) {
            if (!cam.needsModel()) {
                return new StageInputs(null, null);
            }
            if (cam.init().isCheckpoint()) {
                return new StageInputs(new Checkpoint(cam.init().checkpoint()), null);
            }
            int j = trainingStageBefore(plans, index);
            Artifact model = cam.fromBestTestEpoch() ? new BestWeights(j, plans.get(j).name())
                    : new FinalWeights(j, plans.get(j).name());
            return new StageInputs(model, null);
        }
        TrainPlan train = (TrainPlan) plan;
        Artifact weights = null;
        if (train.init().isCheckpoint()) {
            weights = new Checkpoint(train.init().checkpoint());
        } else if (train.init().isPrevious()) {
            int j = trainingStageBefore(plans, index);
            weights = new FinalWeights(j, plans.get(j).name());
        }
        Artifact generated = null;
        if (train.generated() != null) {
            int g = indexOf(plans, train.generated());
            generated = new GeneratedSet(g, train.generated());
        }
        return new StageInputs(weights, generated);
    }

    /** {@link #weights} located, or null. */
    public <T> T weights(Locator<T> locator) {
        return locate(weights, locator);
    }

    /** {@link #generated} located, or null. */
    public <T> T generated(Locator<T> locator) {
        return locate(generated, locator);
    }

    private static <T> T locate(Artifact a, Locator<T> l) {
        if (a == null) {
            return null;
        }
        if (a instanceof FinalWeights f) {
            return l.finalWeights(f.stage(), f.name());
        }
        if (a instanceof BestWeights b) {
            return l.bestWeights(b.stage(), b.name());
        }
        if (a instanceof Checkpoint c) {
            return l.checkpoint(c.reference());
        }
        GeneratedSet g = (GeneratedSet) a;
        return l.generatedSet(g.stage(), g.name());
    }

    /**
     * The last training stage before stage {@code index} (resolution makes sure there is one);
     * {@code index} may be {@code plans.size()}, for the stage about to be added.
     */
    public static int trainingStageBefore(List<StagePlan> plans, int index) {
        for (int j = index - 1; j >= 0; j--) {
            if (plans.get(j) instanceof TrainPlan) {
                return j;
            }
        }
        throw new IllegalStateException("stage " + (index < plans.size() ? plans.get(index).name() : "#" + (index + 1))
                + " has no training stage before it");
    }

    private static int indexOf(List<StagePlan> plans, String name) {
        for (int i = 0; i < plans.size(); i++) {
            if (plans.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no stage named " + name);
    }
}
