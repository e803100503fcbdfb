package io.lttricks.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every file of a run, named in one place. A run directory on disk and a run's prefix in the
 * object store have the same layout (the services' {@code Keys} prefix these names):
 *
 * <pre>
 * recipe.json                the resolved recipe (what runs)
 * manifest.json              the long-tailed training set, image by image
 * report.json, report.txt    the run's result: the last training stage's evaluation
 * NN-STAGE/                  one directory per stage, NN its position from 01
 *   history.jsonl            one line per epoch
 *   checkpoints/epoch-EEEE.ckpt periodic checkpoints (the last two)
 *   final.ckpt               the stage's final model
 *   best.ckpt                its best test epoch's weights, when a cam stage after it asks for them
 *   report.json, report.txt  its evaluation, per-class.png and confusion.png its plots
 *   curves.png               loss, accuracy (and test error) and learning rate per epoch
 *   generated/               a cam stage's images and generated.json
 * </pre>
 */
public record RunLayout(Path root) {
    public static final String RECIPE = "recipe.json";
    public static final String MANIFEST = "manifest.json";
    public static final String REPORT_JSON = "report.json";
    public static final String REPORT_TEXT = "report.txt";
    public static final String HISTORY = "history.jsonl";
    /** One line per start (or resumption) of a stage: what it ran on ({@code RunEnvironment}). */
    public static final String ENVIRONMENT = "environment.jsonl";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String FINAL_CHECKPOINT = "final.ckpt";
    /** The weights of a stage's epoch with the lowest test error, when its plan keeps them. */
    public static final String BEST_CHECKPOINT = "best.ckpt";
    public static final String GENERATED = "generated";
    public static final String PER_CLASS_PLOT = "per-class.png";
    public static final String CONFUSION_PLOT = "confusion.png";
    public static final String CURVES = "curves.png";
    private static final Pattern PERIODIC = Pattern.compile("epoch-\\d{4,}\\.ckpt");

    /** The directory name of stage {@code index} (0-based): {@code 01-name}. */
    public static String stageDirName(int index, String name) {
        return String.format(Locale.ROOT, "%02d-%s", index + 1, name);
    }

    /** The file name of the periodic checkpoint after {@code epoch}. */
    public static String periodicCheckpointName(int epoch) {
        return String.format(Locale.ROOT, "epoch-%04d.ckpt", epoch);
    }

    /** Whether a file name is a periodic checkpoint's. */
    public static boolean isPeriodicCheckpoint(String fileName) {
        return PERIODIC.matcher(fileName).matches();
    }

    public Path recipe() {
        return root.resolve(RECIPE);
    }

    public Path manifest() {
        return root.resolve(MANIFEST);
    }

    public Path report() {
        return root.resolve(REPORT_JSON);
    }

    public Stage stage(int index, String name) {
        return new Stage(root.resolve(stageDirName(index, name)));
    }

    /** One stage's directory. */
    public record Stage(Path path) {
        public Path history() {
            return path.resolve(HISTORY);
        }

        public Path environment() {
            return path.resolve(ENVIRONMENT);
        }

        public Path checkpoints() {
            return path.resolve(CHECKPOINTS);
        }

        public Path periodicCheckpoint(int epoch) {
            return checkpoints().resolve(periodicCheckpointName(epoch));
        }

        public Path finalCheckpoint() {
            return path.resolve(FINAL_CHECKPOINT);
        }

        /** The best test epoch's weights ({@link io.lttricks.core.plan.EvalPlan#keepBest}). */
        public Path bestCheckpoint() {
            return path.resolve(BEST_CHECKPOINT);
        }

        public Path report() {
            return path.resolve(REPORT_JSON);
        }

        public Path generated() {
            return path.resolve(GENERATED);
        }

        /** The periodic checkpoints present, oldest first. */
        public List<Path> periodicCheckpoints() throws IOException {
            if (!Files.isDirectory(checkpoints())) {
                return List.of();
            }
            try (Stream<Path> s = Files.list(checkpoints())) {
                return s.filter(p -> isPeriodicCheckpoint(p.getFileName().toString())).sorted().toList();
            }
        }
    }
}
