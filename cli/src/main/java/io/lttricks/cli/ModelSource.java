package io.lttricks.cli;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.RunLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A checkpoint given on the command line, and the data set it belongs to: a run directory means
 * its last finished stage; a checkpoint inside a run directory takes the run's data set (and its
 * long-tailed manifest, so the training set is exactly the one the model saw); a checkpoint
 * elsewhere needs --dataset.
 */
record ModelSource(Path checkpoint, Checkpoint.Meta meta, Path runDir, DatasetSpec dataset) {

    static ModelSource resolve(Path target, String dataset, String source) throws IOException {
        Path ckpt = target;
        Path runDir = null;
        if (Files.isDirectory(target)) {
            runDir = target;
            ckpt = lastFinal(target);
        } else {
            Path p = target.toAbsolutePath().getParent();
            for (int up = 0; up < 3 && p != null; up++, p = p.getParent()) {
                if (Files.exists(new RunLayout(p).recipe())) {
                    runDir = p;
                    break;
                }
            }
        }
        Checkpoint.Meta meta = Checkpoint.readMeta(ckpt);
        DatasetSpec spec;
        if (dataset != null) {
            spec = new DatasetSpec(dataset, source, null, null, null, null, null, null, null, null);
        } else if (runDir != null) {
            spec = TrainingRun.readRunRecipe(runDir).recipe().dataset();
            Path manifest = new RunLayout(runDir).manifest();
            if (Files.exists(manifest)) {
                spec = spec.withManifest(manifest.toString());
            }
            if (source != null) {
                spec = spec.withSource(source);
            }
        } else {
            throw new IllegalArgumentException(ckpt + " is not inside a run directory: say which data set with --dataset"
                    + " (and --source)");
        }
        return new ModelSource(ckpt, meta, runDir, spec);
    }

    /** A checkpoint file, or the last finished stage's final model of a run directory. */
    static Path checkpoint(Path target) throws IOException {
        return Files.isDirectory(target) ? lastFinal(target) : target;
    }

    private static Path lastFinal(Path runDir) throws IOException {
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(Files::isDirectory).sorted(Comparator.reverseOrder())
                    .map(d -> new RunLayout.Stage(d).finalCheckpoint()).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(runDir + " holds no finished stage (no final.ckpt)"));
        }
    }
}
