package io.lttricks.platform.plan;

import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.proto.v1.Metrics;

/**
 * An evaluation report's figures as the API's {@link Metrics}: top-1 error, the shot groups that
 * have classes, the best test epoch where it was evaluated during training, the classes and their
 * accuracy. Where the report and plots are (keys) is for the caller to add: the services keep them
 * under {@code NN-STAGE/report/}, a run directory of {@code lt train} in {@code NN-STAGE/}.
 */
public final class MetricsMapper {
    private MetricsMapper() {
    }

    public static Metrics.Builder of(EvaluationReport r) {
        Metrics.Builder m = Metrics.newBuilder().setTop1Error(r.top1Error()).setImages(r.images())
                .addAllClasses(r.classes());
        if (r.manyShot() != null) {
            m.setManyShot(r.manyShot());
        }
        if (r.mediumShot() != null) {
            m.setMediumShot(r.mediumShot());
        }
        if (r.fewShot() != null) {
            m.setFewShot(r.fewShot());
        }
        if (r.bestTestEpoch() != null) {
            m.setBestTestEpoch(r.bestTestEpoch()).setBestTestEpochTop1Error(r.bestTestEpochTop1Error());
        }
        for (double a : r.perClassAccuracy()) {
            m.addPerClassAccuracy(a);
        }
        return m;
    }
}
