package io.lttricks.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.loss.ClassificationLoss;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.ManifoldMix;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import io.lttricks.core.transform.ImageTransform;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.plan.LrSchedule;
import io.lttricks.core.loss.ClassWeightSchedule;

/**
 * Trains one stage: per epoch, the (possibly deferred) sampler draws the order, the loader
 * augments and mixes, each step runs forward, loss, backward and the SGD update; the loss's class
 * weights follow the stage's {@link ClassWeightSchedule}; checkpoints at the configured interval
 * and at the end. Built with {@link #builder}.
 */
public final class StageTrainer {
    /** Periodic checkpoints kept besides the final one. */
    static final int KEEP_PERIODIC = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainPlan plan;
    private final Backbone model;
    private final NDManager manager;
    private final LabeledImages train;
    private final ImageTransform transform;
    private final int[] referenceCounts;
    private final EpochOrders orders;
    private final long seed;
    private final int stageIndex;
    private final String runName;
    private final RunLayout.Stage dir;
    private final TrainListener listener;
    private final int loaderThreads;
    private final int maxBatchesPerEpoch;
    private final EpochEvaluator evaluator;

    private StageTrainer(Builder b) {
        this.plan = b.plan;
        this.model = b.model;
        this.manager = b.manager;
        this.train = b.train;
        this.transform = b.transform;
        this.referenceCounts = b.referenceCounts;
        this.orders = b.orders;
        this.seed = b.seed;
        this.stageIndex = b.stageIndex;
        this.runName = b.runName;
        this.dir = b.dir;
        this.listener = b.listener;
        this.loaderThreads = b.loaderThreads;
        this.maxBatchesPerEpoch = b.maxBatchesPerEpoch;
        this.evaluator = b.evaluator;
    }

    /**
     * A trainer for {@code plan}.
     *
     * @param model initialised (from scratch or loaded), on {@code manager}'s device
     */
    public static Builder builder(TrainPlan plan, Backbone model, NDManager manager) {
        return new Builder(plan, model, manager);
    }

    /** Required: {@code setData}, {@code setSeed}, {@code setOutput}; the rest optional. */
    public static final class Builder {
        private final TrainPlan plan;
        private final Backbone model;
        private final NDManager manager;
        private LabeledImages train;
        private ImageTransform transform;
        private int[] referenceCounts;
        private EpochOrders orders;
        private Long seed;
        private int stageIndex;
        private String runName;
        private RunLayout.Stage dir;
        private TrainListener listener = new TrainListener() { };
        private int loaderThreads = 1;
        private int maxBatchesPerEpoch;
        private EpochEvaluator evaluator;

        private Builder(TrainPlan plan, Backbone model, NDManager manager) {
            this.plan = plan;
            this.model = model;
            this.manager = manager;
        }

        /** The training images and their augmentation. */
        public Builder setData(LabeledImages train, ImageTransform transform) {
            this.train = train;
            this.transform = transform;
            return this;
        }

        /** The run seed and the stage's position: every random stream derives from both. */
        public Builder setSeed(long seed, int stageIndex) {
            this.seed = seed;
            this.stageIndex = stageIndex;
            return this;
        }

        /** The run's name (recorded in checkpoints) and the stage's directory. */
        public Builder setOutput(String runName, RunLayout.Stage dir) {
            this.runName = runName;
            this.dir = dir;
            return this;
        }

        /**
         * The class sizes that set class weights and class-first sampling shares: the original
         * long-tailed counts when generated images join the training set (default: the data's own).
         */
        public Builder optReferenceCounts(int[] counts) {
            this.referenceCounts = counts;
            return this;
        }

        /** Epoch orders drawn elsewhere (the sampler service's); default: drawn here from the seed. */
        public Builder optOrders(EpochOrders orders) {
            this.orders = orders;
            return this;
        }

        public Builder optListener(TrainListener listener) {
            this.listener = listener;
            return this;
        }

        /** Threads preparing batches (default 1); 0 prepares each batch on the training thread, when it is needed. */
        public Builder optLoaderThreads(int threads) {
            this.loaderThreads = Math.max(0, threads);
            return this;
        }

        /** Cap on steps per epoch (0 = none); for benchmarks and tests only. */
        public Builder optMaxBatchesPerEpoch(int max) {
            this.maxBatchesPerEpoch = max;
            return this;
        }

        /**
         * Evaluates the model after the epochs the plan names ({@code eval_every}); the test error goes
         * into the epoch's history line. Without one, no evaluation happens.
         */
        public Builder optEvaluator(EpochEvaluator evaluator) {
            this.evaluator = evaluator;
            return this;
        }

        public StageTrainer build() {
            if (train == null || seed == null || dir == null) {
                throw new IllegalStateException("a stage trainer needs setData, setSeed and setOutput");
            }
            return new StageTrainer(this);
        }
    }

    /** Epoch -> test top-1 error, from a stage's history (the epochs evaluated during training). */
    public static java.util.SortedMap<Integer, Double> testErrors(RunLayout.Stage dir) throws IOException {
        Path f = dir.history();
        return testErrors(Files.exists(f) ? Files.readAllLines(f, StandardCharsets.UTF_8) : List.of());
    }

    /** Epoch -> test top-1 error from the lines of a history file. */
    public static java.util.SortedMap<Integer, Double> testErrors(List<String> historyLines) throws IOException {
        java.util.SortedMap<Integer, Double> out = new java.util.TreeMap<>();
        for (String line : historyLines) {
            if (!line.isBlank()) {
                var n = JSON.readTree(line);
                if (n.hasNonNull("testError")) {
                    out.put(n.path("epoch").asInt(), n.get("testError").asDouble());
                }
            }
        }
        return out;
    }

    /**
     * The newest periodic checkpoint of a stage that verifies (see {@link Checkpoint#verify}), or null;
     * a damaged newer one (truncated, bit-flipped) is reported to {@code notes} and skipped, so the
     * stage resumes from the one before.
     */
    public static Path latestCheckpoint(RunLayout.Stage dir, java.util.function.Consumer<String> notes)
            throws IOException {
        return Checkpoint.newestValid(dir.periodicCheckpoints(), notes);
    }

    /**
     * Trains from the epoch after {@code resumeFrom}'s (or from epoch 1 when null) to the end.
     *
     * @return the final checkpoint
     */
    public Path run(Path resumeFrom) throws IOException {
        GradMode.disableOnThisThread();
        model.usePrecision(plan.precision(), manager.getDevice());
        int[] counts = referenceCounts != null ? referenceCounts : train.classCounts();
        EpochOrders epochOrders = orders != null ? orders
                : EpochOrders.drawn(plan, train.labels(), train.numClasses(), referenceCounts, seed, stageIndex);
        if (epochOrders.images() != train.size()) {
            throw new IOException("the epoch orders index " + epochOrders.images() + " images, the stage's training set has "
                    + train.size() + ": they were drawn for another training set");
        }
        ClassificationLoss loss = plan.loss().create().forCounts(counts);
        ClassWeightSchedule classWeights = ClassWeightSchedule.of(loss, plan.drw(), counts);
        Mixup mixup = plan.mixup();
        LrSchedule schedule = plan.lr();
        List<Parameter> trainable = model.getParameters().values().stream()
                .filter(Parameter::requiresGradient).toList();
        int startEpoch = 0;
        try (SgdOptimizer optimizer = new SgdOptimizer(trainable, manager, plan.sgd());
             NDManager weightsManager = manager.newSubManager()) {
            if (resumeFrom != null) {
                Checkpoint.Meta meta = Checkpoint.readMeta(resumeFrom);
                if (!meta.stage().equals(plan.name())) {
                    throw new IOException(resumeFrom + " belongs to stage '" + meta.stage() + "', not '" + plan.name() + "'");
                }
                Checkpoint.loadOptimizer(resumeFrom, optimizer, manager);
                startEpoch = meta.epoch();
                listener.onNote("resuming stage " + plan.name() + " after epoch " + startEpoch + " from " + resumeFrom);
            }
            java.util.Map<float[], NDArray> weightArrays = new java.util.IdentityHashMap<>();
            truncateHistory(startEpoch);
            double bestError = plan.eval().keepBest() ? keptBestError() : Double.NaN;
            ParameterStore ps = new ParameterStore(manager, false);
            int batchSize = plan.batchSize();
            int perEpochBatches = -1;
            long stageStart = System.nanoTime();
            long stageBatchesDone = 0;
            for (int epoch = startEpoch + 1; epoch <= plan.epochs(); epoch++) {
                int[] order = epochOrders.order(epoch);
                float[] w = classWeights.at(epoch);
                NDArray weights = w == null ? null : weightArrays.computeIfAbsent(w, weightsManager::create);
                double lr = schedule.at(epoch);
                String samplerName = epochOrders.samplerName(epoch);
                long epochStart = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                int images = 0;
                try (BatchLoader loader = BatchLoader.training(train, order, batchSize, transform, mixup, seed,
                        "train-" + stageIndex, epoch, loaderThreads)) {
                    int batches = maxBatchesPerEpoch > 0 ? Math.min(maxBatchesPerEpoch, loader.batches()) : loader.batches();
                    if (batches == 0) {
                        throw new IOException("an epoch of " + order.length + " images gives no batch of " + batchSize
                                + ": lower batch_size");
                    }
                    if (perEpochBatches < 0) {
                        perEpochBatches = batches;
                        listener.onStageStart(plan.name(), epoch, plan.epochs(), batches);
                    }
                    for (int b = 0; b < batches; b++) {
                        BatchLoader.Batch batch = loader.next();
                        double[] r = step(batch, mixup, loss, weights, optimizer, ps, lr);
                        if (Double.isNaN(r[0]) || Double.isInfinite(r[0])) {
                            throw new IllegalStateException("loss became " + r[0] + " at epoch " + epoch + ", batch "
                                    + (b + 1) + " of stage " + plan.name() + ": lower the learning rate (now " + lr + ")");
                        }
                        lossSum += r[0] * batch.size();
                        correct += (long) r[1];
                        images += batch.size();
                        stageBatchesDone++;
                        double elapsed = (System.nanoTime() - epochStart) / 1e9;
                        double perBatch = (System.nanoTime() - stageStart) / 1e9 / stageBatchesDone;
                        long remaining = (long) (batches - b - 1) + (long) (plan.epochs() - epoch) * batches;
                        listener.onBatch(new TrainListener.BatchProgress(plan.name(), epoch, plan.epochs(), b + 1, batches,
                                lossSum / images, (double) correct / images, lr, images / elapsed, remaining * perBatch));
                    }
                }
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                Double testError = evaluator != null && plan.evaluatesAfter(epoch) ? evaluator.top1Error(model) : null;
                if (plan.eval().keepBest() && testError != null && !(testError >= bestError)) {
                    // Strictly lower (ties keep the earlier epoch), before the history line: a crash
                    // between the two trains this epoch again and compares with what was kept.
                    Checkpoint.write(dir.bestCheckpoint(), meta(epoch, lossSum / images, testError), model, null);
                    bestError = testError;
                    listener.onCheckpoint(plan.name(), epoch, dir.bestCheckpoint());
                }
                TrainListener.EpochSummary summary = new TrainListener.EpochSummary(plan.name(), epoch, plan.epochs(),
                        images, lossSum / images, (double) correct / images, lr, images / seconds, seconds, samplerName,
                        weights != null, ResidentMemory.bytes(), testError);
                appendHistory(summary);
                listener.onEpoch(summary);
                boolean last = epoch == plan.epochs();
                boolean stop = !last && listener.stopRequested();
                if (last || stop || epoch % plan.checkpointEvery() == 0) {
                    Path file = last ? dir.finalCheckpoint() : dir.periodicCheckpoint(epoch);
                    Checkpoint.write(file, meta(epoch, lossSum / images, null), model, optimizer);
                    listener.onCheckpoint(plan.name(), epoch, file);
                    prunePeriodic();
                }
                if (stop) {
                    throw new StageStopped(plan.name(), epoch);
                }
            }
            if (startEpoch >= plan.epochs() && !Files.exists(dir.finalCheckpoint())) {
                Checkpoint.write(dir.finalCheckpoint(), meta(plan.epochs(), null, null), model, optimizer);
            }
        }
        return dir.finalCheckpoint();
    }

    /** One SGD step; returns {loss, correct predictions}. */

    private double[] step(BatchLoader.Batch batch, Mixup mixup, ClassificationLoss loss, NDArray weights,
                          SgdOptimizer optimizer, ParameterStore ps, double lr) {
        int n = batch.size();
        try (NDManager sm = manager.newSubManager()) {
            NDArray x = sm.create(FloatBuffer.wrap(batch.images()),
                    new Shape(n, transform.channels(), transform.height(), transform.width()));
            NDArray y = sm.create(FloatBuffer.wrap(batch.targets()), new Shape(n, train.numClasses()));
            PairList<String, Object> params = null;
            if (batch.mix() != null && mixup.manifold()) {
                long[] partner = new long[n];
                for (int i = 0; i < n; i++) {
                    partner[i] = batch.mix().partner()[i];
                }
                params = new PairList<>();
                params.add(Backbone.MIX, new ManifoldMix(mixup.location(), batch.mix().lambda(), sm.create(partner)));
            }
            float value;
            long[] predicted;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(ps, new NDList(x), true, params).head();
                NDArray l = loss.evaluate(logits, y, weights);
                gc.backward(l);
                value = l.getFloat();
                predicted = logits.argMax(1).toLongArray();
            }
            optimizer.step(lr);
            int correct = 0;
            for (int i = 0; i < n; i++) {
                if (predicted[i] == batch.labels()[i]) {
                    correct++;
                }
            }
            return new double[] {value, correct};
        }
    }

    /**
     * The test error of the best-test-epoch weights kept so far ({@code best.ckpt}), or NaN when
     * there are none (NaN compares false: the first tested epoch is kept). Kept weights from epochs
     * after the checkpoint a stage resumes from stay: they are a real epoch of this stage, and the
     * epochs trained again must beat them.
     */
    private double keptBestError() {
        Path file = dir.bestCheckpoint();
        if (!Files.exists(file)) {
            return Double.NaN;
        }
        try {
            Checkpoint.Meta kept = Checkpoint.verify(file);
            if (kept.testError() != null && kept.stage().equals(plan.name())) {
                listener.onNote("stage " + plan.name() + ": best test epoch so far " + kept.epoch() + String.format(
                        java.util.Locale.ROOT, " (%.2f%%), kept in %s", 100 * kept.testError(), file));
                return kept.testError();
            }
            listener.onNote(file + " holds no best test epoch of stage " + plan.name() + ": replaced at the next test");
        } catch (IOException e) {
            listener.onNote("stage " + plan.name() + ": " + e.getMessage() + "; the best test epoch is kept anew from"
                    + " the next test");
        }
        return Double.NaN;
    }

    private Checkpoint.Meta meta(int epoch, Double lastLoss, Double testError) {
        return new Checkpoint.Meta(Checkpoint.FORMAT, runName, plan.name(), stageIndex, epoch, plan.epochs(),
                model.name(), model.numClasses(),
                List.of((long) transform.channels(), (long) transform.height(), (long) transform.width()), seed,
                "counter-based: Seeds.stream(seed, purpose, stage, epoch[, batch]); resume continues at epoch + 1",
                train.classNames(), referenceCounts != null ? referenceCounts : train.classCounts(), plan, lastLoss,
                Instant.now().toString(), null, testError);
    }

    private void prunePeriodic() throws IOException {
        List<Path> periodic = new ArrayList<>(dir.periodicCheckpoints());
        while (periodic.size() > KEEP_PERIODIC) {
            Files.deleteIfExists(periodic.remove(0));
        }
    }

    private void appendHistory(TrainListener.EpochSummary s) throws IOException {
        Files.createDirectories(dir.path());
        Files.writeString(dir.history(), JSON.writeValueAsString(s) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** On resume, forget epochs after the checkpoint: they are trained again. */
    private void truncateHistory(int keepEpochs) throws IOException {
        Path f = dir.history();
        if (!Files.exists(f)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && JSON.readTree(line).path("epoch").asInt() <= keepEpochs) {
                kept.add(line);
            }
        }
        Files.write(f, kept, StandardCharsets.UTF_8);
    }
}
