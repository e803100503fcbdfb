package io.lttricks.augment;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.lttricks.core.cam.CamGenerator;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.cam.ForegroundTransform;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.cam.PreviewGrid;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.util.Progress;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.plan.StoredPlans;
import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.store.GeneratedSets;
import io.lttricks.platform.bus.JobWorker;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.Platform;
import io.lttricks.platform.plan.RecipeMapper;
import io.lttricks.platform.bus.Topics;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.ShardCompleted;
import io.lttricks.proto.v1.ShardJob;
import io.lttricks.proto.v1.StageCompleted;
import io.lttricks.proto.v1.StageFailed;
import io.lttricks.proto.v1.StageStarted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CAM generation as a service. A stage job is split into shard jobs on the shard topic (its one
 * partition, shared by every replica in a share group; or, in a classic consumer group, one
 * partition after another), split by source image so that shards cost the same (see
 * {@code ShardJob.split_by_source}); any replica takes any shard. A shard's output
 * key is a function of the stage and the shard, and its images a function of the seed and their
 * indices, so a shard delivered twice writes the same bytes to the same key. Whoever stores the
 * last shard merges the manifest; the set is complete when {@code generated.json} exists.
 */
final class Augmenter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Augmenter.class);

    private final Platform platform;
    private final DataAccess data;
    private final GeneratedSets sets;
    private final MeterRegistry meters;
    /** The last training set and model used: consecutive shards of a stage share them. */
    private String loadedManifest;
    private LabeledImages loadedTrain;
    private String loadedCheckpoint;
    private NDManager manager;
    private Backbone model;

    Augmenter(Platform platform) {
        this.platform = platform;
        this.data = new DataAccess(platform);
        this.sets = new GeneratedSets(platform);
        this.meters = platform.metrics().registry();
    }

    /** Splits a stage into shard jobs. A transient failure asks for a retry, any other fails the stage. */
    void plan(CamJob job) throws JobWorker.Retry {
        CamPlan plan = null;
        try {
            plan = stage(job);
            ClientInputs.key(job.getOutputPrefix(), "output_prefix", ClientInputs.OUTPUT_PREFIXES);
            String manifestKey = Keys.generatedManifest(job.getOutputPrefix());
            if (platform.store().exists(manifestKey)) {
                completed(job, plan, manifestKey, 0);
                return;
            }
            if (!platform.store().exists(Keys.generationStarted(job.getOutputPrefix()))) {
                markStarted(platform, job);
            }
            LongTailManifest lt = LongTailManifest.read(data.fetch(job.getManifestKey()));
            int[] perClass = plan.perClass(lt.counts());
            long total = 0;
            for (int n : perClass) {
                total += n;
            }
            int shards = (int) Math.max(1, Math.min(total, job.getShards() > 0 ? job.getShards()
                    : platform.config().augmentShards()));
            platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(plan.name())
                    .setStarted(StageStarted.newBuilder().setWorker(AugmentServer.SERVICE + "/" + platform.config().instance())
                            .setTotal(shards)));
            if (total == 0) {
                GeneratedSet.Manifest m = sets.complete(job.getOutputPrefix(), header(job, plan, lt));
                completed(job, plan, manifestKey, m.images().size());
                return;
            }
            for (int s = 0; s < shards; s++) {
                platform.bus().publishSpread(Topics.SHARD_JOBS, job.getRunId() + "/" + plan.name() + "/" + s, s,
                        ShardJob.newBuilder().setStage(job).setShard(s).setShards(shards).setFrom(0).setTo(total)
                                .setSplitBySource(true).setOutputKey(Keys.shard(job.getOutputPrefix(), s, shards)).build());
            }
            LOG.info("run {} stage {}: {} images in {} shards", job.getRunId(), plan.name(), total, shards);
        } catch (IOException | RuntimeException e) {
            JobWorker.Retry.throwIfTransient(e);
            fail(job, plan == null ? "cam" : plan.name(), e);
        }
    }

    /**
     * Generates and stores one shard; completes the set if it was the last one. A transient failure
     * asks for a retry, any other fails the stage.
     */
    void shard(ShardJob job) throws JobWorker.Retry {
        CamJob stageJob = job.getStage();
        CamPlan plan = null;
        try {
            plan = stage(stageJob);
            long count;
            if (!platform.store().exists(job.getOutputKey())) {
                LabeledImages train = train(stageJob.getManifestKey(), stageJob.getRecipe());
                CamGenerator gen = generator(stageJob, plan, train);
                List<CamGenerator.Generated> images = job.getSplitBySource()
                        ? gen.generateShard(job.getShard(), job.getShards(), Progress.SILENT)
                        : gen.generate(job.getFrom(), job.getTo(), Progress.SILENT);
                if (job.getShard() == 0) {
                    preview(stageJob, plan, train, gen);
                }
                platform.store().put(job.getOutputKey(), GeneratedSets.shardZip(train.classNames(), images),
                        "application/zip");
                count = images.size();
                generated(plan).increment(count);
            } else {
                count = sets.entries(job.getOutputKey()).size();
            }
            platform.bus().event(RunEvent.newBuilder().setRunId(stageJob.getRunId()).setStage(plan.name())
                    .setShard(ShardCompleted.newBuilder().setShard(job.getShard()).setShards(job.getShards())
                            .setImages(count).setKey(job.getOutputKey())
                            .setWorker(AugmentServer.SERVICE + "/" + platform.config().instance())));
            List<String> stored = platform.store().list(Keys.shards(stageJob.getOutputPrefix()), Keys::isShard);
            String suffix = String.format(Locale.ROOT, "-of-%05d.zip", job.getShards());
            if (stored.stream().filter(k -> k.endsWith(suffix)).count() == job.getShards()) {
                LongTailManifest lt = LongTailManifest.read(data.fetch(stageJob.getManifestKey()));
                GeneratedSet.Manifest m = sets.complete(stageJob.getOutputPrefix(), header(stageJob, plan, lt));
                completed(stageJob, plan, Keys.generatedManifest(stageJob.getOutputPrefix()), m.images().size());
            }
        } catch (IOException | RuntimeException e) {
            JobWorker.Retry.throwIfTransient(e);
            fail(stageJob, plan == null ? "cam" : plan.name(), e);
        }
    }


    /**
     * Stores the stage's preview (the dashboard shows it): two examples of each of the first 20
     * classes, each as its source image, CAM, foreground and generated image. Best effort: a preview
     * that cannot be made or stored is logged and the generation goes on.
     */
    private void preview(CamJob job, CamPlan plan, LabeledImages train, CamGenerator gen) {
        try {
            List<CamGenerator.Explained> rows = gen.explain(PreviewGrid.examples(plan.perClass(train.classCounts()), 2, 20));
            if (rows.isEmpty()) {
                return;
            }
            String title = String.format(Locale.ROOT, "%s, foreground >= %.2f x mean CAM; model %s",
                    plan.needsModel() ? "CAM-based sampling" : "ImageTrans", plan.thresholdFactor(),
                    plan.needsModel() ? stageFile(job.getCheckpointKey()) : "none");
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(PreviewGrid.render(rows, train.classNames(), 4, title), "png", png);
            platform.store().put(Keys.camPreview(job.getOutputPrefix()), png.toByteArray(), "image/png");
        } catch (IOException | RuntimeException e) {
            LOG.warn("run {} stage {}: no preview ({})", job.getRunId(), plan.name(), e.toString());
        }
    }

    /** The stage and file of a run's object key ({@code 01-first/best.ckpt} of {@code runs/ID/01-first/best.ckpt}). */
    static String stageFile(String key) {
        int last = key.lastIndexOf('/');
        int stage = last > 0 ? key.lastIndexOf('/', last - 1) : -1;
        return stage >= 0 ? key.substring(stage + 1) : key;
    }

    /**
     * Images generated and stored by this process, by method (cam, image_trans):
     * {@code lt_cam_images_generated_total}. A shard found already stored adds nothing.
     */
    private Counter generated(CamPlan plan) {
        return Counter.builder("lt.cam.images.generated").description("CAM-based sampling: images generated and stored")
                .tag("method", plan.method().recipeName()).register(meters);
    }

    /** Records that a generation was started under the job's prefix (what GetGeneration looks for). */
    static void markStarted(Platform platform, CamJob job) {
        try {
            platform.store().put(Keys.generationStarted(job.getOutputPrefix()),
                    ("{\"run_id\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(job.getRunId()) + ", \"started_ms\": "
                            + System.currentTimeMillis() + "}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "application/json");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static GeneratedSet.Manifest header(CamJob job, CamPlan plan, LongTailManifest lt) {
        return new GeneratedSet.Manifest(GeneratedSet.FORMAT, plan.method().recipeName(), plan.preset().recipeName(),
                plan.thresholdFactor(),
                plan.paste().recipeName(), seed(job), job.getCheckpointKey(), lt.classes(), plan.perClass(lt.counts()),
                List.of());
    }

    private static long seed(CamJob job) {
        return RecipeMapper.fromProto(job.getRecipe()).seedOrDefault();
    }

    /** The stage's plan as the job carries it (resolved once, at submission). */
    private static CamPlan stage(CamJob job) {
        return StoredPlans.of(job);
    }

    private synchronized LabeledImages train(String manifestKey, io.lttricks.proto.v1.Recipe recipe) throws IOException {
        if (!manifestKey.equals(loadedManifest)) {
            loadedTrain = data.load(RecipeMapper.fromProto(recipe).dataset(), manifestKey).train();
            loadedManifest = manifestKey;
        }
        return loadedTrain;
    }

    private synchronized CamGenerator generator(CamJob job, CamPlan plan, LabeledImages train) throws IOException {
        boolean cam = plan.needsModel();
        if (cam && !job.getCheckpointKey().equals(loadedCheckpoint)) {
            if (manager != null) {
                manager.close();
            }
            manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice());
            model = Checkpoint.loadModel(data.fetch(job.getCheckpointKey()), manager);
            loadedCheckpoint = job.getCheckpointKey();
        }
        return new CamGenerator(cam ? model : null, manager, train, plan.perClass(train.classCounts()),
                plan.generatorOptions(seed(job)));
    }

    private void completed(CamJob job, CamPlan plan, String manifestKey, long images) {
        platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(plan.name())
                .setCompleted(StageCompleted.newBuilder().setOutputKey(manifestKey).setItems(images)));
    }

    /** Reports a stage whose job failed transiently on every attempt as failed, with the last reason. */
    void giveUp(CamJob job, JobWorker.Retry last) {
        String stage = "cam";
        try {
            stage = stage(job).name();
        } catch (RuntimeException e) {
            // The stage keeps the generic name.
        }
        fail(job, stage, last);
    }

    private void fail(CamJob job, String stage, Exception e) {
        LOG.error("run {} stage {}: {}", job.getRunId(), stage, e.toString(), e);
        platform.bus().event(RunEvent.newBuilder().setRunId(job.getRunId()).setStage(stage)
                .setFailed(StageFailed.newBuilder().setReason(ClientMessages.of(e, platform)).setPermanent(true)));
    }

    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
