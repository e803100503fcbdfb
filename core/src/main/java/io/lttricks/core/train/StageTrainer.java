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
import io.lttricks.core.loss.ClassWeights;
import io.lttricks.core.loss.ClassificationLoss;
import io.lttricks.core.loss.Losses;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.ManifoldMix;
import io.lttricks.core.recipe.StagePlan;
import io.lttricks.core.sampling.DeferredSampler;
import io.lttricks.core.sampling.Sampler;
import io.lttricks.core.sampling.Samplers;
import io.lttricks.core.util.Seeds;
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

/**
 * Trains one stage: per epoch, the (possibly deferred) sampler draws the order, the loader
 * augments and mixes, each step runs forward, loss, backward and the SGD update; checkpoints at the
 * configured interval and at the end.
 */
public final class StageTrainer {
    /** Periodic checkpoints kept besides the final one. */
    static final int KEEP_PERIODIC = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StagePlan plan;
    private final int stageIndex;
    private final String runName;
    private final Backbone model;
    private final NDManager manager;
    private final LabeledImages train;
    private final ImageTransform transform;
    private final long seed;
    private final Path stageDir;
    private final TrainListener listener;
    private final int loaderThreads;
    private final int maxBatchesPerEpoch;
    private final int[] referenceCounts;
    private EpochEvaluator evaluator;

    /**
     * @param model              initialised (from scratch or loaded), on {@code manager}'s device
     * @param maxBatchesPerEpoch cap on steps per epoch (0 = none); for benchmarks and tests only
     */
    public StageTrainer(StagePlan plan, int stageIndex, String runName, Backbone model, NDManager manager,
                        LabeledImages train, ImageTransform transform, long seed, Path stageDir,
                        TrainListener listener, int loaderThreads, int maxBatchesPerEpoch) {
        this(plan, stageIndex, runName, model, manager, train, transform, seed, stageDir, listener, loaderThreads,
                maxBatchesPerEpoch, null);
    }

    /**
     * @param referenceCounts the class sizes that set class weights and class-first sampling shares:
     *                        the original long-tailed counts when generated images join the training
     *                        set (null: the training set's own counts)
     */
    public StageTrainer(StagePlan plan, int stageIndex, String runName, Backbone model, NDManager manager,
                        LabeledImages train, ImageTransform transform, long seed, Path stageDir,
                        TrainListener listener, int loaderThreads, int maxBatchesPerEpoch, int[] referenceCounts) {
        this.plan = plan;
        this.stageIndex = stageIndex;
        this.runName = runName;
        this.model = model;
        this.manager = manager;
        this.train = train;
        this.transform = transform;
        this.seed = seed;
        this.stageDir = stageDir;
        this.listener = listener;
        this.loaderThreads = loaderThreads;
        this.maxBatchesPerEpoch = maxBatchesPerEpoch;
        this.referenceCounts = referenceCounts;
    }

    /**
     * Evaluates the model with {@code evaluator} after the epochs the plan names ({@code eval_every});
     * the test error goes into the epoch's history line. Without one, no evaluation happens.
     */
    public StageTrainer evaluatingWith(EpochEvaluator evaluator) {
        this.evaluator = evaluator;
        return this;
    }

    /** Epoch -> test top-1 error, from a stage's history (the epochs evaluated during training). */
    public static java.util.SortedMap<Integer, Double> testErrors(Path stageDir) throws IOException {
        Path f = stageDir.resolve("history.jsonl");
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

    public static Path checkpointDir(Path stageDir) {
        return stageDir.resolve("checkpoints");
    }

    public static Path finalCheckpoint(Path stageDir) {
        return stageDir.resolve("final.ckpt");
    }

    /** The latest periodic checkpoint of a stage, or null. */
    public static Path latestCheckpoint(Path stageDir) throws IOException {
        Path dir = checkpointDir(stageDir);
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("epoch-\\d+\\.ckpt"))
                    .max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
                    .orElse(null);
        }
    }

    /**
     * Trains from the epoch after {@code resumeFrom}'s (or from epoch 1 when null) to the end.
     *
     * @return the final checkpoint
     */
    public Path run(Path resumeFrom) throws IOException {
        GradMode.disableOnThisThread();
        int[] labels = train.labels();
        int numClasses = train.numClasses();
        int[] counts = referenceCounts != null ? referenceCounts : train.classCounts();
        Sampler sampler = Samplers.create(plan.sampler(), labels, numClasses, plan.epochs(),
                Seeds.stream(seed, "sampler-dataset", stageIndex, 0).nextLong(), referenceCounts);
        if (plan.drsSampler() != null) {
            Sampler after = Samplers.create(plan.drsSampler(), labels, numClasses, plan.epochs(),
                    Seeds.stream(seed, "sampler-dataset", stageIndex, 1).nextLong(), referenceCounts);
            sampler = new DeferredSampler(sampler, after, plan.drsStart());
        }
        ClassificationLoss loss = Losses.create(plan.loss(), plan.lossGamma(), plan.lossBeta());
        float[] ownWeights = loss.classWeights(counts);
        float[] deferredWeights = null;
        if (plan.drwStart() != null) {
            deferredWeights = plan.drwWeights() == null ? loss.deferredClassWeights(counts)
                    : "CB".equals(plan.drwWeights())
                    ? ClassWeights.classBalanced(counts, plan.lossBeta() == null ? Losses.DEFAULT_BETA : plan.lossBeta())
                    : ClassWeights.costSensitive(counts, 1.0);
        }
        Mixup mixup = plan.mixupAt() == null ? Mixup.OFF : new Mixup(MixLocation.parse(plan.mixupAt()), plan.mixupAlpha());
        LrSchedule schedule = new LrSchedule(plan.lr(), plan.warmupEpochs(), plan.milestones(), plan.lrDecay());
        List<Parameter> trainable = model.getParameters().values().stream()
                .filter(Parameter::requiresGradient).toList();
        int startEpoch = 0;
        try (SgdOptimizer optimizer = new SgdOptimizer(trainable, manager, plan.momentum(), plan.nesterov(),
                plan.weightDecay());
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
            NDArray ownNd = ownWeights == null ? null : weightsManager.create(ownWeights);
            NDArray deferredNd = deferredWeights == null ? null : weightsManager.create(deferredWeights);
            truncateHistory(startEpoch);
            ParameterStore ps = new ParameterStore(manager, false);
            int batchSize = plan.batchSize();
            int perEpochBatches = -1;
            long stageStart = System.nanoTime();
            long stageBatchesDone = 0;
            for (int epoch = startEpoch + 1; epoch <= plan.epochs(); epoch++) {
                int[] order = sampler.epoch(epoch, Seeds.stream(seed, "sampler", stageIndex, epoch));
                boolean deferredOn = plan.drwStart() != null && epoch > plan.drwStart();
                NDArray weights = deferredOn ? deferredNd : ownNd;
                double lr = schedule.at(epoch);
                String samplerName = sampler instanceof DeferredSampler d ? d.active(epoch).name() : sampler.name();
                long epochStart = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                int images = 0;
                try (BatchLoader loader = new BatchLoader(train, order, batchSize, true, transform, mixup, numClasses,
                        seed, "train-" + stageIndex, epoch, true, loaderThreads, 4)) {
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
                TrainListener.EpochSummary summary = new TrainListener.EpochSummary(plan.name(), epoch, plan.epochs(),
                        images, lossSum / images, (double) correct / images, lr, images / seconds, seconds, samplerName,
                        weights != null, ResidentMemory.bytes(), testError);
                appendHistory(summary);
                listener.onEpoch(summary);
                boolean last = epoch == plan.epochs();
                if (last || epoch % plan.checkpointEvery() == 0) {
                    Path file = last ? finalCheckpoint(stageDir)
                            : checkpointDir(stageDir).resolve(String.format("epoch-%04d.ckpt", epoch));
                    Checkpoint.write(file, meta(epoch, lossSum / images), model, optimizer);
                    listener.onCheckpoint(plan.name(), epoch, file);
                    prunePeriodic();
                }
            }
            if (startEpoch >= plan.epochs() && !Files.exists(finalCheckpoint(stageDir))) {
                Checkpoint.write(finalCheckpoint(stageDir), meta(plan.epochs(), null), model, optimizer);
            }
        }
        return finalCheckpoint(stageDir);
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

    private Checkpoint.Meta meta(int epoch, Double lastLoss) {
        return new Checkpoint.Meta(Checkpoint.FORMAT, runName, plan.name(), stageIndex, epoch, plan.epochs(),
                model.name(), model.numClasses(),
                List.of((long) transform.channels(), (long) transform.height(), (long) transform.width()), seed,
                "counter-based: Seeds.stream(seed, purpose, stage, epoch[, batch]); resume continues at epoch + 1",
                train.classNames(), referenceCounts != null ? referenceCounts : train.classCounts(), plan, lastLoss,
                Instant.now().toString());
    }

    private void prunePeriodic() throws IOException {
        Path dir = checkpointDir(stageDir);
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> periodic;
        try (Stream<Path> s = Files.list(dir)) {
            periodic = new ArrayList<>(s.filter(p -> p.getFileName().toString().matches("epoch-\\d+\\.ckpt"))
                    .sorted().toList());
        }
        while (periodic.size() > KEEP_PERIODIC) {
            Files.deleteIfExists(periodic.remove(0));
        }
    }

    private Path historyFile() {
        return stageDir.resolve("history.jsonl");
    }

    private void appendHistory(TrainListener.EpochSummary s) throws IOException {
        Files.createDirectories(stageDir);
        Files.writeString(historyFile(), JSON.writeValueAsString(s) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** On resume, forget epochs after the checkpoint: they are trained again. */
    private void truncateHistory(int keepEpochs) throws IOException {
        Path f = historyFile();
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
