package io.lttricks.core.cam;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * How CAM-based sampling is done where the paper's text and the official script
 * ({@code lib/utils/cam_based_sampling.py} of BagofTricks-LT, which appeared after the paper) differ.
 * The paper's text is the cleaner method; the script is what its authors' code runs.
 *
 * <table>
 *   <tr><th></th><th>paper</th><th>official</th></tr>
 *   <tr><td>map computed on</td><td>the whole image, once per source image</td><td>a training-augmented copy
 *       (random crop and flip; ImageNet-LT's colour jitter), drawn anew for every generated image, its map
 *       quantised to 8 bits and resized onto the unaugmented image</td></tr>
 *   <tr><td>foreground threshold (default)</td><td>1.0 x mean</td><td>0.75 x mean</td></tr>
 *   <tr><td>paste (default)</td><td>over the untouched original</td><td>moved: the transformed image over the
 *       source's foreground and where it landed, the original kept where the warp brought nothing in</td></tr>
 *   <tr><td>box (centre of rotation, translation range)</td><td>the foreground's bounding box</td>
 *       <td>the first two rows and columns that hold foreground (the script's loops stop at the second)</td></tr>
 *   <tr><td>angle, scale</td><td>uniform in [-45, 45] degrees, [0.8, 1.2]</td><td>integers in [-45, 44],
 *       hundredths in [0.80, 1.19]</td></tr>
 *   <tr><td>warps</td><td>bilinear, landing by nearest neighbour</td><td>OpenCV's fixed-point warps, landing
 *       where the warped map is non-zero ({@link OpenCvOps})</td></tr>
 *   <tr><td>images written as</td><td>PNG (lossless)</td><td>JPEG, quality 95</td></tr>
 * </table>
 */
public enum CamPreset implements Term {
    PAPER(Info.of("paper", "the method as the paper's text describes it: maps of the whole image, bounding box,"
            + " threshold 1.0 x mean, pasted over, PNG")),
    OFFICIAL(Info.of("official", "as the official script runs it: a new map for every image, on a training-augmented"
            + " copy, 8-bit; its quirky box; threshold 0.75 x mean; OpenCV's warps; the object moved; JPEG"));

    public static final Vocabulary<CamPreset> VOCABULARY = Vocabulary.of("CAM preset", CamPreset.class);

    private final Info info;

    CamPreset(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }

    public static CamPreset parse(String name) {
        return VOCABULARY.parse(name);
    }

    /** The foreground threshold factor a stage gets when it sets none. */
    public double defaultThresholdFactor() {
        return this == OFFICIAL ? 0.75 : 1.0;
    }

    /** The paste a stage gets when it sets none. */
    public CamPaste defaultPaste() {
        return this == OFFICIAL ? CamPaste.MOVE : CamPaste.OVER;
    }
}
