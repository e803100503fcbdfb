package io.lttricks.core.reproduce;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.CheckpointCheck;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.run.RunListener;
import io.lttricks.core.run.TrainingRun;
import io.lttricks.core.train.RunLayout;
import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a reproduction's recipes in this process, each in {@code runs/<key>} under the output
 * directory: a finished run is read back, an interrupted one resumed, a new one started. Its wall
 * time (over all the calls that trained it) is kept in the run directory.
 */
public final class LocalRunner implements Reproduction.Runner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WALL = "reproduce-wall-seconds.txt";

    private final Path runsDir;
    private final RunListener listener;
    private final Progress progress;
    private final TrainingRun.Options options;

    public LocalRunner(Path runsDir, RunListener listener, Progress progress, TrainingRun.Options options) {
        this.runsDir = runsDir;
        this.listener = listener;
        this.progress = progress;
        this.options = options;
    }

    /** The name of the file the run's images came from, from its manifest; null when it has none. */
    static String dataFile(RunLayout layout) throws IOException {
        Path manifest = layout.manifest();
        if (!Files.exists(manifest)) {
            return null;
        }
        var source = JSON.readTree(manifest.toFile()).get("source");
        return source == null || source.isNull() ? null : Path.of(source.asText()).getFileName().toString();
    }

    /** The directory a recipe runs in. */
    public Path dir(String key) {
        return runsDir.resolve(key);
    }

    @Override
    public Reproduction.Outcome run(Recipe recipe, String key) throws IOException {
        Path dir = dir(key);
        RunLayout layout = new RunLayout(dir);
        Path wallFile = dir.resolve(WALL);
        double before = Files.exists(wallFile) ? Double.parseDouble(Files.readString(wallFile).trim()) : 0;
        Recipes.Resolved resolved = Recipes.resolve(recipe, CheckpointCheck.LOCAL_FILES);
        if (!Files.exists(layout.report())) {
            boolean resume = Files.exists(layout.recipe());
            listener.onNote((resume ? "resuming " : "starting ") + key + " in " + dir);
            long t0 = System.nanoTime();
            try {
                new TrainingRun(resolved, dir, listener, progress, options).run(resume);
            } finally {
                Files.createDirectories(dir);
                Files.writeString(wallFile, String.valueOf(before + (System.nanoTime() - t0) / 1e9));
            }
            before = Double.parseDouble(Files.readString(wallFile).trim());
        } else {
            listener.onNote(key + " is done: reading " + layout.report());
        }
        Map<String, Reproduction.StageFigures> stages = new LinkedHashMap<>();
        List<StagePlan> plans = resolved.stages();
        for (int i = 0; i < plans.size(); i++) {
            if (plans.get(i) instanceof TrainPlan p) {
                EvaluationReport r = JSON.readValue(layout.stage(i, p.name()).report().toFile(), EvaluationReport.class);
                stages.put(p.name(), new Reproduction.StageFigures(r.top1Error(), r.bestTestEpochTop1Error(),
                        r.bestTestEpoch()));
            }
        }
        return new Reproduction.Outcome(stages, before, dataFile(layout));
    }
}
