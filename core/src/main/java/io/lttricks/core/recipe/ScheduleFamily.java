package io.lttricks.core.recipe;

import io.lttricks.core.plan.StageRole;
import java.util.List;
import java.util.Locale;

/**
 * The training schedules of the official configs, per kind of data set, at the paper profile's
 * scale ({@link Profile} shrinks them). What a recipe leaves out comes from here.
 *
 * <ul>
 *   <li>CIFAR ({@code configs/cao_cifar}): 200 epochs, batch 128, lr 0.1, 5 warm-up epochs, x0.01
 *   at 80% and 90% (160, 180), weight decay 2e-4; a stage with mixup 400 epochs (decays at 320,
 *   360), as the official input and manifold mixup configs; the two-stage split 160 + 40 (the
 *   deferred part at lr 0.001, x0.01 after 20); fine-tuning 20 epochs at lr 0.001 (no official
 *   CIFAR config; the ImageNet-LT one's rate relative to the main stage's).</li>
 *   <li>ImageNet-LT ({@code configs/ImageNet_LT}): ResNet-10, 100 epochs, batch 512, lr 0.2, no
 *   warm-up, x0.1 at 60 and 80, weight decay 1e-4, colour jitter; the bag of tricks' stages: 160
 *   epochs (x0.1 at 120 and at 160, its last epoch), 40 at lr 0.002 (x0.1 at its end), 20 at lr
 *   0.002 (x0.1 at 8 and 16). The paper's text says 90 epochs with decays at 30, 60 and 80; the
 *   configs (published after the paper) say otherwise, and we follow them.</li>
 *   <li>iNaturalist 2018 ({@code configs/iNat18}): ResNet-50, as ImageNet-LT but batch 128 and no
 *   colour jitter; the two-stage and fine-tuning shapes (no official config) as ImageNet-LT's. The
 *   official run was distributed (one process per GPU, the number not given), each process drawing
 *   batches of 128 at lr 0.2; here a batch is what one optimizer step sees, so the default of 128
 *   is one official process's batch, and the rate per image is as many times the official one as
 *   it had GPUs.</li>
 *   <li>CIFAR-100-LT IF 100's CAM-based second stage warms up for 5 epochs, as its config
 *   ({@link #role(StageRole, boolean, boolean, io.lttricks.core.loss.LossParam.Data)}).</li>
 * </ul>
 */
public enum ScheduleFamily {
    CIFAR(128, 2e-4, false,
            new RoleShape(200, 0.1, 5, 0.01, 0.8, 0.9),
            new RoleShape(400, 0.1, 5, 0.01, 0.8, 0.9),
            new RoleShape(160, 0.1, 5, 0.01, 1.0),
            new RoleShape(40, 0.001, 0, 0.01, 0.5),
            new RoleShape(20, 0.001, 0, 0.01)),
    IMAGENET_LT(512, 1e-4, true,
            new RoleShape(100, 0.2, 0, 0.1, 0.6, 0.8),
            new RoleShape(100, 0.2, 0, 0.1, 0.6, 0.8),
            new RoleShape(160, 0.2, 0, 0.1, 0.75, 1.0),
            new RoleShape(40, 0.002, 0, 0.1, 1.0),
            new RoleShape(20, 0.002, 0, 0.1, 0.4, 0.8)),
    INATURALIST(128, 1e-4, false,
            IMAGENET_LT.main, IMAGENET_LT.mainWithMixup, IMAGENET_LT.firstStage, IMAGENET_LT.deferred,
            IMAGENET_LT.finetune);

    /**
     * One stage role's schedule at the paper's scale.
     *
     * @param warmupEpochs   warm-up epochs at this length (scaled with the stage; at least 1 when any)
     * @param decayFractions where the rate decays, as fractions of the stage (1.0: its last epoch)
     */
    record RoleShape(int epochs, double lr, int warmupEpochs, double decay, double... decayFractions) {
    }

    private final int batchSize;
    private final double weightDecay;
    private final boolean colourJitter;
    private final RoleShape main;
    private final RoleShape mainWithMixup;
    private final RoleShape firstStage;
    private final RoleShape deferred;
    private final RoleShape finetune;

    ScheduleFamily(int batchSize, double weightDecay, boolean colourJitter, RoleShape main, RoleShape mainWithMixup,
                   RoleShape firstStage, RoleShape deferred, RoleShape finetune) {
        this.batchSize = batchSize;
        this.weightDecay = weightDecay;
        this.colourJitter = colourJitter;
        this.main = main;
        this.mainWithMixup = mainWithMixup;
        this.firstStage = firstStage;
        this.deferred = deferred;
        this.finetune = finetune;
    }

    /** The family of a data set: by its name, else by the backbone's layout. */
    public static ScheduleFamily of(String dataset, String backbone) {
        String d = dataset == null ? "" : dataset.toLowerCase(Locale.ROOT);
        if (d.startsWith("cifar")) {
            return CIFAR;
        }
        if (d.equals("imagenet_lt")) {
            return IMAGENET_LT;
        }
        if (d.equals("inat2018") || d.equals("inaturalist")) {
            return INATURALIST;
        }
        return List.of("resnet10", "resnet18", "resnet34", "resnet50", "resnet101").contains(backbone)
                ? IMAGENET_LT : CIFAR;
    }

    public int batchSize() {
        return batchSize;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public boolean colourJitter() {
        return colourJitter;
    }

    /**
     * The role's shape for a stage on the given data. One official config departs from its family:
     * the CAM-based second stages of CIFAR-100-LT IF 100 ({@code two_stage/drs/cam_based_sampling/
     * second_stage/&#42;/cifar100_im100.yaml}) use the 'warmup' scheduler, 5 warm-up epochs, where every
     * other data set's use 'multistep'.
     *
     * @param onGenerated whether the stage trains on the images of a cam stage
     */
    RoleShape role(StageRole role, boolean mixup, boolean onGenerated, io.lttricks.core.loss.LossParam.Data data) {
        RoleShape r = role(role, mixup);
        if (this == CIFAR && role == StageRole.DEFERRED && onGenerated && data.dataset().equals("cifar100")
                && data.imbalance() == 100) {
            return new RoleShape(r.epochs(), r.lr(), 5, r.decay(), r.decayFractions());
        }
        return r;
    }

    RoleShape role(StageRole role, boolean mixup) {
        return switch (role) {
            case MAIN -> mixup ? mainWithMixup : main;
            case FIRST_STAGE -> firstStage;
            case DEFERRED -> deferred;
            case FINETUNE -> finetune;
        };
    }
}
