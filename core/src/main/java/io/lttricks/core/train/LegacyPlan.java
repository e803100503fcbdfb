package io.lttricks.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.loss.LossPlan;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.mixup.Mixup;
import io.lttricks.core.plan.EvalPlan;
import io.lttricks.core.plan.Init;
import io.lttricks.core.plan.StageRole;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.sampling.Drs;
import io.lttricks.core.sampling.SamplerKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.lttricks.core.plan.Sgd;
import io.lttricks.core.plan.LrSchedule;

/**
 * The flat stage plan of format-1 checkpoints (written before 2026-12-01), read into today's
 * {@link TrainPlan}, so those checkpoints still resume, evaluate and seed later stages. Values the
 * old plan left null get the defaults that old version applied (beta 0.9999 on every data set).
 * A stage resumed from such a checkpoint continues with today's DRW rule (unit weights before the
 * switch); the old version applied the loss's own weights there.
 */
final class LegacyPlan {
    private static final double OLD_DEFAULT_BETA = 0.9999;

    private LegacyPlan() {
    }

    static TrainPlan toTrainPlan(JsonNode p) {
        if (!p.isObject() || "cam".equals(p.path("type").asText())) {
            throw new IllegalArgumentException("no training plan");
        }
        List<Integer> milestones = new ArrayList<>();
        p.path("milestones").forEach(m -> milestones.add(m.asInt()));
        LossKind kind = LossKind.parse(p.path("loss").asText("CE"));
        Map<String, Double> params = new HashMap<>();
        if (p.hasNonNull("lossGamma")) {
            params.put("gamma", p.get("lossGamma").asDouble());
        }
        double beta = p.hasNonNull("lossBeta") ? p.get("lossBeta").asDouble() : OLD_DEFAULT_BETA;
        if (kind.params().stream().anyMatch(x -> x.name().equals("beta"))) {
            params.put("beta", beta);
        }
        LossPlan loss = LossPlan.resolve(kind, params, "cifar10");
        Drs drs = p.hasNonNull("drsSampler")
                ? new Drs(SamplerKind.parse(p.get("drsSampler").asText()), p.path("drsStart").asInt()) : null;
        Drw drw = null;
        if (p.hasNonNull("drwStart")) {
            Drw.Weights w = p.hasNonNull("drwWeights") ? Drw.Weights.VOCABULARY.parse(p.get("drwWeights").asText())
                    : Drw.Weights.LOSS;
            drw = new Drw(p.get("drwStart").asInt(), w, w == Drw.Weights.CB ? beta : null);
        }
        Mixup mixup = p.hasNonNull("mixupAt")
                ? new Mixup(MixLocation.parse(p.get("mixupAt").asText()), p.path("mixupAlpha").asDouble(1.0)) : Mixup.OFF;
        int every = p.path("evalEvery").asInt(0);
        return new TrainPlan(p.path("name").asText(), Init.parse(p.path("init").asText("scratch")),
                StageRole.VOCABULARY.parse(p.path("role").asText("main")), p.path("batchSize").asInt(128),
                p.path("epochs").asInt(), new LrSchedule(p.path("lr").asDouble(), p.path("warmupEpochs").asInt(),
                        milestones, p.path("lrDecay").asDouble(0.01)),
                new Sgd(p.path("momentum").asDouble(0.9), p.path("nesterov").asBoolean(true),
                        p.path("weightDecay").asDouble(2e-4)),
                loss, SamplerKind.parse(p.path("sampler").asText("instance")), drs, drw, mixup,
                p.hasNonNull("generated") ? p.get("generated").asText() : null, p.path("checkpointEvery").asInt(1),
                every == 0 ? EvalPlan.OFF : new EvalPlan(every, p.path("evalFrom").asInt()), false, null);
    }
}
