package io.lttricks.core.plan;

import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPaste;
import io.lttricks.core.cam.CamPreset;
import io.lttricks.core.cam.CamWeights;
import io.lttricks.core.model.Precision;

/**
 * A CAM-based sampling stage, resolved: new images of every class from a model's class
 * activation maps (or, with {@link CamMethod#IMAGE_TRANS}, from whole-image transformations).
 *
 * @param init            the model: {@code previous} (the last training stage's) or a checkpoint
 * @param thresholdFactor foreground = map >= factor x mean (1.0 as the paper, 0.75 as the official code)
 * @param threshold       with {@link CamCounts#THRESHOLD}: 100 for ImageNet-LT, 50 for iNaturalist
 * @param preset          the paper's method or the official script's ({@link CamPreset})
 * @param mapsFrom        with init {@code previous}: the maps from that stage's final model or its best
 *                        test epoch's weights
 * @param viewJitter      the official preset's random view of an ImageNet-layout image has the colour
 *                        jitter of the data set's training augmentation (ImageNet-LT)
 * @param precision       the maps' forward pass ({@link Precision}; fp32 when null)
 */
public record CamPlan(String name, Init init, int batchSize, CamMethod method, double thresholdFactor,
                      CamCounts counts, int threshold, CamPaste paste, CamPreset preset, CamWeights mapsFrom,
                      boolean viewJitter, Precision precision)
        implements StagePlan {

    public CamPlan(String name, Init init, int batchSize, CamMethod method, double thresholdFactor, CamCounts counts,
                   int threshold, CamPaste paste, CamPreset preset, CamWeights mapsFrom) {
        this(name, init, batchSize, method, thresholdFactor, counts, threshold, paste, preset, mapsFrom, false, null);
    }

    public CamPlan {
        if (precision == null) {
            precision = Precision.FP32;
        }
        if (mapsFrom == null) {
            mapsFrom = CamWeights.FINAL;
        }
    }

    /** Images per class to generate for training classes of the given sizes. */
    public int[] perClass(int[] trainCounts) {
        return counts.perClass(trainCounts, threshold);
    }

    /** The generator's settings for this stage. */
    public io.lttricks.core.cam.CamGenerator.Options generatorOptions(long seed) {
        return new io.lttricks.core.cam.CamGenerator.Options(method, thresholdFactor, seed, batchSize, paste, preset,
                viewJitter, precision);
    }

    @Override
    public String describe() {
        return "stage " + name + ": " + (method == CamMethod.CAM ? "CAM-based sampling (" + preset.recipeName()
                + " preset, foreground >= " + StagePlan.fmt(thresholdFactor) + " x mean, " + paste.recipeName() + ")"
                : "ImageTrans (" + preset.recipeName() + " preset)")
                + " from " + (!init.isPrevious() ? init : mapsFrom == CamWeights.BEST_TEST_EPOCH
                        ? "the previous stage's best test epoch" : "the previous stage's model") + ", " + counts.recipeName()
                + " counts" + (counts == CamCounts.THRESHOLD ? " (threshold " + threshold + ")" : "")
                + (needsModel() && precision != Precision.FP32 ? ", maps in " + precision.recipeName() : "");
    }

    /** Whether the maps come from the previous stage's best test epoch rather than its final model. */
    public boolean fromBestTestEpoch() {
        return needsModel() && init.isPrevious() && mapsFrom == CamWeights.BEST_TEST_EPOCH;
    }

    /** Whether it needs a trained model (ImageTrans does not). */
    public boolean needsModel() {
        return method == CamMethod.CAM;
    }
}
