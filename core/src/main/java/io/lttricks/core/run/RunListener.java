package io.lttricks.core.run;

import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.train.TrainListener;
import java.nio.file.Path;

/** What a whole run reports: its stages' training, and each training stage's evaluation. */
public interface RunListener extends TrainListener {

    /** A training stage's final model has been evaluated; its report is in {@code reportFile}. */
    default void onStageEnd(String stage, EvaluationReport report, Path reportFile) {
    }
}
