package io.lttricks.core.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossPlan;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.model.Precision;
import io.lttricks.core.sampling.Drs;
import io.lttricks.core.sampling.SamplerKind;

/**
 * A training stage, resolved: the schedule, the optimiser, and each trick as a typed part.
 *
 * @param epochs          the stage's length
 * @param lr              base rate, warm-up and decays ({@link LrSchedule})
 * @param mixup           {@link Mixup#OFF} when off
 * @param drs             deferred re-sampling, or null
 * @param drw             deferred re-weighting, or null
 * @param generated       the cam stage whose images join the training set, or null
 * @param checkpointEvery a checkpoint every this many epochs (and after the last)
 * @param colourJitter    ImageNet layouts: colour jitter in the training augmentation (ImageNet-LT's config)
 * @param precision       the forward passes' arithmetic, training and the evaluations during the stage
 *                        ({@link Precision}; fp32 when null)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainPlan(String name, Init init, StageRole role, int batchSize, int epochs, LrSchedule lr, Sgd sgd,
                        LossPlan loss, SamplerKind sampler, Drs drs, Drw drw, Mixup mixup, String generated,
                        int checkpointEvery, EvalPlan eval, boolean colourJitter, Precision precision)
        implements StagePlan {

    public TrainPlan {
        if (precision == null) {
            precision = Precision.FP32;
        }
        if (mixup == null) {
            mixup = Mixup.OFF;
        }
        if (eval == null) {
            eval = EvalPlan.OFF;
        }
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "stage %s: %d epochs, batch %d, lr %s (%s%s), init %s, loss %s%s, sampler %s", name,
                epochs, batchSize, StagePlan.fmt(lr.base()), lr.warmupEpochs() > 0 ? "warm-up " + lr.warmupEpochs() + ", " : "",
                lr.schedule() == LrShape.COSINE ? "cosine towards 0 by epoch " + epochs
                        : lr.milestones().isEmpty() ? "no decay" : "x" + StagePlan.fmt(lr.decay()) + " at " + lr.milestones(),
                init, loss.kind().recipeName(), loss.params().isEmpty() ? "" : " " + loss.params(), sampler.recipeName()));
        if (mixup.enabled()) {
            sb.append(", mixup ").append(mixup.location().recipeName()).append(" alpha ")
                    .append(StagePlan.fmt(mixup.alpha()));
        }
        if (drs != null) {
            sb.append(", DRS ").append(drs.sampler().recipeName()).append(" after epoch ").append(drs.startEpoch());
        }
        if (drw != null) {
            sb.append(", DRW (").append(drw.weights().recipeName()).append(" weights) after epoch ")
                    .append(drw.startEpoch());
        }
        if (generated != null) {
            sb.append(", with the images of ").append(generated);
        }
        if (colourJitter) {
            sb.append(", colour jitter");
        }
        if (eval.every() > 0) {
            sb.append(", ").append(eval.describe(epochs));
        }
        if (precision != Precision.FP32) {
            sb.append(", ").append(precision.recipeName());
        }
        return sb.toString();
    }

    /** This plan with another evaluation during training. */
    public TrainPlan withEval(EvalPlan other) {
        return new TrainPlan(name, init, role, batchSize, epochs, lr, sgd, loss, sampler, drs, drw, mixup, generated,
                checkpointEvery, other, colourJitter, precision);
    }

    /** Whether the model is evaluated on the test set after {@code epoch}. */
    public boolean evaluatesAfter(int epoch) {
        return eval.after(epoch, epochs);
    }
}
