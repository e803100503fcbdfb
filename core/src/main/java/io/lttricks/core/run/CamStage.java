package io.lttricks.core.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.lttricks.core.data.LabeledImages;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.cam.CamGenerator;
import io.lttricks.core.cam.GeneratedSet;
import io.lttricks.core.plan.CamPlan;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A whole CAM generation: counts, images in chunks, manifest last (its presence means complete). */
public final class CamStage {
    /** Images generated and written per chunk: bounds memory on large data sets. */
    static final int CHUNK = 8192;

    private CamStage() {
    }

    /**
     * Generates the set into {@code outDir} unless its manifest is already there.
     *
     * @param checkpoint the first-stage model (ignored for image_trans)
     */
    public static GeneratedSet.Manifest run(CamPlan plan, Path checkpoint, LabeledImages train, long seed,
                                            Path outDir, Device device, Progress progress) throws IOException {
        if (Files.exists(outDir.resolve(GeneratedSet.MANIFEST))) {
            return GeneratedSet.read(outDir);
        }
        int[] perClass = plan.perClass(train.classCounts());
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Backbone model = plan.needsModel() ? Checkpoint.loadModel(checkpoint, manager) : null;
            CamGenerator gen = new CamGenerator(model, manager, train, perClass, plan.generatorOptions(seed));
            List<GeneratedSet.Entry> entries = new ArrayList<>();
            long total = gen.total();
            for (long from = 0; from < total; from += CHUNK) {
                long to = Math.min(total, from + CHUNK);
                List<CamGenerator.Generated> images = gen.generate(from, to, Progress.SILENT);
                entries.addAll(GeneratedSet.writeImages(outDir, train.classNames(), images, Progress.SILENT));
                progress.update("CAM-based sampling", to, total, "img");
            }
            GeneratedSet.Manifest m = new GeneratedSet.Manifest(GeneratedSet.FORMAT, plan.method().recipeName(),
                    plan.preset().recipeName(), plan.thresholdFactor(), plan.paste().recipeName(), seed, checkpoint == null ? null : checkpoint.toString(),
                    train.classNames(), perClass, entries);
            GeneratedSet.writeManifest(outDir, m);
            return m;
        }
    }
}
